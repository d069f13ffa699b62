//! `cargo workshop solution NN-slug`: our solution, to compare with yours once your check
//! has passed on this machine (or at once with --anyway: reading it first spoils the
//! exercise, so it takes a second word).

use std::path::Path;

use anyhow::Result;

use crate::progress::Progress;
use crate::series;

pub fn run(root: &Path, exercise: &str, anyway: bool) -> Result<bool> {
    let exercise = series::exercise(root, exercise)?;
    let name = exercise.name.as_str();
    if !anyway && !Progress::load(root).solved(name) {
        println!(
            "{name} is not solved on this machine yet: `cargo workshop check {name}` first, \
             `cargo workshop hint {name}` for a hint, or `cargo workshop solution {name} \
             --anyway` to read ours now."
        );
        return Ok(false);
    }
    let file = match &exercise.solution_patch {
        Some(patch) => patch.clone(),
        None => root.join("solutions").join(format!("{name}.md")),
    };
    println!("{}", series::read(&file)?.trim_end());
    if exercise.solution_patch.is_some() {
        println!(
            "\nYours is `git diff` (and `git status` for new files). Ours applies on the step \
             with `git apply {}`; `cargo workshop next` keeps yours on a branch first.",
            file.strip_prefix(root).unwrap_or(&file).display()
        );
    }
    Ok(true)
}
