//! The maintainers' round-trip: `branch` turns patches/ and solutions/ into git history
//! (one commit per step, one branch per solution on top of its step), `export` turns that
//! history, once edited, back into patch files.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::git::Git;
use crate::series::{self, SOLUTION_TRAILER, STEP_TRAILER};
use crate::walk::{self, Commits, Scratch};

pub const SERIES_BRANCH: &str = "workshop/series";
pub const SOLUTION_PREFIX: &str = "workshop/solution/";

pub fn branch(root: &Path, force: bool) -> Result<()> {
    let git = Git::new(root);
    let exists = git.succeeds(&["rev-parse", "--verify", "--quiet", SERIES_BRANCH])?;
    if exists && !force {
        bail!("{SERIES_BRANCH} exists already; export it first, or pass --force to replace it");
    }
    let scratch = Scratch::new(root, "branch")?;
    let commits = walk::walk(&scratch, |_, _| Ok(()))?;
    let last = commits
        .steps
        .last()
        .map_or(&commits.base, |(_, commit)| commit);
    git.run(&["branch", "--force", SERIES_BRANCH, last])?;
    for (name, commit) in &commits.solutions {
        git.run(&[
            "branch",
            "--force",
            &format!("{SOLUTION_PREFIX}{name}"),
            commit,
        ])?;
    }
    println!(
        "{SERIES_BRANCH}: {} step commits on top of HEAD; {} solution branch(es) under {SOLUTION_PREFIX}.",
        commits.steps.len(),
        commits.solutions.len()
    );
    println!(
        "Edit with `git switch {SERIES_BRANCH}` and `git rebase -i HEAD~N`, then `cargo workshop export`."
    );
    Ok(())
}

pub fn export(root: &Path) -> Result<()> {
    let git = Git::new(root);
    let commits = read_branches(&git)?;
    let files = walk::render(&git, &commits)?;

    fs::create_dir_all(root.join("patches"))?;
    fs::create_dir_all(root.join("solutions"))?;
    for old in fs::read_dir(root.join("patches"))? {
        let old = old?.path();
        if old
            .extension()
            .is_some_and(|extension| extension == "patch")
        {
            fs::remove_file(&old)?;
        }
    }
    for (path, text) in &files {
        fs::write(root.join(path), text)
            .with_context(|| format!("could not write {}", path.display()))?;
    }
    println!(
        "Wrote {} step patch(es) and {} solution(s). Review with `git diff -- patches solutions`, then run `cargo workshop verify`.",
        commits.steps.len(),
        commits.solutions.len()
    );
    Ok(())
}

/// The series branch: the commit it starts from and its step commits, in order.
fn read_series(git: &Git) -> Result<Commits> {
    let history = git.run(&["rev-list", "--reverse", "--first-parent", SERIES_BRANCH])?;
    let mut commits = Commits::default();
    for commit in history.lines() {
        let message = git.run(&["log", "-1", "--format=%B", commit])?;
        match series::parse_commit_message(&message, STEP_TRAILER) {
            Some((_, name)) => commits.steps.push((name.to_owned(), commit.to_owned())),
            None if commits.steps.is_empty() => commits.base = commit.to_owned(),
            None => {
                bail!("commit {commit} on {SERIES_BRANCH} has no `{STEP_TRAILER}NN-slug` trailer")
            }
        }
    }
    if commits.steps.is_empty() {
        bail!("{SERIES_BRANCH} has no step commits");
    }
    for (expected, (name, _)) in (1..).zip(&commits.steps) {
        if series::number_of(name) != Some(expected) {
            bail!("{SERIES_BRANCH}: step {name} stands where step {expected:02} belongs");
        }
    }
    Ok(commits)
}

/// The solution branches: (branch, tip commit).
fn solution_branches(git: &Git) -> Result<Vec<(String, String)>> {
    let refs = git.run(&[
        "for-each-ref",
        "--format=%(refname:short) %(objectname)",
        &format!("refs/heads/{SOLUTION_PREFIX}"),
    ])?;
    refs.lines()
        .map(|line| {
            let (branch, tip) = line
                .split_once(' ')
                .context("unexpected for-each-ref output")?;
            Ok((branch.to_owned(), tip.to_owned()))
        })
        .collect()
}

/// The commit a solution branch must sit on: its step's commit, or the base for step 00.
fn step_commit(commits: &Commits, step: u32) -> Option<&str> {
    match step {
        0 => Some(&commits.base),
        n => commits
            .steps
            .get(n as usize - 1)
            .map(|(_, commit)| commit.as_str()),
    }
}

/// Reads the step commits of the series branch and the solution branches' tips, checking
/// that every solution sits directly on the step it belongs to.
fn read_branches(git: &Git) -> Result<Commits> {
    let mut commits = read_series(git)?;
    for (branch, tip) in solution_branches(git)? {
        let name = branch.trim_start_matches(SOLUTION_PREFIX);
        let message = git.run(&["log", "-1", "--format=%B", &tip])?;
        if series::parse_commit_message(&message, SOLUTION_TRAILER).map(|(_, n)| n) != Some(name) {
            bail!("the tip of {branch} is not a `{SOLUTION_TRAILER}{name}` commit");
        }
        let step = series::number_of(name).context("solution branch not named NN-slug")?;
        let expected_parent = step_commit(&commits, step).with_context(|| {
            format!("{branch} belongs to step {step:02}, which the series lacks")
        })?;
        let parent = git.run(&["rev-parse", &format!("{tip}^")])?;
        if parent.trim() != expected_parent {
            bail!(
                "{branch} is not on top of step {step:02} of {SERIES_BRANCH} any more. Move it with:\n  \
                 git rebase --onto {expected_parent} {} {branch}",
                parent.trim()
            );
        }
        commits.solutions.push((name.to_owned(), tip));
    }
    Ok(commits)
}

/// Moves the series branch onto HEAD, and every solution branch onto its step in the moved
/// series: what a change to step 00 (or to the tool) on main needs before `export`.
/// Runs in a scratch worktree, so the attendee's or maintainer's files stay as they are.
pub fn rebase(root: &Path) -> Result<()> {
    let git = Git::new(root);
    let head = git.run(&["rev-parse", "HEAD"])?.trim().to_owned();
    let old_series = read_series(&git)?;

    // Where each solution sits now: its branch, its parent, and the step that parent is.
    let mut solutions = Vec::new();
    for (branch, tip) in solution_branches(&git)? {
        let parent = git
            .run(&["rev-parse", &format!("{tip}^")])?
            .trim()
            .to_owned();
        let message = git.run(&["log", "-1", "--format=%B", &parent])?;
        let step = series::parse_commit_message(&message, STEP_TRAILER)
            .and_then(|(_, name)| series::number_of(name))
            .unwrap_or(0);
        solutions.push((branch, parent, step));
    }

    let scratch = Scratch::new(root, "rebase")?;
    let rebase_onto = |onto: &str, upstream: &str, branch: &str| -> Result<()> {
        if let Err(error) = scratch
            .git
            .run(&["rebase", "--quiet", "--onto", onto, upstream, branch])
        {
            let _ = scratch.git.run(&["rebase", "--abort"]);
            bail!(
                "{error:#}\nThe rebase of {branch} stopped on a conflict and was undone. Do it by hand:\n  \
                 git switch {branch} && git rebase --onto {onto} {upstream}"
            );
        }
        Ok(())
    };
    rebase_onto(&head, &old_series.base, SERIES_BRANCH)?;
    let new_series = read_series(&git)?;
    for (branch, parent, step) in &solutions {
        let onto = step_commit(&new_series, *step).with_context(|| {
            format!("{branch} belongs to step {step:02}, which the series lacks")
        })?;
        rebase_onto(onto, parent, branch)?;
    }
    scratch.git.run(&["checkout", "--quiet", "--detach"])?;
    println!(
        "{SERIES_BRANCH} and {} solution branch(es) now sit on {}. Next: `cargo workshop export`.",
        solutions.len(),
        &head[..12]
    );
    Ok(())
}
