//! Check 21-own-repo-ci: the attendee's CI workflow runs every test, and a failing test
//! fails it. Three proofs: actionlint reports nothing on the workflow; its `run:` steps,
//! replayed in order on the tree, pass; and in a copy of the tree with one more test that
//! always fails (the canary), the replay fails, at a step whose output names the canary. The
//! canary goes into each package of the workspace in turn (addsvc, the kit, stringsvc), one
//! copy each: a workflow that tests one package only is caught by another's canary. A
//! workflow that runs only some of the tests, or swallows their failure (`|| true`,
//! `continue-on-error`, a pipe without pipefail), passes the first two and not the third.

use std::path::Path;

use anyhow::Result;

use super::report::{Report, tail};
use super::tree_copy::copy_tree;
use crate::lint;
use crate::tools::{self, ACTIONLINT};
use crate::workflow::{self, Outcome, Replay, StepRun, WORKFLOW_FILE};

/// The canary: an integration test file of its own in a package's tests/, so that only a
/// run of every test target (not `--lib`, not one `--test`) runs it.
const CANARY_FILE: &str = "tests/ci_canary.rs";
/// The packages a canary goes into, by directory, where the tree has them.
const PACKAGES: [&str; 3] = [".", "kit", "stringsvc"];
const CANARY_TEST: &str = "ci_canary_fails_on_purpose";
const CANARY_SOURCE: &str = r#"//! Written by `cargo workshop check 21-own-repo-ci` into a copy of your tree: a test that
//! always fails, to prove that a failing test fails the workflow.

#[test]
fn ci_canary_fails_on_purpose() {
    panic!("the canary of check 21-own-repo-ci fails on purpose");
}
"#;

/// 21-own-repo-ci: the workflow lints clean, passes on the tree, and fails on the canary.
pub fn own_repo_ci(dir: &Path, report: &mut Report) -> Result<()> {
    if !workflow::has_workflow(dir) {
        report.expect(false, format!("the tree has {WORKFLOW_FILE}"));
        return Ok(());
    }
    lint(dir, report)?;
    println!("\nThe workflow on your tree:");
    let replay = workflow::replay_in(dir)?;
    let passed = replay.passed();
    report.expect(
        passed,
        format!(
            "the run: steps of {WORKFLOW_FILE} pass in order on your tree ({})",
            replay.summary()
        ),
    );
    if !passed {
        // A workflow that already fails proves nothing about a failing test.
        return Ok(());
    }
    for package in PACKAGES
        .iter()
        .filter(|package| dir.join(package).join("Cargo.toml").is_file())
    {
        let canary = Path::new(package).join(CANARY_FILE);
        let canary = canary
            .strip_prefix(".")
            .unwrap_or(&canary)
            .display()
            .to_string();
        println!("\nThe workflow on a copy of your tree with {canary}, a test that always fails:");
        let copy = std::env::temp_dir().join(format!("workshop-ci-canary-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&copy);
        copy_tree(dir, &copy)?;
        std::fs::create_dir_all(copy.join(package).join("tests"))?;
        std::fs::write(copy.join(&canary), CANARY_SOURCE)?;
        let replay = workflow::replay_in(&copy);
        let _ = std::fs::remove_dir_all(&copy);
        let (caught, why) = canary_verdict(&replay?);
        report.expect(
            caught,
            format!(
                "with a failing test added ({canary}), the workflow fails because of it: {why}"
            ),
        );
    }
    Ok(())
}

fn lint(dir: &Path, report: &mut Report) -> Result<()> {
    if ACTIONLINT.path().is_none() {
        report.expect(
            false,
            format!(
                "actionlint reports nothing on {WORKFLOW_FILE}: cannot run it, {}",
                tools::describe_missing(&[&ACTIONLINT])
            ),
        );
        return Ok(());
    }
    let linted = lint::actionlint(dir)?;
    let (clean, printed) = (linted.passed, linted.output);
    report.expect(
        clean,
        format!(
            "actionlint reports nothing on {WORKFLOW_FILE}{}",
            if clean {
                String::new()
            } else {
                format!("; it reports:\n{}", tail(&printed, 40))
            }
        ),
    );
    Ok(())
}

/// Whether the canary failed the workflow, and what became of it.
fn canary_verdict(replay: &Replay) -> (bool, String) {
    let names_canary = |step: &StepRun| step.output.contains(CANARY_TEST);
    if let Some(failure) = replay.failure() {
        if !names_canary(failure) {
            return (
                false,
                format!(
                    "it failed at `{}` in job {}, which does not mention {CANARY_TEST}:\n{}",
                    failure.label,
                    failure.job,
                    tail(&failure.output, 20)
                ),
            );
        }
        if let Some(condition) = &failure.undecided_condition {
            return (
                false,
                format!(
                    "`{}` in job {} failed on it, but it runs under `if: {condition}`, which GitHub \
                     may decide to skip: a test step must run on every push and pull request",
                    failure.label, failure.job
                ),
            );
        }
        return (
            true,
            format!("`{}` in job {} failed on it", failure.label, failure.job),
        );
    }
    let ran_it = replay.steps.iter().find(|step| names_canary(step));
    let why = match ran_it {
        Some(step) if step.outcome == Outcome::FailureTolerated => format!(
            "`{}` in job {} ran it and failed, but continue-on-error lets the workflow pass",
            step.label, step.job
        ),
        Some(step) => format!(
            "`{}` in job {} ran it, yet the step passed: something swallows the failure \
             (`|| true`, `; true`, a pipe without pipefail?)",
            step.label, step.job
        ),
        None => "the workflow passed and no step ran it: run every test target of every \
                 package, not only the unit tests (--lib), one --test or one -p"
            .to_owned(),
    };
    (false, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(outcome: Outcome, output: &str, condition: Option<&str>) -> StepRun {
        StepRun {
            job: "test".to_owned(),
            label: "cargo test".to_owned(),
            outcome,
            output: output.to_owned(),
            seconds: 1.0,
            undecided_condition: condition.map(str::to_owned),
        }
    }

    fn verdict(steps: Vec<StepRun>) -> (bool, String) {
        canary_verdict(&Replay {
            steps,
            seconds: 1.0,
        })
    }

    const CANARY_FAILED: &str = "test ci_canary_fails_on_purpose ... FAILED\n";

    #[test]
    fn only_a_failure_that_names_the_canary_and_always_runs_counts() {
        assert!(verdict(vec![step(Outcome::Failed, CANARY_FAILED, None)]).0);
        let other = verdict(vec![step(
            Outcome::Failed,
            "error: could not compile",
            None,
        )]);
        assert!(!other.0 && other.1.contains("does not mention"));
        let conditional = verdict(vec![step(
            Outcome::Failed,
            CANARY_FAILED,
            Some("github.event_name == 'push'"),
        )]);
        assert!(!conditional.0 && conditional.1.contains("may decide to skip"));
    }

    #[test]
    fn a_swallowed_or_missed_canary_is_explained() {
        let tolerated = verdict(vec![step(Outcome::FailureTolerated, CANARY_FAILED, None)]);
        assert!(!tolerated.0 && tolerated.1.contains("continue-on-error"));
        let swallowed = verdict(vec![step(Outcome::Passed, CANARY_FAILED, None)]);
        assert!(!swallowed.0 && swallowed.1.contains("swallows"));
        let missed = verdict(vec![step(Outcome::Passed, "test result: ok", None)]);
        assert!(!missed.0 && missed.1.contains("no step ran it"));
    }

    #[test]
    fn the_canary_source_names_the_canary_test() {
        assert!(CANARY_SOURCE.contains(&format!("fn {CANARY_TEST}()")));
    }
}
