//! `cargo workshop status`: which step the working tree is at, the edits on top of it,
//! the exercise of that step and the command that comes next. Git only: no build.

use std::path::Path;

use anyhow::Result;

use crate::checks;
use crate::git::Git;
use crate::goto;
use crate::position::{self, Place};
use crate::progress::Progress;
use crate::series::{self, Exercise, Step};

/// Prints where the tree stands; false when it is at no step one can tell.
pub fn run(root: &Path) -> Result<bool> {
    goto::refuse_unmerged(&Git::new(root), "status")?;
    let steps = series::steps(root)?;
    let exercises = series::exercises(root)?;
    let position = position::locate(root)?;
    let (number, edits) = match &position.place {
        Place::Step { number, edits } => (number, edits),
        Place::Unknown { nearest, lines } => {
            println!("{}", cannot_tell(nearest, *lines));
            return Ok(false);
        }
    };
    println!("At {}", series::step_subject(&steps, *number)?);
    if edits.is_empty() {
        println!("No edits on top of it.");
    } else {
        println!("With your edits on top of it, in {} file(s):", edits.len());
        for edit in edits {
            println!("  {:<9} {}", edit.change, edit.path);
        }
    }
    print_guidance(&steps, &exercises, *number, !edits.is_empty());
    if let Some(summary) = Progress::load(root).summary() {
        println!("Your progress on this machine: {summary}.");
    }
    Ok(true)
}

/// Why a tree at no clear step is refused, and the way out.
pub fn cannot_tell(nearest: &[u32], lines: u64) -> String {
    let steps: Vec<String> = nearest.iter().map(|n| format!("{n:02}")).collect();
    format!(
        "The working tree is equally near to steps {} ({lines} changed lines from each), so \
         which step you are at cannot be told. Choose one and go there: \
         `cargo workshop goto NN` saves your edits in a stash first.",
        steps.join(", ")
    )
}

/// The exercise of step `number`, if any, and the command that comes next.
pub fn print_guidance(steps: &[Step], exercises: &[Exercise], number: u32, edited: bool) {
    for exercise in exercises.iter().filter(|exercise| exercise.step == number) {
        let name = &exercise.name;
        if checks::has_check(name) {
            println!(
                "Exercise of this step: exercises/{name}/README.md; check it: cargo workshop check {name}"
            );
        } else {
            println!(
                "Exercise of this step: exercises/{name}/README.md (a discussion: compare with solutions/{name}.md)"
            );
        }
    }
    // Step N+1 is steps[N]: the list starts at step 01.
    match steps.get(number as usize) {
        None => println!("This is the last step of the series: nothing comes next."),
        Some(next) if edited => {
            println!("Next: cargo workshop next");
            println!(
                "  It saves your edits as a commit on branch {}, then puts the tree at step {:02}.",
                series::work_branch(exercises, number),
                next.number
            );
            println!(
                "  (`git apply patches/{}.patch` would apply on top of your edits, and may refuse.)",
                next.name
            );
        }
        Some(next) => println!(
            "Next: git apply patches/{}.patch (or cargo workshop next, which first saves any edits you make)",
            next.name
        ),
    }
}
