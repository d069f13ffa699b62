//! The checks of the Kubernetes exercises: the manifests must be valid, their Services
//! must reach their pods, and the services they describe, run as the manifests say
//! (see `crate::pods`), must answer through those Services. No cluster is needed.

use std::path::Path;

use anyhow::Result;
use serde_json::{Value, json};

use super::report::Report;
use crate::lint;
use crate::manifests::{Container, Deployment, Manifests, Probe};
use crate::pods::{Pods, post_json};
use crate::tools::{self, KUBERNETES_VALIDATE};

/// Exercise 22: addsvc's Deployment and Service answer a Sum through the Service.
pub fn deploy_addsvc(dir: &Path, report: &mut Report) -> Result<()> {
    let Some(manifests) = valid_manifests(dir, report)? else {
        return Ok(());
    };
    let Some((deployment, container)) = deployed(&manifests, "addsvc", report) else {
        return Ok(());
    };
    runs_the_loaded_image(container, "addsvc:dev", report);
    selected_by_a_service(&manifests, deployment, report);
    let pods = match start(dir, manifests, report) {
        Some(pods) => pods,
        None => return Ok(()),
    };
    for probe in pods.probe_all(false) {
        report.expect(probe.passed, probe.what);
    }
    answers(
        &pods,
        "addsvc",
        "/sum",
        json!({"a": 1, "b": 2}),
        json!({"v": 3}),
        report,
    );
    Ok(())
}

/// Exercise 23: stringsvc's Deployment and Service are where addsvc's manifest looks for
/// them, probed on paths stringsvc answers, and a Concat goes through both.
pub fn deploy_stringsvc(dir: &Path, report: &mut Report) -> Result<()> {
    let Some(manifests) = valid_manifests(dir, report)? else {
        return Ok(());
    };
    let (Some((stringsvc, container)), Some((_, addsvc))) = (
        deployed(&manifests, "stringsvc", report),
        deployed(&manifests, "addsvc", report),
    ) else {
        return Ok(());
    };
    runs_the_loaded_image(container, "stringsvc:dev", report);
    selected_by_a_service(&manifests, stringsvc, report);
    for (kind, probe) in [
        ("readiness", &container.readiness),
        ("liveness", &container.liveness),
    ] {
        // Any probe this check can send and a kubelet could: an HTTP GET or a TCP connect.
        // (No exec: the image has no shell to run one in.)
        report.expect(
            matches!(probe, Some(Probe::Http { .. } | Probe::Tcp { .. })),
            format!("stringsvc's container has a {kind} probe (httpGet or tcpSocket)"),
        );
    }
    match stringsvc_url(addsvc) {
        Some(url) => names_the_service(&manifests, stringsvc, &url, report),
        None => report.expect(
            false,
            "addsvc's container sets ADDSVC_STRINGSVC_URL (or --stringsvc-url)",
        ),
    }
    let Some(pods) = start(dir, manifests, report) else {
        return Ok(());
    };
    for probe in pods.probe_all(true) {
        report.expect(probe.passed, probe.what);
    }
    let concat = (json!({"a": "foo", "b": "bar"}), json!({"v": "FOOBAR"}));
    answers(&pods, "addsvc", "/concat", concat.0, concat.1, report);
    Ok(())
}

/// The tree's manifests, once kubernetes-validate --strict accepts them all.
fn valid_manifests(dir: &Path, report: &mut Report) -> Result<Option<Manifests>> {
    let manifests = match Manifests::read(dir) {
        Ok(manifests) => manifests,
        Err(error) => {
            report.expect(false, format!("{error:#}"));
            return Ok(None);
        }
    };
    if manifests.files.is_empty() {
        report.expect(false, "deploy/ holds manifests (*.yaml)");
        return Ok(None);
    }
    let missing = tools::missing(&[&KUBERNETES_VALIDATE]);
    if !missing.is_empty() {
        report.expect(false, tools::describe_missing(&missing));
        return Ok(None);
    }
    let linted = lint::kubernetes_validate(dir, &manifests.files)?;
    let what = format!(
        "kubernetes-validate --strict {}{}",
        manifests.files.join(" "),
        if linted.passed {
            String::new()
        } else {
            format!(":\n{}", linted.output)
        }
    );
    report.expect(linted.passed, what);
    Ok(linted.passed.then_some(manifests))
}

/// The container runs `image`, the one `kind load docker-image` put on the cluster's node,
/// and a kubelet starts it from there: kind has no registry to pull it from.
fn runs_the_loaded_image(container: &Container, image: &str, report: &mut Report) {
    report.expect(
        container.image_reference() == image,
        format!(
            "the container runs {image}, the image built and loaded into the cluster (it says \
             {})",
            container.image
        ),
    );
    let policy = container.pull_policy();
    let why = match &container.image_pull_policy {
        Some(_) => String::new(),
        None => format!(", the default for the tag \"{}\"", container.image_tag()),
    };
    report.expect(
        policy != "Always",
        format!(
            "the kubelet uses the loaded image rather than pull it (imagePullPolicy {policy}\
             {why}; Always pulls from a registry, which has no {image})"
        ),
    );
}

/// The Deployment whose container runs `image`.
fn deployed<'a>(
    manifests: &'a Manifests,
    image: &str,
    report: &mut Report,
) -> Option<(&'a Deployment, &'a Container)> {
    let found = manifests.deployments.iter().find_map(|deployment| {
        let container = deployment
            .containers
            .iter()
            .find(|c| c.image_name() == image)?;
        Some((deployment, container))
    });
    report.expect(
        found.is_some(),
        format!("a Deployment runs the {image} image"),
    );
    found
}

fn selected_by_a_service(manifests: &Manifests, deployment: &Deployment, report: &mut Report) {
    let selecting: Vec<&str> = manifests
        .services
        .iter()
        .filter(|service| service.selects(&deployment.pod_labels))
        .map(|service| service.name.as_str())
        .collect();
    report.expect(
        !selecting.is_empty(),
        format!(
            "a Service selects the pods of Deployment {} ({})",
            deployment.name,
            if selecting.is_empty() {
                "none does".to_owned()
            } else {
                selecting.join(", ")
            }
        ),
    );
}

/// Where addsvc's container says stringsvc is.
fn stringsvc_url(addsvc: &Container) -> Option<String> {
    let from_env = addsvc
        .env
        .iter()
        .find(|(name, _)| name == "ADDSVC_STRINGSVC_URL")
        .and_then(|(_, value)| value.clone());
    let args = addsvc.args.iter().flatten();
    let from_args = args
        .clone()
        .zip(args.skip(1))
        .find(|(flag, _)| *flag == "--stringsvc-url")
        .map(|(_, url)| url.clone());
    from_args.or(from_env)
}

/// The URL's host is a Service that selects stringsvc's pods, on a port that Service has.
fn names_the_service(
    manifests: &Manifests,
    stringsvc: &Deployment,
    url: &str,
    report: &mut Report,
) {
    let authority = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default();
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, port.parse().unwrap_or(0)),
        None => (authority, 80),
    };
    let name = host.split('.').next().unwrap_or(host);
    let service = manifests.service(name);
    report.expect(
        service.is_some_and(|service| service.selects(&stringsvc.pod_labels)),
        format!("addsvc's stringsvc URL {url} names a Service that selects stringsvc's pods"),
    );
    report.expect(
        service.is_some_and(|service| service.ports.iter().any(|p| p.port == port)),
        format!("the Service {name} listens on port {port}, as {url} says"),
    );
}

fn start(dir: &Path, manifests: Manifests, report: &mut Report) -> Option<Pods> {
    match Pods::start(dir, manifests) {
        Ok(pods) => {
            report.expect(true, "every Deployment runs as its manifest says");
            Some(pods)
        }
        Err(error) => {
            report.expect(false, format!("running the manifests: {error:#}"));
            None
        }
    }
}

/// POSTs `body` to `path` of the Service that fronts `image`, and expects `expected`.
fn answers(
    pods: &Pods,
    image: &str,
    path: &str,
    body: Value,
    expected: Value,
    report: &mut Report,
) {
    let what = format!("POST {path} {body} through {image}'s Service answers 200 {expected}");
    let reply = pods
        .url_of_image(image)
        .and_then(|url| post_json(&format!("{url}{path}"), &body.to_string()));
    match reply {
        Ok((status, text)) => {
            let got: Option<Value> = serde_json::from_str(&text).ok();
            let ok = status == 200 && got.as_ref() == Some(&expected);
            report.expect(ok, format!("{what} (got {status} {text})"));
            if !ok {
                println!("{}", pods.output());
            }
        }
        Err(error) => report.expect(false, format!("{what}: {error:#}")),
    }
}
