//! Running the attendee's own tests: `cargo test`, how many passed, and why one failed.

use std::path::Path;

use anyhow::{Context, Result};

use crate::cargo::cargo;

/// `cargo test --offline <target…> -- <filter>` in `dir`; its success and output.
pub fn run_tests(dir: &Path, target: &[&str], filter: &str) -> Result<(bool, String)> {
    run_tests_with_env(dir, target, filter, &[])
}

/// [`run_tests`] with environment variables set for cargo and the tests.
pub fn run_tests_with_env(
    dir: &Path,
    target: &[&str],
    filter: &str,
    env: &[(&str, &str)],
) -> Result<(bool, String)> {
    let mut command = cargo(dir);
    command
        .args(["test", "--offline"])
        .args(target)
        .envs(env.iter().copied());
    if !filter.is_empty() {
        command.args(["--", filter]);
    }
    let output = command.output().context("could not run cargo test")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok((output.status.success(), text))
}

/// The sum of "N passed" over the `test result:` lines of a cargo test run.
pub fn passed_tests(output: &str) -> u32 {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<u32>().ok())
        .sum()
}

/// Where a failed cargo test run says why: the output of each failing test (its
/// `---- name stdout ----` section, with the panic and its assertion), else the lines around
/// each `panicked at`; at most [`EXCERPT_LINES`] lines. None when there is neither (a build
/// error, say: the end of the output is the place to look then).
pub fn failure_excerpt(output: &str) -> Option<String> {
    const AROUND_PANIC: usize = 8;
    let lines: Vec<&str> = output.lines().collect();
    let mut excerpt = Vec::new();
    let mut in_section = false;
    for line in &lines {
        if line.starts_with("---- ") && line.ends_with(" ----") {
            in_section = true;
        } else if *line == "failures:" || line.starts_with("test result:") {
            // The sections are followed by the list of failed tests and the summary.
            in_section = false;
        }
        if in_section {
            excerpt.push(*line);
        }
    }
    if excerpt.is_empty() {
        for (index, line) in lines.iter().enumerate() {
            if line.contains("panicked at") {
                let end = (index + AROUND_PANIC).min(lines.len());
                excerpt.extend(&lines[index.saturating_sub(1)..end]);
            }
        }
    }
    excerpt.truncate(EXCERPT_LINES);
    let text = excerpt.join("\n");
    (!text.trim().is_empty()).then(|| text.trim_end().to_owned())
}

/// How much of a failure [`failure_excerpt`] quotes.
const EXCERPT_LINES: usize = 80;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passed_tests_add_up_over_test_binaries() {
        let output = "test result: ok. 3 passed; 0 failed; 0 ignored\n\
                      running 2 tests\n\
                      test result: ok. 2 passed; 0 failed; 0 ignored\n\
                      test result: FAILED. 1 passed; 1 failed; 0 ignored\n";
        assert_eq!(passed_tests(output), 5);
    }

    #[test]
    fn a_failure_is_shown_by_its_tests_output() {
        let output = "running 2 tests\n\
            test a ... ok\n\
            test contract_consumer::b ... FAILED\n\
            \n\
            failures:\n\
            \n\
            ---- contract_consumer::b stdout ----\n\
            \n\
            thread 'contract_consumer::b' panicked at tests/api/contract_consumer.rs:9:5:\n\
            assertion `left == right` failed\n  left: 1\n right: 2\n\
            \n\
            failures:\n    contract_consumer::b\n\
            \n\
            test result: FAILED. 1 passed; 1 failed; 0 ignored\n";
        let excerpt = failure_excerpt(output).unwrap();
        assert!(excerpt.starts_with("---- contract_consumer::b stdout ----"));
        assert!(excerpt.contains("panicked at tests/api/contract_consumer.rs:9:5"));
        assert!(excerpt.contains(" right: 2"));
        assert!(!excerpt.contains("test result"));
    }

    #[test]
    fn without_sections_the_panic_is_shown() {
        let output = "noise\nthread 'main' panicked at src/x.rs:1:1:\nboom\nmore\n";
        let excerpt = failure_excerpt(output).unwrap();
        assert!(excerpt.contains("panicked at src/x.rs:1:1"));
        assert!(excerpt.contains("boom"));
        assert_eq!(failure_excerpt("error[E0425]: cannot find value"), None);
    }
}
