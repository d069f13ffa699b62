//! What the attendee has done, kept across restarts: the exercises their checks found
//! solved, how many of each exercise's hints they have seen, and how many checks failed.
//! It lives in the repository's git directory: never committed, and untouched by `goto`,
//! `next` or a `git clean`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::git::Git;

const FILE: &str = "workshop-progress.json";

#[derive(Debug, Default, PartialEq)]
pub struct Progress {
    /// Exercise name → (solved, hints seen, failed checks).
    exercises: BTreeMap<String, Record>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Record {
    solved: bool,
    hints_seen: usize,
    failed_checks: usize,
}

impl Progress {
    /// The progress kept for the repository at `root`; empty when none was kept yet.
    pub fn load(root: &Path) -> Progress {
        path(root)
            .ok()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .map(|value| Progress::from_json(&value))
            .unwrap_or_default()
    }

    pub fn save(&self, root: &Path) -> Result<()> {
        let path = path(root)?;
        std::fs::write(&path, serde_json::to_string_pretty(&self.to_json())?)
            .with_context(|| format!("could not write {}", path.display()))
    }

    pub fn solved(&self, exercise: &str) -> bool {
        self.record(exercise).solved
    }

    pub fn hints_seen(&self, exercise: &str) -> usize {
        self.record(exercise).hints_seen
    }

    pub fn failed_checks(&self, exercise: &str) -> usize {
        self.record(exercise).failed_checks
    }

    /// Records a check's verdict; returns how many checks of the exercise failed so far.
    pub fn checked(&mut self, exercise: &str, passed: bool) -> usize {
        let record = self.exercises.entry(exercise.to_owned()).or_default();
        if passed {
            record.solved = true;
        } else {
            record.failed_checks += 1;
        }
        record.failed_checks
    }

    pub fn saw_hints(&mut self, exercise: &str, seen: usize) {
        let record = self.exercises.entry(exercise.to_owned()).or_default();
        record.hints_seen = record.hints_seen.max(seen);
    }

    /// "solved: 03-mult, 05-uppercase; hints seen: 07-inflight-or-duration 2", or None.
    pub fn summary(&self) -> Option<String> {
        let solved: Vec<&str> = (self.exercises.iter())
            .filter(|(_, record)| record.solved)
            .map(|(name, _)| name.as_str())
            .collect();
        let hinted: Vec<String> = (self.exercises.iter())
            .filter(|(_, record)| record.hints_seen > 0)
            .map(|(name, record)| format!("{name} {}", record.hints_seen))
            .collect();
        let mut parts = Vec::new();
        if !solved.is_empty() {
            parts.push(format!("solved: {}", solved.join(", ")));
        }
        if !hinted.is_empty() {
            parts.push(format!("hints seen: {}", hinted.join(", ")));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    fn record(&self, exercise: &str) -> Record {
        self.exercises.get(exercise).copied().unwrap_or_default()
    }

    fn from_json(value: &Value) -> Progress {
        let exercises = (value["exercises"].as_object().into_iter().flatten())
            .map(|(name, record)| {
                let count = |key: &str| record[key].as_u64().unwrap_or(0) as usize;
                let record = Record {
                    solved: record["solved"].as_bool().unwrap_or(false),
                    hints_seen: count("hints_seen"),
                    failed_checks: count("failed_checks"),
                };
                (name.clone(), record)
            })
            .collect();
        Progress { exercises }
    }

    fn to_json(&self) -> Value {
        let exercises: serde_json::Map<String, Value> = (self.exercises.iter())
            .map(|(name, record)| {
                let record = json!({
                    "solved": record.solved,
                    "hints_seen": record.hints_seen,
                    "failed_checks": record.failed_checks,
                });
                (name.clone(), record)
            })
            .collect();
        json!({ "exercises": exercises })
    }
}

/// The file in the git directory of the checkout at `root` (a worktree has its own).
fn path(root: &Path) -> Result<PathBuf> {
    let git_dir = Git::new(root).run(&["rev-parse", "--git-dir"])?;
    Ok(root.join(git_dir.trim()).join(FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_survives_a_round_trip_through_its_file_format() {
        let mut progress = Progress::default();
        assert_eq!(progress.checked("03-mult", false), 1);
        assert_eq!(progress.checked("03-mult", false), 2);
        progress.checked("03-mult", true);
        progress.saw_hints("07-inflight-or-duration", 2);
        progress.saw_hints("07-inflight-or-duration", 1);
        let again = Progress::from_json(&progress.to_json());
        assert_eq!(again, progress);
        assert!(again.solved("03-mult"));
        assert!(!again.solved("07-inflight-or-duration"));
        assert_eq!(again.hints_seen("07-inflight-or-duration"), 2);
        assert_eq!(
            again.summary().as_deref(),
            Some("solved: 03-mult; hints seen: 07-inflight-or-duration 2")
        );
        assert_eq!(Progress::default().summary(), None);
    }
}
