//! Check 19-new-contract, judged by the pact the attendee's consumer test writes.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use super::report::{Report, indent, tail};
use super::test_run::{failure_excerpt, run_tests_with_env};
use crate::series;

/// A panic's message without a backtrace after it, whatever the shell asks for: the
/// message (an assertion, Pact's mismatches) is what the check quotes.
const QUOTABLE_PANICS: (&str, &str) = ("RUST_BACKTRACE", "0");

/// 19-new-contract: the regenerated pact keeps step 19's interaction and holds another one,
/// with matchers, and stringsvc passes its verification.
pub fn new_contract(dir: &Path, report: &mut Report) -> Result<()> {
    // The pact is rewritten, not merged into (the repository's .cargo/config.toml says so
    // too, but a shell may say otherwise): a merge would keep an interaction the test no
    // longer has.
    expect_tests_pass(
        report,
        dir,
        "contract_consumer",
        &[("PACT_OVERWRITE", "true"), QUOTABLE_PANICS],
        "the consumer test passes and writes the pact",
    )?;
    let pact_path = dir.join("tests/pacts/addsvc-stringsvc.json");
    let pact: Value = serde_json::from_str(&series::read(&pact_path)?)
        .with_context(|| format!("{} is not JSON", pact_path.display()))?;
    let interactions = pact["interactions"].as_array().cloned().unwrap_or_default();
    let is_step_19s = |interaction: &Value| {
        interaction["request"]["method"] == "POST"
            && interaction["request"]["path"] == "/uppercase"
            && interaction["response"]["status"] == 200
    };
    let new: Vec<&Value> = interactions.iter().filter(|i| !is_step_19s(i)).collect();
    let described: Vec<String> = interactions
        .iter()
        .map(|i| {
            format!(
                "{} {} -> {}",
                i["request"]["method"], i["request"]["path"], i["response"]["status"]
            )
        })
        .collect();
    let holds = format!("it holds: {}", described.join("; "));
    report.expect(
        interactions.iter().any(is_step_19s),
        format!("the pact keeps step 19's interaction, POST /uppercase -> 200 ({holds})"),
    );
    report.expect(
        !new.is_empty(),
        format!("the pact holds an interaction besides POST /uppercase -> 200 ({holds})"),
    );
    let has_matchers = |interaction: &&Value| {
        ["request", "response"].iter().any(|part| {
            interaction[part]["matchingRules"]
                .as_object()
                .is_some_and(|rules| !rules.is_empty())
        })
    };
    report.expect(
        new.iter().any(has_matchers),
        "the new interaction uses matchers (like!, each_like!, term!…), not only exact values",
    );
    expect_tests_pass(
        report,
        dir,
        "contract_provider",
        &[QUOTABLE_PANICS],
        "stringsvc passes the verification of the whole pact",
    )
}

/// Runs the api tests matching `filter` and expects them to pass; when they do not, the
/// expectation quotes why.
fn expect_tests_pass(
    report: &mut Report,
    dir: &Path,
    filter: &str,
    env: &[(&str, &str)],
    what: &str,
) -> Result<()> {
    let (passed, output) = run_tests_with_env(dir, &["--test", "api"], filter, env)?;
    let why = if passed {
        String::new()
    } else {
        format!("\n{}", why_tests_failed(&output))
    };
    report.expect(passed, format!("{what}{why}"));
    Ok(())
}

/// What to quote of a failed test run: the failing tests' own output, or the end of
/// cargo's when there is none (the tests did not build).
fn why_tests_failed(output: &str) -> String {
    match failure_excerpt(output) {
        Some(excerpt) => indent(&excerpt),
        None => tail(output, 25),
    }
}
