//! Our wrong solutions, `solutions/wrong/NN-slug-<what is wrong>.patch`: plausible attempts
//! at an exercise that build and pass the lints, kept so that verify can prove the
//! exercise's check rejects each one.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::series::Exercise;

pub struct WrongSolution {
    /// The exercise it gets wrong, e.g. `03-mult`; None when the file name starts with no
    /// exercise's name.
    pub exercise: Option<String>,
    /// What is wrong with it: the rest of the file name, e.g. `f32-arithmetic`.
    pub what: String,
    pub path: PathBuf,
}

impl WrongSolution {
    /// `solutions/wrong/<file name>`, as the repository shows it.
    pub fn display(&self) -> String {
        let name = self.path.file_name().unwrap_or_default().to_string_lossy();
        format!("solutions/wrong/{name}")
    }
}

/// The wrong solutions under `root`, sorted by file name, each matched to the exercise
/// whose name, then a dash, starts its file name (the longest, should two names start it).
pub fn wrong_solutions(root: &Path, exercises: &[Exercise]) -> Result<Vec<WrongSolution>> {
    let dir = root.join("solutions").join("wrong");
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut paths = Vec::new();
    for entry in fs::read_dir(&dir).with_context(|| format!("could not list {}", dir.display()))? {
        let path = entry?.path();
        if path
            .extension()
            .is_some_and(|extension| extension == "patch")
        {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths
        .into_iter()
        .map(|path| {
            let stem = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let names = exercises.iter().map(|exercise| exercise.name.as_str());
            match matching_exercise(&stem, names) {
                Some((exercise, what)) => WrongSolution {
                    exercise: Some(exercise.to_owned()),
                    what: what.to_owned(),
                    path,
                },
                None => WrongSolution {
                    exercise: None,
                    what: stem,
                    path,
                },
            }
        })
        .collect())
}

/// The exercise a wrong solution's file stem names, and what it says is wrong.
fn matching_exercise<'a>(
    stem: &str,
    names: impl Iterator<Item = &'a str>,
) -> Option<(&'a str, &str)> {
    names
        .filter_map(|name| {
            let what = stem.strip_prefix(name)?.strip_prefix('-')?;
            (!what.is_empty()).then_some((name, what))
        })
        .max_by_key(|(name, _)| name.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_starts_with_its_exercise() {
        let names = ["03-mult", "19-unit", "19-unit-tests"];
        assert_eq!(
            matching_exercise("03-mult-f32-arithmetic", names.into_iter()),
            Some(("03-mult", "f32-arithmetic"))
        );
        assert_eq!(
            matching_exercise("19-unit-tests-only-is-err", names.into_iter()),
            Some(("19-unit-tests", "only-is-err"))
        );
        assert_eq!(matching_exercise("03-mult", names.into_iter()), None);
        assert_eq!(matching_exercise("03-multiply-x", names.into_iter()), None);
        assert_eq!(matching_exercise("04-mult-x", names.into_iter()), None);
    }
}
