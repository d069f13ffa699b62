//! `cargo workshop watch NN-slug`: the exercise's check again each time a file of the tree
//! is saved, as rustlings' watch mode does. The screen shows what is met and the first thing
//! that is not; after the second failing run, the next hint is offered; once it passes, what
//! comes next. Saves are seen through the system's file events (notify), debounced so that
//! an editor's or `git apply`'s burst of writes is one run; a run starts only when a file of
//! the tree (tracked, or new and not ignored) changed, so the check's own builds in target/
//! do not start another. File events do not arrive on every file system (WSL's /mnt drives,
//! some network mounts): Enter runs the check by hand, `q` and Enter stops; where no watcher
//! can be set up at all, the tree is compared every half second instead.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer};

use crate::git::Git;
use crate::progress::Progress;
use crate::series;

/// How often the tree is compared where no watcher could be set up.
const POLL: Duration = Duration::from_millis(500);
/// How long the tree must hold still after a change before the check runs.
const SETTLE: Duration = Duration::from_millis(300);

/// What wakes the loop up.
enum Wake {
    /// Enter.
    Run,
    /// `q` and Enter.
    Quit,
    /// A file event in a watched directory.
    Saved,
}

type Snapshot = BTreeMap<PathBuf, Option<SystemTime>>;

pub fn run(root: &Path, exercise: &str) -> Result<bool> {
    let name = series::exercise(root, exercise)?.name;
    let (wake, wakes) = mpsc::channel();
    read_keys(wake.clone());
    let mut seen = snapshot(root)?;
    // `wake` stays alive here, so the channel outlives stdin's end and a failed watcher.
    let mut watcher = Watcher::start(wake.clone());
    if watcher.is_none() {
        println!("No file events on this system: the tree is compared every half second.");
    }
    loop {
        if let Some(watcher) = &mut watcher {
            // Directories the attendee created since the last run are watched from now on.
            watcher.watch_directories_of(root, &seen);
        }
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
        if !wait_for_change(root, &wakes, &mut seen, watcher.is_some())? {
            return Ok(passed);
        }
    }
}

/// Waits until a file of the tree changed and held still, or Enter (true: run again), or
/// `q` (false: stop).
fn wait_for_change(
    root: &Path,
    wakes: &Receiver<Wake>,
    seen: &mut Snapshot,
    events_arrive: bool,
) -> Result<bool> {
    loop {
        let compare = match wakes.recv_timeout(POLL) {
            Ok(Wake::Quit) => return Ok(false),
            Ok(Wake::Run) => return Ok(true),
            Ok(Wake::Saved) => true,
            Err(RecvTimeoutError::Timeout) => !events_arrive,
            // `run` holds a sender for as long as the loop runs.
            Err(RecvTimeoutError::Disconnected) => return Ok(false),
        };
        if !compare {
            continue;
        }
        let mut now = snapshot(root)?;
        if now == *seen {
            // An event outside the tree's files (an editor's swap file, a build): no run.
            continue;
        }
        // An editor or `git apply` may write several files: wait until the tree holds still.
        loop {
            thread::sleep(SETTLE);
            let later = snapshot(root)?;
            if later == now {
                break;
            }
            now = later;
        }
        // Events of the writes just compared are stale now.
        while wakes
            .try_recv()
            .is_ok_and(|wake| matches!(wake, Wake::Saved))
        {}
        *seen = now;
        return Ok(true);
    }
}

/// The system's file events on the directories that hold the tree's files (each watched on
/// its own, not recursively: target/ would cost thousands of watches and wake us on every
/// build).
struct Watcher {
    debouncer: Debouncer<RecommendedWatcher>,
    watched: BTreeSet<PathBuf>,
}

impl Watcher {
    /// None where the system gives no watcher (then the loop compares the tree by time).
    fn start(wake: Sender<Wake>) -> Option<Watcher> {
        let debouncer = new_debouncer(SETTLE, move |events: DebounceEventResult| {
            if events.is_ok() {
                let _ = wake.send(Wake::Saved);
            }
        })
        .ok()?;
        Some(Watcher {
            debouncer,
            watched: BTreeSet::new(),
        })
    }

    fn watch_directories_of(&mut self, root: &Path, files: &Snapshot) {
        let directories = files
            .keys()
            .filter_map(|file| file.parent())
            .chain([root])
            .map(Path::to_path_buf)
            .collect::<BTreeSet<_>>();
        for directory in directories {
            if self.watched.contains(&directory) {
                continue;
            }
            let watching = self
                .debouncer
                .watcher()
                .watch(&directory, RecursiveMode::NonRecursive);
            // A directory that could not be watched is still covered by Enter.
            if watching.is_ok() {
                self.watched.insert(directory);
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
fn snapshot(root: &Path) -> Result<Snapshot> {
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
fn read_keys(wake: Sender<Wake>) {
    thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            let key = if line.trim() == "q" {
                Wake::Quit
            } else {
                Wake::Run
            };
            if wake.send(key).is_err() {
                return;
            }
        }
    });
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
