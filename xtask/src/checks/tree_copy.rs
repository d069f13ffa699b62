//! A copy of the attendee's tree to break things in, leaving their files alone.

use std::path::Path;

use anyhow::{Context, Result};

/// Copies what a build of the workspace needs: the attendee's working files as they are.
pub fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for entry in [
        "Cargo.toml",
        "Cargo.lock",
        ".cargo",
        "src",
        "tests",
        "xtask/Cargo.toml",
        "xtask/src",
        // Every workspace member must be there for cargo to load the workspace.
        "xtask/bare-addsvc/Cargo.toml",
        "xtask/bare-addsvc/src",
    ] {
        let source = from.join(entry);
        if source.exists() {
            copy_recursively(&source, &to.join(entry))?;
        }
    }
    Ok(())
}

fn copy_recursively(from: &Path, to: &Path) -> Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_recursively(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from, to).with_context(|| format!("could not copy {}", from.display()))?;
    }
    Ok(())
}
