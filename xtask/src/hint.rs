//! `cargo workshop hint NN-slug`: the exercise's hints from its README, one more each time
//! it is asked, so that a stuck attendee takes only as much help as they need.

use std::path::Path;

use anyhow::{Result, bail};

use crate::progress::Progress;
use crate::series;

pub fn run(root: &Path, exercise: &str) -> Result<bool> {
    let exercise = series::exercise(root, exercise)?;
    let name = exercise.name.as_str();
    let readme = series::read(&root.join("exercises").join(name).join("README.md"))?;
    let hints = hints(&readme);
    if hints.is_empty() {
        bail!("exercises/{name}/README.md has no numbered hints");
    }
    let mut progress = Progress::load(root);
    let shown = (progress.hints_seen(name) + 1).min(hints.len());
    println!("Hint {shown} of {} for {name}:\n", hints.len());
    println!("{}", hints[shown - 1]);
    if shown < hints.len() {
        println!("\nThe next one: `cargo workshop hint {name}` again.");
    } else {
        println!(
            "\nThat was the last hint. Our solution: `cargo workshop solution {name}` (after \
             your check passes, or with --anyway)."
        );
    }
    progress.saw_hints(name, shown);
    progress.save(root)?;
    Ok(true)
}

/// The numbered items of the README's "## Hints" section, each with its continuation lines.
pub fn hints(readme: &str) -> Vec<String> {
    let section = readme
        .split("\n## ")
        .find(|section| section.starts_with("Hints"))
        .unwrap_or_default();
    let mut hints: Vec<String> = Vec::new();
    for line in section.lines().skip(1) {
        let numbered = line
            .split_once(". ")
            .filter(|(number, _)| !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()));
        match (numbered, hints.last_mut()) {
            (Some((_, text)), _) => hints.push(text.to_owned()),
            (None, Some(hint)) if !line.trim().is_empty() => {
                hint.push('\n');
                hint.push_str(line.trim());
            }
            _ => {}
        }
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_are_the_numbered_items_of_their_section() {
        let readme = "# Exercise\n\n## Goal\n\n1. not a hint\n\n## Hints\n\n1. First,\n   \
                      on two lines.\n2. Second.\n\n## Check\n\n1. not a hint either\n";
        assert_eq!(hints(readme), ["First,\non two lines.", "Second."]);
    }

    #[test]
    fn every_exercise_of_the_repository_has_hints() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        for exercise in series::exercises(root).unwrap() {
            let readme = root
                .join("exercises")
                .join(&exercise.name)
                .join("README.md");
            let text = std::fs::read_to_string(&readme).unwrap();
            assert!(!hints(&text).is_empty(), "{}", readme.display());
        }
    }
}
