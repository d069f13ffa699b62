//! Runs the Deployments of a tree's manifests as local processes, the way a cluster would
//! run their containers, so that the tool can judge the manifests without a cluster.
//!
//! Each container is the binary its image is named after (`addsvc:dev` runs addsvc), with
//! the image's ENV from the Dockerfile stage of that name, the container's env over it, and
//! its args (or the image's CMD). Three things a cluster provides are played here:
//! - a pod's network: an address it listens on must be every interface (0.0.0.0), since a
//!   Service reaches the pod from outside; it becomes 127.0.0.1 on a free port;
//! - Service DNS: `http://<service>:<port>` in env or args becomes 127.0.0.1 and the port
//!   the Service sends that port to (its targetPort, on the pods its selector picks);
//! - probes: a readiness or liveness probe is sent to the container's port.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::cargo::build_bins;
use crate::dockerfile::Dockerfile;
use crate::http::{get_from, post_json_to};
use crate::manifests::{Container, Deployment, Manifests, PortRef, Probe};
use crate::service::Service;

/// The containers of every Deployment, running.
pub struct Pods {
    manifests: Manifests,
    plans: Vec<Plan>,
    /// Each container's process, in the order of `plans`.
    processes: Vec<Service>,
    /// URLs of env or args whose host is no Service of the manifests, left as written.
    pub unresolved: Vec<String>,
}

/// How one container is started.
struct Plan {
    deployment: usize,
    container: usize,
    binary: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// Each port the container listens on, and the loopback port it listens on here.
    ports: BTreeMap<u16, u16>,
}

/// One probe sent, and what came of it.
pub struct ProbeOutcome {
    pub what: String,
    pub passed: bool,
}

impl Pods {
    /// Builds the tree's binaries and starts every container of `manifests`.
    pub fn start(tree: &Path, manifests: Manifests) -> Result<Pods> {
        let dockerfile_path = tree.join("Dockerfile");
        let dockerfile = if dockerfile_path.exists() {
            Dockerfile::read(&dockerfile_path)?
        } else {
            Dockerfile::default()
        };
        let binaries: BTreeMap<String, PathBuf> = build_bins(tree, &[])?.into_iter().collect();
        let mut plans = Vec::new();
        for (d, deployment) in manifests.deployments.iter().enumerate() {
            if deployment.selector.is_empty()
                || !deployment
                    .selector
                    .iter()
                    .all(|(key, value)| deployment.pod_labels.get(key) == Some(value))
            {
                bail!(
                    "Deployment {}: its selector {} does not match its pod labels {}",
                    deployment.name,
                    labels(&deployment.selector),
                    labels(&deployment.pod_labels)
                );
            }
            for (c, container) in deployment.containers.iter().enumerate() {
                let plan = plan(&dockerfile, &binaries, container)
                    .with_context(|| format!("Deployment {}", deployment.name))?;
                plans.push(Plan {
                    deployment: d,
                    container: c,
                    ..plan
                });
            }
        }
        let mut pods = Pods {
            manifests,
            plans,
            processes: Vec::new(),
            unresolved: Vec::new(),
        };
        pods.resolve_service_urls()?;
        for plan in &pods.plans {
            let args: Vec<&str> = plan.args.iter().map(String::as_str).collect();
            let env: Vec<(&str, &str)> = plan
                .env
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect();
            let (deployment, container) = pods.container(plan);
            println!(
                "starting {} of Deployment {}: {} {}",
                container.name,
                deployment.name,
                plan.binary.display(),
                plan.args.join(" ")
            );
            let process = Service::start_as_given(&plan.binary, &args, &env)
                .with_context(|| format!("container {} did not start", container.name))?;
            pods.processes.push(process);
        }
        Ok(pods)
    }

    /// The loopback port that `port` of Service `service` leads to: its targetPort, on a
    /// container of the pods its selector picks.
    pub fn service_port(&self, service: &str, port: u16) -> Result<u16> {
        let Some(found) = self.manifests.service(service) else {
            bail!("no Service named {service}");
        };
        let Some(mapping) = found.ports.iter().find(|p| p.port == port) else {
            let ports: Vec<String> = found.ports.iter().map(|p| p.port.to_string()).collect();
            bail!(
                "Service {service} has no port {port} (it has {})",
                ports.join(", ")
            );
        };
        let selected = self.manifests.selected_by(found);
        if selected.is_empty() {
            bail!(
                "Service {service} selects {}: no Deployment's pods carry those labels",
                labels(&found.selector)
            );
        }
        for plan in &self.plans {
            let (deployment, container) = self.container(plan);
            if !selected.iter().any(|d| d.name == deployment.name) {
                continue;
            }
            let target = container.port_number(&mapping.target);
            if let Some(local) = target.and_then(|target| plan.ports.get(&target)) {
                return Ok(*local);
            }
        }
        let listening: Vec<String> = self
            .plans
            .iter()
            .filter(|plan| {
                let name = &self.container(plan).0.name;
                selected.iter().any(|d| &d.name == name)
            })
            .flat_map(|plan| plan.ports.keys().map(u16::to_string))
            .collect();
        bail!(
            "Service {service} sends port {port} to {}: its pods listen on {}",
            describe(&mapping.target),
            listening.join(", ")
        )
    }

    /// The base URL of the first Service that fronts a container of image `image`, through
    /// its first port.
    pub fn url_of_image(&self, image: &str) -> Result<String> {
        for service in &self.manifests.services {
            let fronts = self
                .manifests
                .selected_by(service)
                .iter()
                .any(|d| d.containers.iter().any(|c| c.image_name() == image));
            if let (true, Some(first)) = (fronts, service.ports.first()) {
                let local = self.service_port(&service.name, first.port)?;
                return Ok(format!("http://127.0.0.1:{local}"));
            }
        }
        bail!("no Service selects the pods of image {image}")
    }

    /// Sends each container's readiness and liveness probe; a container without one fails
    /// when `required`.
    pub fn probe_all(&self, required: bool) -> Vec<ProbeOutcome> {
        let mut outcomes = Vec::new();
        for plan in &self.plans {
            let (deployment, container) = self.container(plan);
            for (kind, probe) in [
                ("readiness", &container.readiness),
                ("liveness", &container.liveness),
            ] {
                let what = format!("{} {kind} probe", deployment.name);
                let Some(probe) = probe else {
                    if required {
                        outcomes.push(ProbeOutcome {
                            what: format!("{what}: none declared"),
                            passed: false,
                        });
                    }
                    continue;
                };
                let (passed, said) = match send_probe(container, plan, probe) {
                    Ok(said) => (true, said),
                    Err(error) => (false, format!("{error:#}")),
                };
                outcomes.push(ProbeOutcome {
                    what: format!("{what}: {said}"),
                    passed,
                });
            }
        }
        outcomes
    }

    /// Everything the containers printed, each under its name: for a failure's report.
    pub fn output(&self) -> String {
        self.plans
            .iter()
            .zip(&self.processes)
            .map(|(plan, process)| {
                format!("--- {}\n{}", self.container(plan).1.name, process.output())
            })
            .collect()
    }

    fn container(&self, plan: &Plan) -> (&Deployment, &Container) {
        let deployment = &self.manifests.deployments[plan.deployment];
        (deployment, &deployment.containers[plan.container])
    }

    /// Replaces `http://<service>:<port>` in every plan's env and args by the loopback
    /// address that Service port leads to.
    fn resolve_service_urls(&mut self) -> Result<()> {
        let mut rewritten = Vec::new();
        let mut unresolved = Vec::new();
        for plan in &self.plans {
            let mut env = Vec::new();
            for (name, value) in &plan.env {
                env.push((name.clone(), self.resolve(value, &mut unresolved)?));
            }
            let mut args = Vec::new();
            for arg in &plan.args {
                args.push(self.resolve(arg, &mut unresolved)?);
            }
            rewritten.push((env, args));
        }
        self.unresolved = unresolved;
        for (plan, (env, args)) in self.plans.iter_mut().zip(rewritten) {
            plan.env = env;
            plan.args = args;
        }
        Ok(())
    }

    fn resolve(&self, text: &str, unresolved: &mut Vec<String>) -> Result<String> {
        let Some(start) = text.find("http://") else {
            return Ok(text.to_owned());
        };
        let authority_start = start + "http://".len();
        let rest = &text[authority_start..];
        let end = rest.find('/').unwrap_or(rest.len());
        let (host, port) = match rest[..end].split_once(':') {
            Some((host, port)) => (host, port.parse().context("a URL with a bad port")?),
            None => (&rest[..end], 80),
        };
        // `name`, or `name.namespace[.svc[.cluster.local]]`: the namespace is not checked.
        let service = host.split('.').next().unwrap_or(host);
        let dns_name = host == service || host.split('.').count() <= 5;
        if !dns_name || self.manifests.service(service).is_none() {
            // Not fatal: the caller decides whether this URL matters.
            unresolved.push(text.to_owned());
            return Ok(text.to_owned());
        }
        let local = self
            .service_port(service, port)
            .with_context(|| format!("{text} cannot reach its Service"))?;
        Ok(format!(
            "{}http://127.0.0.1:{local}{}",
            &text[..start],
            &rest[end..]
        ))
    }
}

/// The binary, args, env and ports of `container`, its listening addresses moved to free
/// loopback ports.
fn plan(
    dockerfile: &Dockerfile,
    binaries: &BTreeMap<String, PathBuf>,
    container: &Container,
) -> Result<Plan> {
    let image = container.image_name();
    let Some(binary) = binaries.get(image) else {
        bail!(
            "container {}: image {} names no binary this tree builds",
            container.name,
            container.image
        );
    };
    let stage = dockerfile.stage(image);
    let entrypoint_args: Vec<String> = stage.map_or_else(Vec::new, |stage| {
        stage.entrypoint.iter().skip(1).cloned().collect()
    });
    let image_cmd = stage.map_or_else(Vec::new, |stage| stage.cmd.clone());
    let mut args = match &container.command {
        Some(command) => {
            let runs = command
                .first()
                .map(|first| first.rsplit('/').next() == Some(image));
            if runs != Some(true) {
                bail!(
                    "container {}: command {command:?} does not run the image's binary {image}",
                    container.name
                );
            }
            command[1..].to_vec()
        }
        None => entrypoint_args,
    };
    args.extend(container.args.clone().unwrap_or(image_cmd));
    let mut env = stage.map_or_else(Vec::new, |stage| dockerfile.env(stage));
    for (name, value) in &container.env {
        let Some(value) = value else {
            bail!(
                "container {}: {name} comes from valueFrom, known only to a cluster",
                container.name
            );
        };
        env.retain(|(known, _)| known != name);
        env.push((name.clone(), value.clone()));
    }
    let mut ports = BTreeMap::new();
    for value in env
        .iter_mut()
        .map(|(_, value)| value)
        .chain(args.iter_mut())
    {
        let (prefix, addr) = match value.split_once('=') {
            Some((flag, addr)) if flag.starts_with("--") => (format!("{flag}="), addr.to_owned()),
            _ => (String::new(), value.clone()),
        };
        let Ok(addr) = addr.parse::<SocketAddr>() else {
            continue;
        };
        if !addr.ip().is_unspecified() {
            bail!(
                "container {} listens on {addr}: inside a pod that address is not reachable \
                 from a Service; listen on 0.0.0.0",
                container.name
            );
        }
        let local = free_port()?;
        ports.insert(addr.port(), local);
        *value = format!("{prefix}127.0.0.1:{local}");
    }
    if ports.is_empty() {
        bail!(
            "container {}: neither its env nor its args say where it listens",
            container.name
        );
    }
    Ok(Plan {
        deployment: 0,
        container: 0,
        binary: binary.clone(),
        args,
        env,
        ports,
    })
}

fn send_probe(container: &Container, plan: &Plan, probe: &Probe) -> Result<String> {
    let (port, path) = match probe {
        Probe::Http { path, port } => (port, Some(path)),
        Probe::Tcp { port } => (port, None),
        Probe::Other(kind) => bail!("a {kind} probe, which only a cluster can run"),
    };
    let Some(number) = container.port_number(port) else {
        bail!(
            "probes port {}, which the container does not name",
            describe(port)
        );
    };
    let Some(local) = plan.ports.get(&number) else {
        bail!("probes port {number}, where the container does not listen");
    };
    match path {
        Some(path) => {
            let (status, body) = get(&format!("http://127.0.0.1:{local}{path}"))?;
            let said = format!("GET {path} on port {number} answered {status} {body}");
            if status == 200 { Ok(said) } else { bail!(said) }
        }
        None => {
            TcpStream::connect_timeout(
                &SocketAddr::from(([127, 0, 0, 1], *local)),
                Duration::from_secs(2),
            )
            .with_context(|| format!("TCP port {number} refused the connection"))?;
            Ok(format!("TCP port {number} accepted a connection"))
        }
    }
}

/// GET `url`: the status and body.
pub fn get(url: &str) -> Result<(u16, String)> {
    let reply = get_from(url)?;
    Ok((reply.status, reply.body.trim().to_owned()))
}

/// POST a JSON `body` to `url`: the status and body.
pub fn post_json(url: &str, body: &str) -> Result<(u16, String)> {
    let reply = post_json_to(url, body)?;
    Ok((reply.status, reply.body.trim().to_owned()))
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).context("no free loopback port")?;
    Ok(listener.local_addr()?.port())
}

fn describe(port: &PortRef) -> String {
    match port {
        PortRef::Number(number) => format!("port {number}"),
        PortRef::Name(name) => format!("the port named {name}"),
    }
}

fn labels(labels: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", pairs.join(","))
}
