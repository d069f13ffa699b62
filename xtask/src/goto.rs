//! `cargo workshop goto NN`: catch up to the state after step NN without losing edits.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::git::Git;
use crate::position;
use crate::series::{self, Step};

pub fn run(root: &Path, target: u32) -> Result<()> {
    let steps = series::steps(root)?;
    if target as usize > steps.len() {
        bail!(
            "there is no step {target:02}; the series has steps 00 to {:02}",
            steps.len()
        );
    }
    let git = Git::new(root);
    refuse_unmerged(&git, "goto")?;
    let paths = series::workshop_paths(root)?;
    let path_args = paths.iter().map(String::as_str).collect::<Vec<_>>();
    save_edits(&git, target, &path_args)?;
    move_to(&git, &steps, target, &path_args)
}

/// Stops before anything changes when a merge left conflicts: git can neither stash nor
/// snapshot an unmerged file.
pub fn refuse_unmerged(git: &Git, command: &str) -> Result<()> {
    let conflicted = git.run(&["diff", "--name-only", "--diff-filter=U"])?;
    if !conflicted.trim().is_empty() {
        bail!(
            "these files have unresolved merge conflicts:\n{}\n\
             Resolve them (edit, then `git add`) or discard them, then run {command} again. Nothing was changed.",
            conflicted.trim_end()
        );
    }
    Ok(())
}

/// Puts `paths` of the working tree in the state after step `target`: the baseline, then
/// each patch up to it. Untracked files under `paths` must be gone already (saved), or a
/// patch that creates one would not apply.
pub fn move_to(git: &Git, steps: &[Step], target: u32, paths: &[&str]) -> Result<()> {
    let base = position::baseline(git)?;
    let mut restore = vec!["restore", "--source", &base, "--worktree", "--"];
    let known_paths = known_in(git, &base, paths)?;
    restore.extend(known_paths.iter().map(String::as_str));
    git.run(&restore)?;

    for step in steps.iter().take(target as usize) {
        git.apply(&step.path, false).with_context(|| {
            format!(
                "{} did not apply on the state after step {:02}",
                step.path.display(),
                step.number - 1
            )
        })?;
    }
    println!("Now at {}", series::step_subject(steps, target)?);
    println!("Build and try it: cargo run");
    Ok(())
}

/// Stashes uncommitted edits (staged, unstaged and new files) under the workshop's paths.
fn save_edits(git: &Git, target: u32, paths: &[&str]) -> Result<()> {
    let mut status = vec!["status", "--porcelain", "--untracked-files=all", "--"];
    status.extend(paths);
    if git.run(&status)?.trim().is_empty() {
        return Ok(());
    }
    let message = format!("workshop: edits saved before goto {target:02}");
    let mut stash = vec!["stash", "push", "--include-untracked", "-m", &message, "--"];
    // Only the paths with edits: git refuses a pathspec that matches nothing, such as a
    // directory a later step adds (`.github` before step 21).
    for path in paths {
        if !git
            .run(&["status", "--porcelain", "--untracked-files=all", "--", path])?
            .trim()
            .is_empty()
        {
            stash.push(path);
        }
    }
    git.run(&stash)
        .context("could not save your edits, so nothing was changed")?;
    let listed = known_in(git, "HEAD", paths)?.join(" ");
    println!("Your uncommitted edits are saved in stash@{{0}} (\"{message}\").");
    println!("  See them:      git stash show --include-untracked -p stash@{{0}}");
    println!(
        "  Get them back: git checkout HEAD -- {listed} && git clean -fdq -- {listed} && git stash pop"
    );
    Ok(())
}

/// The paths that exist in `base` or are tracked now: `git restore` rejects others.
fn known_in(git: &Git, base: &str, paths: &[&str]) -> Result<Vec<String>> {
    let mut known = Vec::new();
    for path in paths {
        let in_base = !git
            .run(&["ls-tree", "--name-only", base, "--", path])?
            .is_empty();
        let tracked = !git.run(&["ls-files", "--", path])?.is_empty();
        if in_base || tracked {
            known.push((*path).to_owned());
        }
    }
    Ok(known)
}
