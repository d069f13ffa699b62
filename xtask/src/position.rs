//! Where a working tree stands in the series: the step whose state it holds, or is nearest
//! to, and the edits on top of it. Git alone answers, in a second or two: each step's state
//! is replayed into a scratch index with `git apply --cached`, the working tree is
//! snapshotted into another, and the trees are compared by changed lines. Nothing is built
//! and neither the working tree nor the attendee's index is touched.

use std::path::Path;

use anyhow::{Result, bail};

use crate::git::{Git, ScratchIndex};
use crate::series;

pub struct Position {
    /// The top-level paths the series changes; the rest of the tree is not compared.
    pub paths: Vec<String>,
    /// The tree of the state after each step, step 00 (the baseline) first.
    pub step_trees: Vec<String>,
    /// The working tree's workshop paths, as a tree on top of the baseline.
    pub work_tree: String,
    pub place: Place,
}

pub enum Place {
    /// The state after step `number`, with `edits` on top (none: exactly that state).
    Step { number: u32, edits: Vec<Edit> },
    /// As near to each of these steps as to the others: which one is a guess.
    Unknown { nearest: Vec<u32>, lines: u64 },
}

pub struct Edit {
    /// modified, added or deleted.
    pub change: &'static str,
    pub path: String,
}

/// The commit src/ and friends start from: HEAD as of the last change to patches/. Commits
/// an attendee made on top of it are kept in history but not built upon.
pub fn baseline(git: &Git) -> Result<String> {
    let base = git.run(&["rev-list", "-1", "HEAD", "--", "patches"])?;
    let base = base.trim();
    if base.is_empty() {
        bail!("patches/ has never been committed here, so there is no baseline to start from");
    }
    Ok(base.to_owned())
}

/// Where the working tree of the repository at `root` stands.
pub fn locate(root: &Path) -> Result<Position> {
    let git = Git::new(root);
    let paths = series::workshop_paths(root)?;
    let step_trees = step_trees(&git, root)?;
    let work_tree = snapshot(&git, &step_trees[0], &paths)?;
    let mut distances = Vec::new();
    for tree in &step_trees {
        distances.push(changed_lines(&git, tree, &work_tree, &paths)?);
    }
    let nearest_lines = distances.iter().copied().min().unwrap_or_default();
    let nearest: Vec<u32> = (0..)
        .zip(&distances)
        .filter(|(_, lines)| **lines == nearest_lines)
        .map(|(number, _)| number)
        .collect();
    let place = match nearest[..] {
        [number] => Place::Step {
            number,
            edits: edits(&git, &step_trees[number as usize], &work_tree, &paths)?,
        },
        _ => Place::Unknown {
            nearest,
            lines: nearest_lines,
        },
    };
    Ok(Position {
        paths,
        step_trees,
        work_tree,
        place,
    })
}

/// The tree after each step, replayed from the baseline in a scratch index.
fn step_trees(git: &Git, root: &Path) -> Result<Vec<String>> {
    let index = ScratchIndex::new("steps");
    let scratch = git.with_index(&index);
    scratch.run(&["read-tree", &baseline(git)?])?;
    let mut trees = vec![write_tree(&scratch)?];
    for step in series::steps(root)? {
        let patch = step.path.to_string_lossy();
        scratch.run(&["apply", "--cached", "--whitespace=nowarn", &patch])?;
        trees.push(write_tree(&scratch)?);
    }
    Ok(trees)
}

/// The working tree's `paths` (untracked files included, ignored ones not) on top of `base`.
fn snapshot(git: &Git, base: &str, paths: &[String]) -> Result<String> {
    let index = ScratchIndex::new("work");
    let scratch = git.with_index(&index);
    scratch.run(&["read-tree", base])?;
    // `git add` refuses a path that is neither on disk nor in the index.
    let mut add = vec!["add", "--all", "--"];
    for path in paths {
        let in_base = !scratch.run(&["ls-files", "--", path])?.is_empty();
        if in_base || git.dir().join(path).exists() {
            add.push(path);
        }
    }
    scratch.run(&add)?;
    write_tree(&scratch)
}

fn write_tree(git: &Git) -> Result<String> {
    Ok(git.run(&["write-tree"])?.trim().to_owned())
}

/// Lines added plus lines removed from `from` to `to` under `paths`; a binary file counts one.
fn changed_lines(git: &Git, from: &str, to: &str, paths: &[String]) -> Result<u64> {
    let mut args = vec!["diff", "--numstat", "--no-renames", from, to, "--"];
    args.extend(paths.iter().map(String::as_str));
    Ok(numstat_lines(&git.run(&args)?))
}

/// The sum of the line counts of `git diff --numstat` output.
fn numstat_lines(numstat: &str) -> u64 {
    numstat
        .lines()
        .map(|line| {
            let mut counts = line.split('\t').take(2).map(|n| n.parse::<u64>().ok());
            match (counts.next().flatten(), counts.next().flatten()) {
                (Some(added), Some(removed)) => added + removed,
                _ => 1,
            }
        })
        .sum()
}

fn edits(git: &Git, from: &str, to: &str, paths: &[String]) -> Result<Vec<Edit>> {
    let mut args = vec!["diff", "--name-status", "--no-renames", from, to, "--"];
    args.extend(paths.iter().map(String::as_str));
    Ok(git
        .run(&args)?
        .lines()
        .filter_map(|line| {
            let (status, path) = line.split_once('\t')?;
            let change = match status {
                "A" => "added",
                "D" => "deleted",
                _ => "modified",
            };
            Some(Edit {
                change,
                path: path.to_owned(),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_add_up_and_a_binary_file_counts_one() {
        assert_eq!(numstat_lines("3\t1\tsrc/main.rs\n-\t-\tlogo.png\n"), 5);
        assert_eq!(numstat_lines(""), 0);
    }
}
