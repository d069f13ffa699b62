//! `cargo workshop verify`: the whole proof, in a scratch worktree. Every step must pass
//! fmt, clippy and the tests; every exercise check must fail before its solution and pass
//! after it; the patch files must be exactly what the series regenerates.

use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};

use crate::cargo::cargo;
use crate::checks;
use crate::demo;
use crate::git::Git;
use crate::series;
use crate::walk::{self, Scratch, State};

/// The three gates every state of the series passes, as an attendee would run them.
const GATES: [(&str, &[&str]); 3] = [
    ("fmt", &["fmt", "--check"]),
    (
        "clippy",
        &[
            "clippy",
            "--all-targets",
            "--offline",
            "--",
            "-D",
            "warnings",
        ],
    ),
    ("test", &["test", "--offline"]),
];

struct Row {
    item: String,
    ok: bool,
    seconds: f64,
    detail: String,
}

#[derive(Default)]
struct Table {
    rows: Vec<Row>,
}

impl Table {
    fn record(&mut self, item: String, ok: bool, started: Instant, detail: String) {
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "-- {item}: {} ({seconds:.1} s) {detail}",
            if ok { "ok" } else { "FAILED" }
        );
        self.rows.push(Row {
            item,
            ok,
            seconds,
            detail,
        });
    }

    fn print(&self) {
        println!();
        println!(
            "{:<44} {:<7} {:>8}  detail",
            "step / exercise", "result", "seconds"
        );
        for row in &self.rows {
            println!(
                "{:<44} {:<7} {:>8.1}  {}",
                row.item,
                if row.ok { "ok" } else { "FAILED" },
                row.seconds,
                row.detail
            );
        }
        let total: f64 = self.rows.iter().map(|row| row.seconds).sum();
        let failed = self.rows.iter().filter(|row| !row.ok).count();
        println!("{:<44} {:<7} {:>8.1}", "total", "", total);
        println!();
        println!(
            "verify: {} passed, {failed} failed",
            self.rows.len() - failed
        );
    }
}

/// Runs fmt, clippy and test in `dir`; returns whether all passed and their seconds.
fn gates(dir: &Path) -> (bool, String) {
    let mut timings = Vec::new();
    for (name, args) in GATES {
        let started = Instant::now();
        let output = cargo(dir).args(args).output();
        let seconds = started.elapsed().as_secs_f64();
        timings.push(format!("{name} {seconds:.1}"));
        let passed = match output {
            Ok(output) if output.status.success() => {
                if name == "test" {
                    let stdout = String::from_utf8_lossy(&output.stdout);
                    timings.push(format!("{} tests passed", checks::passed_tests(&stdout)));
                }
                true
            }
            Ok(output) => {
                print_tail(&output.stdout, &output.stderr);
                false
            }
            Err(error) => {
                println!("could not run cargo {name}: {error}");
                false
            }
        };
        if !passed {
            return (false, format!("{} FAILED", timings.join(", ")));
        }
    }
    (true, timings.join(", "))
}

/// The end of a failed command's output: where the reason is.
fn print_tail(stdout: &[u8], stderr: &[u8]) {
    for stream in [stdout, stderr] {
        let text = String::from_utf8_lossy(stream);
        let lines: Vec<&str> = text.lines().collect();
        for line in &lines[lines.len().saturating_sub(60)..] {
            println!("    | {line}");
        }
    }
}

/// The step that introduces /metrics; the demo runs there and at the last step.
const FIRST_METRICS_STEP: u32 = 7;

pub fn run(root: &Path, with_demo: bool) -> Result<()> {
    let scratch = Scratch::new(root, "verify")?;
    let last_step = series::steps(scratch.dir())?.len() as u32;
    println!(
        "Verifying the committed series in {}",
        scratch.dir().display()
    );
    let exercises = series::exercises(scratch.dir())?;
    let mut table = Table::default();

    let walked = walk::walk(&scratch, |git: &Git, state| {
        let dir = git.dir();
        match state {
            State::Step { number, name } => {
                println!("\n== step {name}");
                let started = Instant::now();
                let (ok, detail) = gates(dir);
                table.record(format!("step {name}"), ok, started, detail);
                let demo_here = number == FIRST_METRICS_STEP
                    || (number == last_step && number > FIRST_METRICS_STEP);
                if with_demo && demo_here {
                    println!("\n== metrics demo at step {number:02}");
                    let started = Instant::now();
                    let result = demo::run(dir);
                    if let Err(error) = &result {
                        println!("{error:#}");
                    }
                    table.record(
                        format!("demo at step {number:02}: Prometheus scrapes"),
                        result.is_ok(),
                        started,
                        if result.is_ok() {
                            "non-zero counter scraped"
                        } else {
                            "FAILED"
                        }
                        .to_owned(),
                    );
                }
                for exercise in exercises
                    .iter()
                    .filter(|exercise| exercise.step == number && checks::has_check(&exercise.name))
                {
                    println!(
                        "\n== {} on the unsolved step (the check must fail)",
                        exercise.name
                    );
                    let started = Instant::now();
                    let failed = matches!(checks::run(dir, &exercise.name), Ok(false));
                    table.record(
                        format!("exercise {} unsolved", exercise.name),
                        failed,
                        started,
                        if failed {
                            "check fails, as it must"
                        } else {
                            "check PASSED unsolved"
                        }
                        .to_owned(),
                    );
                }
            }
            State::Solution { exercise } => {
                println!("\n== {} with its solution", exercise.name);
                if checks::has_check(&exercise.name) {
                    let started = Instant::now();
                    let solved = matches!(checks::run(dir, &exercise.name), Ok(true));
                    table.record(
                        format!("exercise {} solved", exercise.name),
                        solved,
                        started,
                        if solved {
                            "check passes"
                        } else {
                            "check FAILED"
                        }
                        .to_owned(),
                    );
                }
                let started = Instant::now();
                let (ok, detail) = gates(dir);
                table.record(format!("solution {}", exercise.name), ok, started, detail);
            }
        }
        Ok(())
    });

    let started = Instant::now();
    match walked.and_then(|commits| walk::render(&scratch.git, &commits)) {
        Ok(files) => {
            let differing: Vec<String> = files
                .iter()
                .filter(|(path, text)| {
                    series::read(&scratch.dir().join(path)).ok().as_deref() != Some(text)
                })
                .map(|(path, _)| path.display().to_string())
                .collect();
            table.record(
                "series re-exports byte-identically".to_owned(),
                differing.is_empty(),
                started,
                if differing.is_empty() {
                    format!("{} patch files", files.len())
                } else {
                    format!("differs: {}", differing.join(", "))
                },
            );
        }
        Err(error) => table.record(
            "series applies in order".to_owned(),
            false,
            started,
            format!("{error:#}"),
        ),
    }

    table.print();
    if table.rows.iter().any(|row| !row.ok) {
        bail!("verify failed");
    }
    Ok(())
}
