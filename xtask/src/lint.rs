//! The external linters the tool runs on the files of the later steps: actionlint on the CI
//! workflow, hadolint on the Dockerfile, kubernetes-validate on the manifests. All judge
//! files only; none needs GitHub, an engine, a cluster or the network (kubernetes-validate
//! ships its schemas).

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::tools::{ACTIONLINT, HADOLINT, KUBERNETES_VALIDATE, Tool};
use crate::workflow::WORKFLOW_FILE;

/// What a linter concluded, and what it printed.
pub struct Linted {
    pub passed: bool,
    pub output: String,
}

/// `actionlint` on the CI workflow in `tree`: it finds what would only show on GitHub (a
/// misspelt key, a bad `needs:`, an unknown action input, an outdated action, and with
/// shellcheck installed, shell mistakes in `run:` scripts). It passes when it reports nothing.
pub fn actionlint(tree: &Path) -> Result<Linted> {
    let linted = run(&ACTIONLINT, tree, &["-no-color", WORKFLOW_FILE])?;
    Ok(Linted {
        passed: linted.passed && linted.output.is_empty(),
        output: linted.output,
    })
}

/// `hadolint Dockerfile` in `tree`.
pub fn hadolint(tree: &Path) -> Result<Linted> {
    run(&HADOLINT, tree, &["Dockerfile"])
}

/// `kubernetes-validate --strict` on `files` (relative to `tree`): every field must be one
/// the schema knows, so a misspelt key fails instead of being ignored by the cluster. It
/// validates against the newest Kubernetes version it ships.
pub fn kubernetes_validate(tree: &Path, files: &[String]) -> Result<Linted> {
    let mut args = vec!["--strict", "--quiet"];
    args.extend(files.iter().map(String::as_str));
    run(&KUBERNETES_VALIDATE, tree, &args)
}

fn run(tool: &Tool, tree: &Path, args: &[&str]) -> Result<Linted> {
    let program = tool.path().unwrap_or_else(|| tool.program.into());
    let output = Command::new(program)
        .args(args)
        .current_dir(tree)
        .output()
        .with_context(|| format!("could not run {}", tool.program))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(Linted {
        passed: output.status.success(),
        output: text.trim_end().to_owned(),
    })
}
