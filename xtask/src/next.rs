//! `cargo workshop next`: move on to the next step whatever the attendee did to this one.
//! After an exercise, `git apply` of the next patch often refuses: the patch expects the
//! files as the series left them. `next` saves the edits, then puts the tree at the next
//! step the way `goto` does.
//!
//! The edits are saved as a commit on a branch named after the exercise (`work/03-mult`;
//! `work/step-NN` for a step without exactly one exercise), not in a stash: a stash is known
//! by its place in a stack that shifts with every goto, and one `git stash pop` away from
//! conflicts; a branch keeps its name and `git show work/03-mult` shows exactly the edits,
//! because the commit's parent is the step as the series left it. The commits are built
//! with `git commit-tree` from trees made in scratch indexes, so the current branch, HEAD,
//! the attendee's index and their stashes stay as they were.

use std::path::Path;

use anyhow::{Result, bail};

use crate::git::Git;
use crate::goto;
use crate::position::{self, Place, Position};
use crate::series;
use crate::status;

pub fn run(root: &Path) -> Result<()> {
    let git = Git::new(root);
    goto::refuse_unmerged(&git, "next")?;
    let steps = series::steps(root)?;
    let exercises = series::exercises(root)?;
    let position = position::locate(root)?;
    let (number, edits) = match &position.place {
        Place::Step { number, edits } => (*number, edits),
        Place::Unknown { nearest, lines } => {
            bail!(
                "{} Nothing was changed.",
                status::cannot_tell(nearest, *lines)
            )
        }
    };
    if number as usize == steps.len() {
        println!(
            "At step {number:02}, the last step of the series: there is no next one. Nothing was changed."
        );
        return Ok(());
    }
    let paths: Vec<&str> = position.paths.iter().map(String::as_str).collect();
    let saved = if edits.is_empty() {
        println!("No edits on top of step {number:02}: nothing to save.");
        None
    } else {
        let branch = series::work_branch(&exercises, number);
        save_on_branch(&git, &position, number, &branch)?;
        println!(
            "Your edits on top of step {number:02} ({} file(s)) are saved as a commit on branch {branch}.",
            edits.len()
        );
        println!(
            "  A branch rather than a stash: it keeps its name, and its last commit holds exactly your edits."
        );
        println!("  Your current branch, HEAD and stashes are as they were.");
        clear_saved_edits(&git, &paths)?;
        Some(branch)
    };

    goto::move_to(&git, &steps, number + 1, &paths)?;
    if let Some(branch) = saved {
        println!("See your saved work: git show {branch}");
        println!(
            "Bring it back later: cargo workshop goto {number:02}, then git diff {branch}~1 {branch} | git apply"
        );
    }
    status::print_guidance(&steps, &exercises, number + 1, false);
    Ok(())
}

/// Two commits on `branch`: the step as the series leaves it, then the working tree on
/// top. A branch that exists already keeps its history under them.
fn save_on_branch(git: &Git, position: &Position, step: u32, branch: &str) -> Result<()> {
    let reference = format!("refs/heads/{branch}");
    let old_tip = git
        .run(&["rev-parse", "--verify", "--quiet", &reference])
        .ok()
        .map(|tip| tip.trim().to_owned());
    let parent = match &old_tip {
        Some(tip) => tip.clone(),
        None => git.run(&["rev-parse", "HEAD"])?.trim().to_owned(),
    };
    let step_commit = git.commit_tree(
        &position.step_trees[step as usize],
        &parent,
        &format!("Step {step:02} as the series leaves it\n\nThe parent of your saved work, so that `git show {branch}` shows only your edits."),
    )?;
    let work_commit = git.commit_tree(
        &position.work_tree,
        &step_commit,
        &format!("Your edits on top of step {step:02}\n\nSaved by `cargo workshop next` before it moved to step {:02}.", step + 1),
    )?;
    // The old tip guards against a concurrent change of the branch.
    let expected_old = old_tip.unwrap_or_default();
    git.run(&[
        "update-ref",
        "-m",
        "cargo workshop next",
        &reference,
        &work_commit,
        &expected_old,
    ])?;
    Ok(())
}

/// Once saved, the edits leave the working tree: staged changes are unstaged and files the
/// attendee added are removed, so that every patch up to the next step applies.
fn clear_saved_edits(git: &Git, paths: &[&str]) -> Result<()> {
    let mut staged = vec!["diff", "--cached", "--name-only", "--"];
    staged.extend(paths);
    if !git.run(&staged)?.trim().is_empty() {
        let mut unstage = vec!["reset", "--quiet", "--"];
        unstage.extend(paths);
        git.run(&unstage)?;
    }
    let mut clean = vec!["clean", "--quiet", "-fd", "--"];
    clean.extend(paths);
    git.run(&clean).map(drop)
}
