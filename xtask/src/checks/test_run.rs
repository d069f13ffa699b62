//! Running the attendee's own tests: `cargo test` and how many passed.

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
}
