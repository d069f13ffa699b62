//! Replays the series in a scratch git worktree: each step applied and committed in order,
//! each solution applied on top of its step, committed, then undone, and each of our wrong
//! solutions likewise. Verify, the series branch and the benchmark all walk the series this
//! way; they differ in what they do at each state.

mod wrong_solutions;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::git::Git;
use crate::series::{self, Exercise, SOLUTION_TRAILER, STEP_TRAILER};
pub use wrong_solutions::{WrongSolution, wrong_solutions};

/// A detached worktree of HEAD in the system's temp dir, removed when dropped.
pub struct Scratch {
    main: Git,
    pub git: Git,
}

impl Scratch {
    pub fn new(root: &Path, label: &str) -> Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("workshop-{label}-{}", std::process::id()));
        let main = Git::new(root);
        // A scratch left by an interrupted run is stale; reuse its path.
        let _ = main.run(&["worktree", "remove", "--force", &dir.to_string_lossy()]);
        let _ = std::fs::remove_dir_all(&dir);
        main.run(&["worktree", "prune"])?;
        main.run(&[
            "worktree",
            "add",
            "--quiet",
            "--detach",
            &dir.to_string_lossy(),
            "HEAD",
        ])
        .context("could not create the scratch worktree")?;
        Ok(Scratch {
            main,
            git: Git::new(dir),
        })
    }

    pub fn dir(&self) -> &Path {
        self.git.dir()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let dir = self.git.dir().to_string_lossy().into_owned();
        let _ = self.main.run(&["worktree", "remove", "--force", &dir]);
    }
}

/// A state of the series the walk has reached, committed in the scratch worktree.
pub enum State<'a> {
    Step {
        number: u32,
        name: &'a str,
    },
    Solution {
        exercise: &'a Exercise,
    },
    /// A wrong solution on its exercise's step, once `applied` says it applies; when it does
    /// not, the tree is the step's.
    WrongSolution {
        exercise: &'a Exercise,
        wrong: &'a WrongSolution,
        applied: Result<()>,
    },
}

/// Commits made by a walk, in the order of the series.
#[derive(Default)]
pub struct Commits {
    pub base: String,
    /// (patch name, commit)
    pub steps: Vec<(String, String)>,
    /// (exercise name, commit whose parent is its step's commit)
    pub solutions: Vec<(String, String)>,
}

/// Walks every step, solution and wrong solution, calling `visit` at each committed state.
/// The walk stops at the first step or solution that does not apply; a wrong solution that
/// does not apply is the visitor's to judge (it is not part of the series). `visit` errors
/// are the visitor's to keep.
pub fn walk(
    scratch: &Scratch,
    mut visit: impl FnMut(&Git, State) -> Result<()>,
) -> Result<Commits> {
    let root = scratch.dir().to_path_buf();
    let git = &scratch.git;
    let steps = series::steps(&root)?;
    let exercises = series::exercises(&root)?;
    let wrong_solutions = wrong_solutions(&root, &exercises)?;
    let mut commits = Commits {
        base: git.run(&["rev-parse", "HEAD"])?.trim().to_owned(),
        ..Commits::default()
    };
    for number in 0..=steps.len() as u32 {
        let name = if number == 0 {
            "00-baseline".to_owned()
        } else {
            let step = &steps[number as usize - 1];
            apply_and_commit(git, &step.path, STEP_TRAILER, &step.name)
                .map(|commit| commits.steps.push((step.name.clone(), commit)))?;
            step.name.clone()
        };
        let step_commit = git.run(&["rev-parse", "HEAD"])?.trim().to_owned();
        let visited = visit(
            git,
            State::Step {
                number,
                name: &name,
            },
        );
        // Tests may write files (a generated pact, say); the next step starts from the commit.
        reset(git, &step_commit)?;
        visited?;

        for exercise in exercises.iter().filter(|exercise| exercise.step == number) {
            if let Some(solution) = &exercise.solution_patch {
                let commit = apply_and_commit(git, solution, SOLUTION_TRAILER, &exercise.name)?;
                commits.solutions.push((exercise.name.clone(), commit));
                let visited = visit(git, State::Solution { exercise });
                reset(git, &step_commit)?;
                visited?;
            }
            let wrong_ones = wrong_solutions
                .iter()
                .filter(|wrong| wrong.exercise.as_deref() == Some(exercise.name.as_str()));
            for wrong in wrong_ones {
                let applied = apply_wrong_solution(git, wrong);
                let visited = visit(
                    git,
                    State::WrongSolution {
                        exercise,
                        wrong,
                        applied,
                    },
                );
                reset(git, &step_commit)?;
                visited?;
            }
        }
    }
    Ok(commits)
}

/// Applies a wrong solution and commits it with its header as the message; its commit
/// belongs to no branch and no export.
fn apply_wrong_solution(git: &Git, wrong: &WrongSolution) -> Result<()> {
    let text = series::read(&wrong.path)?;
    git.apply(&wrong.path, false)
        .with_context(|| format!("{} does not apply", wrong.display()))?;
    git.commit_all(series::header(&text)).map(drop)
}

fn reset(git: &Git, commit: &str) -> Result<()> {
    git.run(&["reset", "--quiet", "--hard", commit])?;
    git.run(&["clean", "--quiet", "-fd"]).map(drop)
}

fn apply_and_commit(git: &Git, patch: &Path, trailer: &str, name: &str) -> Result<String> {
    let text = series::read(patch)?;
    git.apply(patch, false)
        .with_context(|| format!("{} does not apply", display_name(patch)))?;
    git.commit_all(&series::commit_message(
        series::header(&text),
        trailer,
        name,
    ))
}

fn display_name(path: &Path) -> String {
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .map(PathBuf::from)
        .unwrap_or_default();
    parent
        .join(path.file_name().unwrap_or_default())
        .display()
        .to_string()
}

/// The patch files a set of commits stands for: (path relative to the repo, contents).
pub fn render(git: &Git, commits: &Commits) -> Result<Vec<(PathBuf, String)>> {
    let mut files = Vec::new();
    for (name, commit) in &commits.steps {
        files.push((
            Path::new("patches").join(format!("{name}.patch")),
            render_commit(git, commit, STEP_TRAILER)?,
        ));
    }
    for (name, commit) in &commits.solutions {
        files.push((
            Path::new("solutions").join(format!("{name}.patch")),
            render_commit(git, commit, SOLUTION_TRAILER)?,
        ));
    }
    Ok(files)
}

fn render_commit(git: &Git, commit: &str, trailer: &str) -> Result<String> {
    let message = git.run(&["log", "-1", "--format=%B", commit])?;
    let (header, _) = series::parse_commit_message(&message, trailer)
        .with_context(|| format!("commit {commit} has no `{trailer}…` trailer"))?;
    let diff = git.series_diff(&format!("{commit}^"), commit)?;
    Ok(series::render_patch(header, &diff))
}
