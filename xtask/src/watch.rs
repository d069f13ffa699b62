//! `cargo workshop watch NN-slug`: the exercise's check again each time a file of the tree
//! is saved, as rustlings' watch mode does. The screen shows what is met and the first thing
//! that is not; after the second failing run, the next hint is offered; once it passes, what
//! comes next. Files are compared by their modification times every half second rather than
//! by file events, which do not arrive on every file system (WSL's /mnt drives, some network
//! mounts); Enter runs the check by hand, `q` and Enter stops.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};

use crate::git::Git;
use crate::progress::Progress;
use crate::series;

const POLL: Duration = Duration::from_millis(500);
/// How long the tree must hold still after a change before the check runs.
const SETTLE: Duration = Duration::from_millis(300);

enum Key {
    Run,
    Quit,
}

pub fn run(root: &Path, exercise: &str) -> Result<bool> {
    let name = series::exercise(root, exercise)?.name;
    let keys = keys();
    let mut seen = snapshot(root)?;
    loop {
        let passed = check_once(root, &name)?;
        println!(
            "\nWatching the tree: a saved file runs the check again; Enter runs it now; q and \
             Enter stops."
        );
        if passed {
            println!(
                "Solved. `cargo workshop solution {name}` shows ours to compare; `cargo \
                 workshop next` keeps yours on a branch and moves to the next step."
            );
        }
        loop {
            match keys.recv_timeout(POLL) {
                Ok(Key::Quit) => return Ok(passed),
                Ok(Key::Run) => break,
                Err(RecvTimeoutError::Timeout) => {}
                // No more input (stdin closed): keep watching the files alone.
                Err(RecvTimeoutError::Disconnected) => thread::sleep(POLL),
            }
            let mut now = snapshot(root)?;
            if now != seen {
                // Debounced: an editor or `git apply` may write several files; wait until
                // the tree holds still.
                loop {
                    thread::sleep(SETTLE);
                    let later = snapshot(root)?;
                    if later == now {
                        break;
                    }
                    now = later;
                }
                seen = now;
                break;
            }
        }
    }
}

/// Clears the screen, runs `cargo workshop check`, and shows its verdict: each expectation
/// met, the first one not met, and a hint after the second failing run.
fn check_once(root: &Path, name: &str) -> Result<bool> {
    print!("\x1b[2J\x1b[H");
    println!("cargo workshop check {name}\n");
    let tool = std::env::current_exe().context("the tool's own path")?;
    let output = Command::new(tool)
        .args(["check", name])
        // How the tool finds the repository (cargo sets it for `cargo workshop`).
        .env("CARGO_MANIFEST_DIR", root.join("xtask"))
        .current_dir(root)
        .stdin(Stdio::null())
        .output()
        .context("could not run the check")?;
    let text = String::from_utf8_lossy(&output.stdout);
    let (shown, unmet) = verdict_lines(&text);
    for line in &shown {
        println!("{line}");
    }
    if shown.is_empty() {
        // The check stopped before judging (the tree does not build, say): show its end.
        let errors = String::from_utf8_lossy(&output.stderr);
        let all: Vec<&str> = text.lines().chain(errors.lines()).collect();
        for line in &all[all.len().saturating_sub(20)..] {
            println!("{line}");
        }
    }
    let passed = output.status.success();
    if !passed && unmet > 1 {
        println!("… and {} more not met.", unmet - 1);
    }
    let failed_runs = Progress::load(root).failed_checks(name);
    if !passed && failed_runs >= 2 {
        println!("\nStuck? `cargo workshop hint {name}` shows the next hint.");
    }
    Ok(passed)
}

/// The expectations met, then the first one not met, and how many were not met.
fn verdict_lines(report: &str) -> (Vec<String>, usize) {
    let mut shown = Vec::new();
    let mut unmet = 0;
    for line in report.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("ok ") {
            shown.push(line.to_owned());
        } else if trimmed.starts_with("FAIL ") {
            unmet += 1;
            if unmet == 1 {
                shown.push(line.to_owned());
            }
        } else if trimmed.contains(": solved.") {
            shown.push(line.to_owned());
        }
    }
    (shown, unmet)
}

/// Each file of the tree (tracked, or new and not ignored) with its modification time.
fn snapshot(root: &Path) -> Result<BTreeMap<PathBuf, Option<SystemTime>>> {
    let listed = Git::new(root).run(&["ls-files", "--cached", "--others", "--exclude-standard"])?;
    Ok(listed
        .lines()
        .map(|file| {
            let path = root.join(file);
            let modified = std::fs::metadata(&path)
                .and_then(|meta| meta.modified())
                .ok();
            (path, modified)
        })
        .collect())
}

/// Enter and `q` from the terminal, read on a thread of their own.
fn keys() -> mpsc::Receiver<Key> {
    let (send, receive) = mpsc::channel();
    thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            let key = if line.trim() == "q" {
                Key::Quit
            } else {
                Key::Run
            };
            if send.send(key).is_err() {
                return;
            }
        }
    });
    receive
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_shows_what_is_met_and_the_first_thing_not_met() {
        let report = "Checking 03-mult in /x\n  ok    POST /sum answers 3\n  FAIL  POST /mult \
                      answers 6\n    detail\n  FAIL  POST /mult refuses NaN\n03-mult: not solved \
                      yet (2 expectation(s) unmet).\n";
        let (shown, unmet) = verdict_lines(report);
        assert_eq!(
            shown,
            [
                "  ok    POST /sum answers 3",
                "  FAIL  POST /mult answers 6"
            ]
        );
        assert_eq!(unmet, 2);
        let (shown, unmet) = verdict_lines("  ok    all\n03-mult: solved.\n");
        assert_eq!(shown.len(), 2);
        assert_eq!(unmet, 0);
    }
}
