//! The workshop's files on disk: the numbered steps in `patches/`, the exercises in
//! `exercises/` and their solutions in `solutions/`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Trailer naming a step's patch file in the commit message of a series branch.
pub const STEP_TRAILER: &str = "Patch: ";
/// Trailer naming a solution's patch file in the commit message of a solution branch.
pub const SOLUTION_TRAILER: &str = "Solution: ";

pub struct Step {
    pub number: u32,
    /// File stem, e.g. `04-endpoints`.
    pub name: String,
    pub path: PathBuf,
}

pub struct Exercise {
    /// After which step it is attempted.
    pub step: u32,
    /// Directory name, e.g. `03-mult`.
    pub name: String,
    /// `solutions/NN-slug.patch`, when the solution is code.
    pub solution_patch: Option<PathBuf>,
}

/// The leading two-digit number of `NN-slug`.
pub fn number_of(name: &str) -> Option<u32> {
    let (digits, rest) = name.split_at_checked(2)?;
    if !rest.starts_with('-') || rest.len() < 2 {
        return None;
    }
    digits.parse().ok()
}

pub fn steps(root: &Path) -> Result<Vec<Step>> {
    let mut steps = Vec::new();
    for entry in read_dir_sorted(&root.join("patches"))? {
        let Some(name) = entry
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_suffix(".patch"))
        else {
            continue;
        };
        let number = number_of(name)
            .with_context(|| format!("{} is not named NN-slug.patch", entry.display()))?;
        steps.push(Step {
            number,
            name: name.to_owned(),
            path: entry,
        });
    }
    for (expected, step) in (1..).zip(&steps) {
        if step.number != expected {
            bail!(
                "patches/ must be numbered 01, 02, … without gaps or repeats; found {} where {expected:02} belongs",
                step.name
            );
        }
    }
    Ok(steps)
}

pub fn exercises(root: &Path) -> Result<Vec<Exercise>> {
    let mut exercises = Vec::new();
    for dir in read_dir_sorted(&root.join("exercises"))? {
        if !dir.is_dir() {
            continue;
        }
        let name = dir
            .file_name()
            .and_then(|name| name.to_str())
            .context("exercise directory name is not UTF-8")?
            .to_owned();
        let step =
            number_of(&name).with_context(|| format!("{} is not named NN-slug", dir.display()))?;
        let patch = root.join("solutions").join(format!("{name}.patch"));
        exercises.push(Exercise {
            step,
            name,
            solution_patch: patch.is_file().then_some(patch),
        });
    }
    Ok(exercises)
}

pub fn exercise(root: &Path, name: &str) -> Result<Exercise> {
    let all = exercises(root)?;
    let known = all
        .iter()
        .map(|exercise| exercise.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    all.into_iter()
        .find(|exercise| exercise.name == name)
        .with_context(|| format!("no exercise named {name}; the exercises are: {known}"))
}

/// Top-level files and directories that the steps and solutions change: what `goto` resets.
/// `src` and `tests` always belong, even before a patch touches them.
pub fn workshop_paths(root: &Path) -> Result<Vec<String>> {
    let mut paths = BTreeSet::from(["src".to_owned(), "tests".to_owned()]);
    let solutions = read_dir_sorted(&root.join("solutions"))?;
    let patches = steps(root)?.into_iter().map(|step| step.path);
    for file in patches.chain(solutions.into_iter().filter(|p| has_extension(p, "patch"))) {
        let text = read(&file)?;
        for line in text.lines() {
            if let Some(path) = line
                .strip_prefix("diff --git a/")
                .and_then(|rest| rest.split_once(" b/"))
                .map(|(path, _)| path)
            {
                let top = path.split('/').next().unwrap_or(path);
                paths.insert(top.to_owned());
            }
        }
    }
    Ok(paths.into_iter().collect())
}

/// The prose before the first `diff --git` line: subject and message of a patch.
pub fn header(patch_text: &str) -> &str {
    let end = patch_text
        .find("\ndiff --git ")
        .map(|index| index + 1)
        .unwrap_or(patch_text.len());
    patch_text[..end].trim_end()
}

/// The subject of the state after step `number`, e.g. "Step 04: endpoints …".
pub fn step_subject(steps: &[Step], number: u32) -> Result<String> {
    match number
        .checked_sub(1)
        .and_then(|index| steps.get(index as usize))
    {
        Some(step) => Ok(subject(&read(&step.path)?).to_owned()),
        None => Ok("Step 00: the minimal addsvc".to_owned()),
    }
}

/// The first line of a patch's header.
pub fn subject(patch_text: &str) -> &str {
    header(patch_text).lines().next().unwrap_or_default()
}

/// Writes the text of a patch file: its header, a blank line, then the diff.
pub fn render_patch(header: &str, diff: &str) -> String {
    format!("{}\n\n{diff}", header.trim_end())
}

/// A commit message carrying a patch header plus the trailer that names its file.
pub fn commit_message(header: &str, trailer: &str, name: &str) -> String {
    format!("{}\n\n{trailer}{name}\n", header.trim_end())
}

/// Splits a commit message made by `commit_message` back into (header, name).
pub fn parse_commit_message<'a>(message: &'a str, trailer: &str) -> Option<(&'a str, &'a str)> {
    let message = message.trim_end();
    let (header, last) = message.rsplit_once('\n')?;
    Some((header.trim_end(), last.strip_prefix(trailer)?))
}

pub fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))
}

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension().is_some_and(|found| found == extension)
}

/// Entries of a directory sorted by name; an absent directory is empty.
fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut entries = fs::read_dir(dir)
        .with_context(|| format!("could not list {}", dir.display()))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<Vec<_>, _>>()?;
    entries.sort();
    Ok(entries)
}

/// `work/NN-slug` after the step's one exercise, else `work/step-NN`.
pub fn work_branch(exercises: &[Exercise], step: u32) -> String {
    let of_step: Vec<&Exercise> = exercises
        .iter()
        .filter(|exercise| exercise.step == step)
        .collect();
    match of_step[..] {
        [only] => format!("work/{}", only.name),
        _ => format!("work/step-{step:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_come_from_the_two_leading_digits() {
        assert_eq!(number_of("04-endpoints"), Some(4));
        assert_eq!(number_of("4-endpoints"), None);
        assert_eq!(number_of("04"), None);
        assert_eq!(number_of("04-"), None);
    }

    #[test]
    fn header_is_the_prose_before_the_first_diff() {
        let patch = "Step 01: x\n\nwhy\n\ndiff --git a/f b/f\n--- a/f\n";
        assert_eq!(header(patch), "Step 01: x\n\nwhy");
        assert_eq!(subject(patch), "Step 01: x");
        assert_eq!(
            render_patch(header(patch), "diff --git a/f b/f\n--- a/f\n"),
            patch
        );
    }

    #[test]
    fn commit_messages_round_trip() {
        let message = commit_message("Step 01: x\n\n# not a comment\n", STEP_TRAILER, "01-x");
        assert_eq!(
            parse_commit_message(&message, STEP_TRAILER),
            Some(("Step 01: x\n\n# not a comment", "01-x"))
        );
        assert_eq!(parse_commit_message(&message, SOLUTION_TRAILER), None);
    }

    fn exercise(step: u32, name: &str) -> Exercise {
        Exercise {
            step,
            name: name.to_owned(),
            solution_patch: None,
        }
    }

    #[test]
    fn work_is_saved_under_the_exercise_when_the_step_has_one() {
        let exercises = [
            exercise(3, "03-mult"),
            exercise(19, "19-new-contract"),
            exercise(19, "19-unit-tests"),
        ];
        assert_eq!(work_branch(&exercises, 3), "work/03-mult");
        assert_eq!(work_branch(&exercises, 4), "work/step-04");
        assert_eq!(work_branch(&exercises, 19), "work/step-19");
    }
}
