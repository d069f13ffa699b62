//! The three gates every state of the series passes, as an attendee would run them, and the
//! first two alone, which our wrong solutions pass too.

use std::path::Path;
use std::time::Instant;

use crate::cargo::cargo;
use crate::checks;
use crate::proof::Proof;

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

/// Runs fmt, clippy and test in `dir`; returns whether all passed and their seconds.
pub fn gates(dir: &Path) -> Proof {
    run(dir, &GATES)
}

/// Runs fmt and clippy in `dir`: the code is formatted, builds, and no lint rejects it.
pub fn lint_gates(dir: &Path) -> Proof {
    run(dir, &GATES[..2])
}

fn run(dir: &Path, gates: &[(&str, &[&str])]) -> Proof {
    let mut timings = Vec::new();
    for &(name, args) in gates {
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
            return Proof::Failed(format!("{} FAILED", timings.join(", ")));
        }
    }
    Proof::Held(timings.join(", "))
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
