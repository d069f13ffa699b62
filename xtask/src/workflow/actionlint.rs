//! actionlint, the linter of GitHub Actions workflows: it finds what would only show on
//! GitHub (a misspelt key, a bad `needs:`, an unknown action input, an outdated action, and
//! with shellcheck installed, shell mistakes in `run:` scripts).

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use super::WORKFLOW_FILE;
use crate::tools::ACTIONLINT;

/// Runs actionlint on the workflow of the tree at `dir`: whether it reported nothing, and
/// what it printed.
pub fn actionlint(dir: &Path) -> Result<(bool, String)> {
    let output = Command::new(ACTIONLINT.program)
        .args(["-no-color", WORKFLOW_FILE])
        .current_dir(dir)
        .output()
        .context("could not run actionlint")?;
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok((
        output.status.success() && printed.trim().is_empty(),
        printed,
    ))
}
