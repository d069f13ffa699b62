//! A copy of the attendee's tree to break things in, leaving their files alone.

use std::path::Path;

use anyhow::{Context, Result};

/// What a build of the copy never needs: git's own files and build output.
const LEFT_OUT: [&str; 2] = [".git", "target"];

/// Copies the attendee's working files as they are, everything but [`LEFT_OUT`]: whatever
/// the workspace's members are (the tool's crates among them), the copy builds.
pub fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if LEFT_OUT.iter().any(|name| entry.file_name() == *name) {
            continue;
        }
        copy_recursively(&entry.path(), &to.join(entry.file_name()))?;
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
        // Cargo judges freshness by file times, and the copy shares the target dir: a file
        // copied unchanged keeps its time, so what was built from it is not built again.
        let modified = std::fs::metadata(from)?.modified()?;
        std::fs::File::options()
            .write(true)
            .open(to)?
            .set_modified(modified)?;
    }
    Ok(())
}
