//! Builds the attendee's services and the bare baseline in release, in one cargo run: a debug
//! build would measure missing optimisations, not the cost of the workshop's layers.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde_json::Value;

pub struct Binaries {
    pub addsvc: PathBuf,
    /// None before step 15, which adds stringsvc.
    pub stringsvc: Option<PathBuf>,
    pub bare: PathBuf,
}

pub fn build_release(root: &Path) -> Result<Binaries> {
    let output = Command::new(env!("CARGO"))
        .current_dir(root)
        .args(["build", "--release", "--offline", "--bins"])
        .args(["--package", "addsvc", "--package", "bare-addsvc"])
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit())
        .output()
        .context("could not run cargo build")?;
    if !output.status.success() {
        bail!("the code does not build in release (cargo build failed, see above)");
    }
    let mut built: Vec<(String, PathBuf)> = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let is_bin =
            message["reason"] == "compiler-artifact" && message["target"]["kind"][0] == "bin";
        if let (true, Some(name), Some(path)) = (
            is_bin,
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) {
            built.push((name.to_owned(), PathBuf::from(path)));
        }
    }
    let find = |name: &str| {
        built
            .iter()
            .find(|(built_name, _)| built_name == name)
            .map(|(_, path)| path.clone())
    };
    Ok(Binaries {
        addsvc: find("addsvc").context("cargo build produced no addsvc binary")?,
        stringsvc: find("stringsvc"),
        bare: find("bare-addsvc").context("cargo build produced no bare-addsvc binary")?,
    })
}
