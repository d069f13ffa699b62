//! The CI workflow of an attendee's copy (`.github/workflows/ci.yml`, from step 21): read
//! it and replay its `run:` steps here (`crate::lint` lints it). `cargo workshop ci` is
//! the replay on the attendee's tree; the check of exercise 21 and verify use the same
//! pieces.

mod parse;
mod replay;

use std::path::Path;

use anyhow::Result;

pub use replay::{Outcome, Replay, StepRun};

/// Where the workflow lives in a tree, from step 21 on.
pub const WORKFLOW_FILE: &str = ".github/workflows/ci.yml";

/// Whether the tree at `dir` has the workflow.
pub fn has_workflow(dir: &Path) -> bool {
    dir.join(WORKFLOW_FILE).is_file()
}

/// Replays the workflow of the tree at `dir` in that tree, printing as it goes.
pub fn replay_in(dir: &Path) -> Result<Replay> {
    let workflow = parse::read(&dir.join(WORKFLOW_FILE))?;
    println!(
        "Replaying the run: steps of {WORKFLOW_FILE} in {}",
        dir.display()
    );
    replay::replay(dir, &workflow)
}

/// `cargo workshop ci`: the replay on the attendee's tree; true when it passed.
pub fn run(root: &Path) -> Result<bool> {
    if !has_workflow(root) {
        anyhow::bail!("this tree has no {WORKFLOW_FILE}; it comes with step 21");
    }
    let replay = replay_in(root)?;
    println!("{}", replay.summary());
    Ok(replay.passed())
}
