//! Every cargo the tool starts: the same cargo that runs the tool, in a given directory,
//! with an environment prepared once for all of them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// `cargo` (the one running this tool) with `dir` as its working directory.
pub fn cargo(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO"));
    command.current_dir(dir);
    command
}

/// `cargo build --offline --bins extra_args…` in `dir`, its diagnostics on the terminal;
/// returns each binary it built as (name, path).
pub fn build_bins(dir: &Path, extra_args: &[&str]) -> Result<Vec<(String, PathBuf)>> {
    let output = cargo(dir)
        .args(["build", "--offline", "--bins"])
        .args(extra_args)
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit())
        .output()
        .context("could not run cargo build")?;
    if !output.status.success() {
        bail!("the code does not build (cargo build failed, see above)");
    }
    let mut built = Vec::new();
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
    Ok(built)
}

/// Prepares the environment every cargo the tool starts inherits: one target dir for all the
/// builds of a command, so every step of a walk reuses the dependencies compiled once (the
/// attendee's own `target/`, or `target/workshop/` for scratch worktrees); and without the
/// variables `cargo run` set for this tool, since build scripts that watch them (ring's watches
/// CARGO_PKG_NAME) would otherwise rebuild on every switch between the tool's builds and the
/// attendee's.
pub fn prepare_environment(root: &Path, scratch: bool) {
    let stale: Vec<_> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| set_by_cargo_run(name))
        .collect();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let target = if scratch {
        target.join("workshop")
    } else {
        target
    };
    // SAFETY: called before the tool starts any thread.
    unsafe {
        for name in stale {
            std::env::remove_var(name);
        }
        std::env::set_var("CARGO_TARGET_DIR", target);
    }
}

fn set_by_cargo_run(name: &str) -> bool {
    ["CARGO_PKG_", "CARGO_MANIFEST_"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
        || [
            "CARGO_CRATE_NAME",
            "CARGO_BIN_NAME",
            "CARGO_PRIMARY_PACKAGE",
            "OUT_DIR",
        ]
        .contains(&name)
}
