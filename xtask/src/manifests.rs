//! Reads the Kubernetes manifests of a tree (`deploy/*.yaml`) as far as the tool replays
//! them: Deployments with their pod labels and containers (image, command, args, env,
//! ports, probes), and Services with their selector and ports. Other kinds are left
//! aside; kubernetes-validate judges the whole files.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::Value;

/// The manifests found in one tree.
#[derive(Debug, Default)]
pub struct Manifests {
    /// The files read, relative to the tree, `/`-separated.
    pub files: Vec<String>,
    pub deployments: Vec<Deployment>,
    pub services: Vec<Service>,
}

#[derive(Debug)]
pub struct Deployment {
    pub name: String,
    /// `spec.selector.matchLabels`.
    pub selector: BTreeMap<String, String>,
    /// The labels of its pods (`spec.template.metadata.labels`).
    pub pod_labels: BTreeMap<String, String>,
    pub containers: Vec<Container>,
}

#[derive(Debug)]
pub struct Container {
    pub name: String,
    pub image: String,
    /// `imagePullPolicy` as written; see [`Container::pull_policy`] for what a kubelet uses.
    pub image_pull_policy: Option<String>,
    /// Replaces the image's ENTRYPOINT when set.
    pub command: Option<Vec<String>>,
    /// Replaces the image's CMD when set.
    pub args: Option<Vec<String>>,
    /// Each variable with its value; None for a `valueFrom`, known only to a cluster.
    pub env: Vec<(String, Option<String>)>,
    pub ports: Vec<ContainerPort>,
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
}

#[derive(Debug)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub number: u16,
}

/// A port given by number or by the name of a container port.
#[derive(Debug, Clone, PartialEq)]
pub enum PortRef {
    Number(u16),
    Name(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    Http {
        path: String,
        port: PortRef,
    },
    Tcp {
        port: PortRef,
    },
    /// exec or gRPC: nothing the replay can send.
    Other(String),
}

#[derive(Debug)]
pub struct Service {
    pub name: String,
    pub selector: BTreeMap<String, String>,
    pub ports: Vec<ServicePort>,
}

#[derive(Debug)]
pub struct ServicePort {
    pub port: u16,
    /// Where the Service sends it: `targetPort`, the same number when absent.
    pub target: PortRef,
}

impl Manifests {
    /// Every `deploy/*.yaml` (and `.yml`) of `tree`, in name order; none without deploy/.
    pub fn read(tree: &Path) -> Result<Manifests> {
        let mut manifests = Manifests::default();
        let dir = tree.join("deploy");
        if !dir.is_dir() {
            return Ok(manifests);
        }
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .with_context(|| format!("could not list {}", dir.display()))?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".yaml") || name.ends_with(".yml"))
            .collect();
        names.sort();
        for name in names {
            let text = std::fs::read_to_string(dir.join(&name))
                .with_context(|| format!("could not read deploy/{name}"))?;
            manifests
                .add(&text)
                .with_context(|| format!("could not read deploy/{name}"))?;
            manifests.files.push(format!("deploy/{name}"));
        }
        Ok(manifests)
    }

    /// Adds the Deployments and Services of a YAML text of one or more documents.
    pub fn add(&mut self, text: &str) -> Result<()> {
        for document in serde_yaml_ng::Deserializer::from_str(text) {
            let object = Value::deserialize(document).context("not YAML")?;
            match object["kind"].as_str() {
                Some("Deployment") => self.deployments.push(deployment(&object)?),
                Some("Service") => self.services.push(service(&object)?),
                _ => {}
            }
        }
        Ok(())
    }

    #[cfg(test)]
    pub fn deployment(&self, name: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.name == name)
    }

    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }

    /// The Deployments whose pods `service` selects.
    pub fn selected_by(&self, service: &Service) -> Vec<&Deployment> {
        self.deployments
            .iter()
            .filter(|deployment| service.selects(&deployment.pod_labels))
            .collect()
    }
}

impl Service {
    /// A Service with a selector selects the pods that carry every label of it.
    pub fn selects(&self, labels: &BTreeMap<String, String>) -> bool {
        !self.selector.is_empty()
            && self
                .selector
                .iter()
                .all(|(key, value)| labels.get(key) == Some(value))
    }
}

impl Container {
    /// The number a port reference stands for in this container.
    pub fn port_number(&self, port: &PortRef) -> Option<u16> {
        match port {
            PortRef::Number(number) => Some(*number),
            PortRef::Name(name) => self
                .ports
                .iter()
                .find(|p| p.name.as_deref() == Some(name))
                .map(|p| p.number),
        }
    }

    /// The image's name without registry, tag or digest: `ghcr.io/x/addsvc:dev` is addsvc.
    pub fn image_name(&self) -> &str {
        let last = self.image.rsplit('/').next().unwrap_or(&self.image);
        last.split([':', '@']).next().unwrap_or(last)
    }

    /// The image's tag as Kubernetes reads the reference: `latest` when it names neither a
    /// tag nor a digest, empty when it names only a digest.
    pub fn image_tag(&self) -> &str {
        let (name, digest) = match self.image.split_once('@') {
            Some((name, digest)) => (name, Some(digest)),
            None => (self.image.as_str(), None),
        };
        let last = name.rsplit('/').next().unwrap_or(name);
        match (last.split_once(':'), digest) {
            (Some((_, tag)), _) => tag,
            (None, Some(_)) => "",
            (None, None) => "latest",
        }
    }

    /// The pull policy a kubelet uses: the field when set, otherwise the API server's
    /// default, `Always` for the tag `latest` (or no tag) and `IfNotPresent` for any other.
    pub fn pull_policy(&self) -> &str {
        match &self.image_pull_policy {
            Some(policy) => policy,
            None if self.image_tag() == "latest" => "Always",
            None => "IfNotPresent",
        }
    }

    /// The reference without Docker Hub's implicit `docker.io/` and `library/`:
    /// `docker.io/library/addsvc:dev` is the image `kind load docker-image addsvc:dev` loads.
    pub fn image_reference(&self) -> &str {
        let image = self.image.strip_prefix("docker.io/").unwrap_or(&self.image);
        image.strip_prefix("library/").unwrap_or(image)
    }
}

fn deployment(object: &Value) -> Result<Deployment> {
    let name = name(object)?;
    let pod = &object["spec"]["template"];
    let containers = pod["spec"]["containers"]
        .as_array()
        .with_context(|| format!("Deployment {name} has no containers"))?
        .iter()
        .map(container)
        .collect::<Result<_>>()
        .with_context(|| format!("Deployment {name}"))?;
    Ok(Deployment {
        selector: labels(&object["spec"]["selector"]["matchLabels"]),
        pod_labels: labels(&pod["metadata"]["labels"]),
        containers,
        name,
    })
}

fn container(object: &Value) -> Result<Container> {
    let name = object["name"].as_str().unwrap_or_default().to_owned();
    let env = object["env"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|variable| {
            (
                variable["name"].as_str().unwrap_or_default().to_owned(),
                variable["value"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let ports = object["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|port| {
            Some(ContainerPort {
                name: port["name"].as_str().map(str::to_owned),
                number: u16::try_from(port["containerPort"].as_u64()?).ok()?,
            })
        })
        .collect();
    Ok(Container {
        image: object["image"].as_str().unwrap_or_default().to_owned(),
        image_pull_policy: object["imagePullPolicy"].as_str().map(str::to_owned),
        command: strings(&object["command"]),
        args: strings(&object["args"]),
        env,
        ports,
        readiness: probe(&object["readinessProbe"])?,
        liveness: probe(&object["livenessProbe"])?,
        name,
    })
}

fn probe(object: &Value) -> Result<Option<Probe>> {
    if object.is_null() {
        return Ok(None);
    }
    if let Some(http) = object.get("httpGet") {
        return Ok(Some(Probe::Http {
            path: http["path"].as_str().unwrap_or("/").to_owned(),
            port: port_ref(&http["port"]).context("httpGet probe without a port")?,
        }));
    }
    if let Some(tcp) = object.get("tcpSocket") {
        return Ok(Some(Probe::Tcp {
            port: port_ref(&tcp["port"]).context("tcpSocket probe without a port")?,
        }));
    }
    let kind = ["exec", "grpc"]
        .into_iter()
        .find(|kind| object.get(kind).is_some())
        .unwrap_or("unknown");
    Ok(Some(Probe::Other(kind.to_owned())))
}

fn service(object: &Value) -> Result<Service> {
    let name = name(object)?;
    let ports = object["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|port| {
            let number = port["port"]
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .with_context(|| format!("Service {name}: a port without a number"))?;
            let target = port_ref(&port["targetPort"]).unwrap_or(PortRef::Number(number));
            Ok(ServicePort {
                port: number,
                target,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Service {
        selector: labels(&object["spec"]["selector"]),
        ports,
        name,
    })
}

fn name(object: &Value) -> Result<String> {
    match object["metadata"]["name"].as_str() {
        Some(name) => Ok(name.to_owned()),
        None => bail!("a {} without metadata.name", object["kind"]),
    }
}

fn port_ref(value: &Value) -> Option<PortRef> {
    match value {
        Value::Number(number) => Some(PortRef::Number(u16::try_from(number.as_u64()?).ok()?)),
        Value::String(name) => Some(match name.parse() {
            Ok(number) => PortRef::Number(number),
            Err(_) => PortRef::Name(name.clone()),
        }),
        _ => None,
    }
}

fn labels(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            (key.clone(), text)
        })
        .collect()
}

fn strings(value: &Value) -> Option<Vec<String>> {
    value.as_array().map(|items| {
        items
            .iter()
            .map(|item| {
                item.as_str()
                    .map_or_else(|| item.to_string(), str::to_owned)
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pull_policy_is_the_field_or_what_the_tag_makes_it() {
        let container = |image: &str, policy: Option<&str>| {
            container(&serde_json::json!({"name": "c", "image": image, "imagePullPolicy": policy}))
                .unwrap()
        };
        let policy = |image, policy| container(image, policy).pull_policy().to_owned();
        assert_eq!(policy("addsvc:dev", None), "IfNotPresent");
        assert_eq!(policy("addsvc", None), "Always");
        assert_eq!(policy("addsvc:latest", None), "Always");
        assert_eq!(policy("localhost:5000/addsvc", None), "Always");
        assert_eq!(policy("localhost:5000/addsvc:dev", None), "IfNotPresent");
        assert_eq!(policy("addsvc@sha256:ab", None), "IfNotPresent");
        assert_eq!(policy("addsvc:dev", Some("Always")), "Always");
        assert_eq!(policy("addsvc", Some("Never")), "Never");
        assert_eq!(
            container("docker.io/library/addsvc:dev", None).image_reference(),
            "addsvc:dev"
        );
    }

    const PAIR: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: addsvc}
spec:
  selector: {matchLabels: {app: addsvc}}
  template:
    metadata: {labels: {app: addsvc, tier: web}}
    spec:
      containers:
        - name: addsvc
          image: registry.example/addsvc:dev
          args: ["--log-format", "json"]
          env:
            - {name: ADDSVC_ADDR, value: "0.0.0.0:8080"}
            - name: POD_IP
              valueFrom: {fieldRef: {fieldPath: status.podIP}}
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /health, port: http}}
          livenessProbe: {tcpSocket: {port: 8080}}
---
apiVersion: v1
kind: Service
metadata: {name: addsvc}
spec:
  selector: {app: addsvc}
  ports: [{port: 80, targetPort: http}, {port: 8080}]
"#;

    #[test]
    fn a_deployment_and_its_service() {
        let mut manifests = Manifests::default();
        manifests.add(PAIR).unwrap();
        let deployment = manifests.deployment("addsvc").unwrap();
        let container = &deployment.containers[0];
        assert_eq!(container.image_name(), "addsvc");
        assert_eq!(
            container.args.as_deref(),
            Some(&["--log-format".to_owned(), "json".to_owned()][..])
        );
        assert_eq!(
            container.env,
            [
                ("ADDSVC_ADDR".to_owned(), Some("0.0.0.0:8080".to_owned())),
                ("POD_IP".to_owned(), None)
            ]
        );
        assert_eq!(
            container.readiness,
            Some(Probe::Http {
                path: "/health".to_owned(),
                port: PortRef::Name("http".to_owned())
            })
        );
        assert_eq!(
            container.port_number(&PortRef::Name("http".to_owned())),
            Some(8080)
        );
        let service = manifests.service("addsvc").unwrap();
        assert_eq!(service.ports[1].target, PortRef::Number(8080));
        assert_eq!(manifests.selected_by(service).len(), 1);
    }

    #[test]
    fn a_selector_selects_only_pods_with_every_label() {
        let mut manifests = Manifests::default();
        manifests
            .add(&PAIR.replace("selector: {app: addsvc}", "selector: {app: add}"))
            .unwrap();
        let service = manifests.service("addsvc").unwrap();
        assert!(manifests.selected_by(service).is_empty());
    }
}
