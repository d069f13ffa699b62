//! The rows of the container and cluster files, from the step that adds them on. No
//! engine and no cluster are needed: the linters judge the files, and the replays run
//! what the files describe on this machine (see `docker_build` and `crate::pods`).

use std::path::Path;

use anyhow::Result;

use super::lint_row;
use super::{Verify, docker_build};
use crate::lint;
use crate::manifests::Manifests;
use crate::pods::{Pods, post_json};
use crate::proof::Proof;
use crate::tools::{HADOLINT, KUBERNETES_VALIDATE};

/// The step that adds the Dockerfile; its release build is replayed there and at the last
/// step only, to keep verify fast.
const FIRST_CONTAINER_STEP: u32 = 22;

/// One Concat through both services, when the manifests run both.
const CONCAT: (&str, &str) = (r#"{"a":"foo","b":"bar"}"#, r#"{"v":"FOOBAR"}"#);

impl Verify {
    /// hadolint and the build replay where the tree has a Dockerfile; kubernetes-validate
    /// and the manifests replay where it has manifests.
    pub(super) fn deploy_rows(&mut self, dir: &Path, number: u32) {
        if dir.join("Dockerfile").exists() {
            println!("\n== hadolint at step {number:02}");
            self.row_with_tools(
                format!("hadolint at step {number:02}"),
                &[&HADOLINT],
                || lint_row(lint::hadolint(dir), "clean"),
            );
            if number == FIRST_CONTAINER_STEP || number == self.last_step {
                let item = format!("docker build replays at step {number:02}");
                println!("\n== {item}");
                self.table.row(item, || outcome(docker_build::replay(dir)));
            }
        }
        let manifests = match Manifests::read(dir) {
            Ok(manifests) if manifests.files.is_empty() => return,
            Ok(manifests) => manifests,
            Err(error) => {
                self.table
                    .row(format!("manifests at step {number:02}"), || {
                        Proof::Failed(format!("{error:#}"))
                    });
                return;
            }
        };
        println!("\n== kubernetes-validate --strict at step {number:02}");
        self.row_with_tools(
            format!("kubernetes-validate --strict at step {number:02}"),
            &[&KUBERNETES_VALIDATE],
            || lint_row(lint::kubernetes_validate(dir, &manifests.files), "clean"),
        );
        let item = format!("manifests replay at step {number:02}");
        println!("\n== {item}");
        self.table
            .row(item, || outcome(replay_manifests(dir, manifests)));
    }
}

/// Runs every Deployment as its container would run, probes each container, and sends one
/// Concat through both services when stringsvc is deployed too.
fn replay_manifests(dir: &Path, manifests: Manifests) -> Result<String> {
    let runs_stringsvc = manifests
        .deployments
        .iter()
        .flat_map(|d| &d.containers)
        .any(|c| c.image_name() == "stringsvc");
    let pods = Pods::start(dir, manifests)?;
    let mut said = Vec::new();
    let mut failed = false;
    for probe in pods.probe_all(true) {
        println!(
            "  {}  {}",
            if probe.passed { "ok  " } else { "FAIL" },
            probe.what
        );
        failed |= !probe.passed;
        said.push(probe.what);
    }
    if runs_stringsvc {
        let url = format!("{}/concat", pods.url_of_image("addsvc")?);
        let (status, body) = post_json(&url, CONCAT.0)?;
        let what = format!("POST /concat {} answered {status} {body}", CONCAT.0);
        let passed = status == 200
            && serde_json::from_str::<serde_json::Value>(&body).ok()
                == serde_json::from_str(CONCAT.1).ok();
        println!("  {}  {what}", if passed { "ok  " } else { "FAIL" });
        failed |= !passed;
        said.push(what);
    }
    for url in &pods.unresolved {
        said.push(format!("{url} names no Service here"));
    }
    if failed {
        println!("{}", pods.output());
        anyhow::bail!(said.join("; "));
    }
    Ok(said.join("; "))
}

fn outcome(result: Result<String>) -> Proof {
    match result {
        Ok(proven) => Proof::Held(proven),
        Err(error) => {
            println!("{error:#}");
            Proof::Failed(format!("{error:#}"))
        }
    }
}
