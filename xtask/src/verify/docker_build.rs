//! `docker build`, replayed without an engine: what the images need from the tree is there
//! and reaches the build, the build stage's last `cargo build` succeeds on the tree, and
//! every file the service stages copy out of the build stage exists after it.
//!
//! The replay maps the build stage's working directory to the tree's root, so it first
//! checks that the stage's COPYs keep the tree's layout there; the container's target
//! directory is mapped to the shared target directory every build of the tool uses.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::cargo::cargo;
use crate::dockerfile::{Copy, Dockerfile, Stage, join};
use crate::dockerignore::DockerIgnore;
use crate::git::Git;

/// Replays the build of `tree/Dockerfile`; Ok says what was proven.
pub fn replay(tree: &Path) -> Result<String> {
    let file = Dockerfile::read(&tree.join("Dockerfile"))?;
    let ignore = DockerIgnore::read(tree)?;
    let mut context_paths = 0;
    for copy in file.stages.iter().flat_map(|stage| &stage.copies) {
        if copy.from.is_none() {
            context_paths += context_sources(tree, &ignore, copy)?;
        }
    }
    let build_stages: Vec<&Stage> = file
        .stages
        .iter()
        .filter(|stage| {
            let name = stage.name.as_deref();
            file.stages
                .iter()
                .flat_map(|other| &other.copies)
                .any(|copy| copy.from.is_some() && copy.from.as_deref() == name)
        })
        .collect();
    if build_stages.is_empty() {
        bail!("no stage copies from another: there is no build stage to replay");
    }
    let mut proven = vec![format!("{context_paths} context paths")];
    for build in build_stages {
        proven.push(replay_stage(tree, &file, build)?);
    }
    Ok(proven.join("; "))
}

/// Every source of a COPY from the context exists in the tree and reaches the build; for a
/// directory (other than the whole context), so does every file git tracks under it.
fn context_sources(tree: &Path, ignore: &DockerIgnore, copy: &Copy) -> Result<usize> {
    for source in &copy.sources {
        let relative = source.trim_start_matches("./").trim_end_matches('/');
        if relative.contains(['*', '?', '[']) {
            bail!("COPY {source}: the replay does not expand wildcards");
        }
        if relative.is_empty() || relative == "." {
            continue;
        }
        if !tree.join(relative).exists() {
            bail!("COPY {source}: no such file or directory in the tree");
        }
        if ignore.excludes(relative) {
            bail!("COPY {source}: .dockerignore keeps it out of the build context");
        }
        let tracked = Git::new(tree).run(&["ls-files", "--", relative])?;
        if let Some(left_out) = tracked.lines().find(|file| ignore.excludes(file)) {
            bail!("COPY {source}: .dockerignore keeps {left_out} out of the build context");
        }
    }
    Ok(copy.sources.len())
}

/// Runs the last `cargo build` of `stage` in the tree, then finds what other stages copy
/// from it.
fn replay_stage(tree: &Path, file: &Dockerfile, stage: &Stage) -> Result<String> {
    let label = stage.name.as_deref().unwrap_or("?");
    let root = &stage.workdir;
    for copy in stage.copies.iter().filter(|copy| copy.from.is_none()) {
        keeps_layout(copy, root)?;
    }
    copies_every_workspace_manifest(tree, stage)?;
    let Some((words, workdir)) = stage.cargo_builds().pop() else {
        bail!("stage {label} runs no cargo build");
    };
    let Some(relative) = inside(root, &workdir) else {
        bail!("stage {label}: cargo build runs in {workdir}, outside {root}");
    };
    let mut command = cargo(&tree.join(relative));
    command.args(&words[1..]);
    if !words.iter().any(|word| word == "--offline") {
        command.arg("--offline");
    }
    println!("replaying `{}` in {}", words.join(" "), tree.display());
    let status = command
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .context("could not run cargo")?;
    if !status.success() {
        bail!("`{}` failed in the tree", words.join(" "));
    }
    let env = file.env(stage);
    let container_target = env
        .iter()
        .find(|(name, _)| name == "CARGO_TARGET_DIR")
        .map(|(_, dir)| join(&workdir, dir))
        .unwrap_or_else(|| join(&workdir, "target"));
    let real_target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| tree.join("target"));
    let mut copied = Vec::new();
    let from_here = file
        .stages
        .iter()
        .flat_map(|other| &other.copies)
        .filter(|copy| copy.from.as_deref() == stage.name.as_deref());
    for copy in from_here {
        for source in &copy.sources {
            let path = join(root, source);
            let real = match (inside(&container_target, &path), inside(root, &path)) {
                (Some(rest), _) => real_target.join(rest),
                (None, Some(rest)) => tree.join(rest),
                (None, None) => bail!("COPY --from={label} {source}: not built by the replay"),
            };
            if !real.exists() {
                bail!(
                    "COPY --from={label} {source}: {} does not exist after the build",
                    real.display()
                );
            }
            copied.push(source.rsplit('/').next().unwrap_or(source).to_owned());
        }
    }
    Ok(format!(
        "`{}` built {}",
        words.join(" "),
        if copied.is_empty() {
            "nothing copied out".to_owned()
        } else {
            copied.join(", ")
        }
    ))
}

/// A COPY from the context in the build stage puts each source where it is in the tree,
/// relative to the stage's working directory, as the replay assumes.
fn keeps_layout(copy: &Copy, root: &str) -> Result<()> {
    let destination = join(&copy.workdir, &copy.destination);
    for source in &copy.sources {
        let source = source.trim_start_matches("./").trim_end_matches('/');
        let name = source.rsplit('/').next().unwrap_or(source);
        let into_directory = copy.destination.ends_with('/') || copy.destination == ".";
        let lands = if into_directory {
            join(&destination, name)
        } else {
            destination.clone()
        };
        let expected = join(root, source);
        let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
        if !(same(&lands, &expected) || source.is_empty() || source == ".") {
            bail!(
                "COPY {source} {}: lands in {lands}, not {expected} where the tree has it",
                copy.destination
            );
        }
    }
    Ok(())
}

/// cargo reads every member of the workspace: a build stage that does not copy one of their
/// manifests fails in the engine, even where it succeeds on the whole tree.
fn copies_every_workspace_manifest(tree: &Path, stage: &Stage) -> Result<()> {
    let output = cargo(tree)
        .args([
            "metadata",
            "--offline",
            "--no-deps",
            "--format-version",
            "1",
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("could not run cargo metadata")?;
    let metadata: Value =
        serde_json::from_slice(&output.stdout).context("cargo metadata printed no JSON")?;
    let root = PathBuf::from(metadata["workspace_root"].as_str().unwrap_or_default());
    let copied: Vec<String> = stage
        .copies
        .iter()
        .filter(|copy| copy.from.is_none())
        .flat_map(|copy| &copy.sources)
        .map(|source| {
            source
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_owned()
        })
        .collect();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let manifest = Path::new(package["manifest_path"].as_str().unwrap_or_default());
        let Ok(relative) = manifest.strip_prefix(&root) else {
            continue;
        };
        let relative = relative.to_string_lossy().replace('\\', "/");
        let covered = copied.iter().any(|source| {
            source.is_empty()
                || source == "."
                || *source == relative
                || relative.starts_with(&format!("{source}/"))
        });
        if !covered {
            bail!(
                "the build stage copies no {relative}: cargo needs every workspace member's manifest"
            );
        }
    }
    Ok(())
}

/// `path` relative to `dir`, when it lies inside it.
fn inside<'a>(dir: &str, path: &'a str) -> Option<&'a str> {
    let dir = dir.trim_end_matches('/');
    if path == dir {
        return Some("");
    }
    path.strip_prefix(dir)?.strip_prefix('/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse;

    #[test]
    fn a_copy_into_the_tree_layout_is_kept_and_one_elsewhere_is_refused() {
        let file = parse("FROM x\nWORKDIR /src\nCOPY Cargo.toml Cargo.lock ./\nCOPY src src\nCOPY xtask/Cargo.toml xtask/\nCOPY src/main.rs /elsewhere/\n").unwrap();
        let copies = &file.stages[0].copies;
        for copy in &copies[..3] {
            keeps_layout(copy, "/src").unwrap();
        }
        assert!(keeps_layout(&copies[3], "/src").is_err());
    }

    #[test]
    fn inside_is_relative_to_a_directory_boundary() {
        assert_eq!(
            inside("/src/target", "/src/target/release/addsvc"),
            Some("release/addsvc")
        );
        assert_eq!(inside("/src/target", "/src/targets/x"), None);
    }
}
