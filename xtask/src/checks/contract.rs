//! Check 19-new-contract, judged by the pact the attendee's consumer test writes, and by
//! what addsvc really sends: a consumer's contract describes its own requests.

use std::path::Path;

use anyhow::{Context, Result};
use harness::StandIn;
use serde_json::{Value, json};

use super::pact_match;
use super::report::{Report, indent, tail};
use super::test_run::{failure_excerpt, run_tests_with_env};
use crate::series;
use crate::service::{Service, build_binary};

/// A panic's message without a backtrace after it, whatever the shell asks for: the
/// message (an assertion, Pact's mismatches) is what the check quotes.
const QUOTABLE_PANICS: (&str, &str) = ("RUST_BACKTRACE", "0");

/// The description of step 19's interaction.
const STEP_19S: &str = "a request to uppercase a string";

/// 19-new-contract: the regenerated pact keeps step 19's interaction and holds another one,
/// with matchers, stringsvc passes its verification, and addsvc really sends a request each
/// interaction describes.
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
    // An interaction is known by its description: Pact's verification reports it by that.
    let is_step_19s = |interaction: &Value| {
        interaction["description"] == STEP_19S
            && interaction["request"]["method"] == "POST"
            && interaction["request"]["path"] == "/uppercase"
            && interaction["response"]["status"] == 200
    };
    let new: Vec<&Value> = interactions.iter().filter(|i| !is_step_19s(i)).collect();
    let described: Vec<String> = interactions
        .iter()
        .map(|i| {
            format!(
                "\"{}\" {} {} -> {}",
                i["description"].as_str().unwrap_or("?"),
                i["request"]["method"].as_str().unwrap_or("?"),
                i["request"]["path"].as_str().unwrap_or("?"),
                i["response"]["status"]
            )
        })
        .collect();
    let holds = format!("it holds: {}", described.join("; "));
    report.expect(
        interactions.iter().any(is_step_19s),
        format!(
            "the pact keeps step 19's interaction, \"{STEP_19S}\", POST /uppercase -> 200 \
             ({holds})"
        ),
    );
    report.expect(
        !new.is_empty(),
        format!("the pact holds an interaction besides step 19's ({holds})"),
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
    )?;
    let sent = requests_addsvc_sends(dir)?;
    for interaction in &interactions {
        let matching = (sent.iter())
            .filter(|body| pact_match::describes(interaction, "POST", "/uppercase", body))
            .count();
        report.expect(
            matching > 0,
            format!(
                "addsvc really sends the request of \"{}\" (body {}): of the {} requests it \
                 sent for the check's Concats, {matching} match it",
                interaction["description"].as_str().unwrap_or("?"),
                interaction["request"]["body"],
                sent.len(),
            ),
        );
    }
    Ok(())
}

/// Concats of every kind of string a client may send: ASCII, digits, letters beyond
/// ASCII, whitespace, symbols, the longest result addsvc accepts, and the empty one.
fn probes() -> Vec<(String, String)> {
    let pairs = [
        ("foo", "bar"),
        ("1", "2"),
        ("stra", "ße"),
        ("héllo", " wörld"),
        ("ǆ", "ǈ"),
        ("🙂", "ok"),
        (" ", " "),
        ("tab\t", "new\nline"),
        ("MiXeD", "Case"),
        ("{\"s\":", "\"\"}"),
        ("", "x"),
        ("", ""),
    ];
    let mut probes: Vec<(String, String)> = pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    probes.push(("a".repeat(512), "b".repeat(512)));
    probes
}

/// The bodies addsvc sends to stringsvc (a stand-in) while it answers the probes.
fn requests_addsvc_sends(dir: &Path) -> Result<Vec<Value>> {
    let binary = build_binary(dir, "addsvc")?;
    let stringsvc = StandIn::start();
    let addsvc = Service::start_with_env(
        &binary,
        &[],
        &[("ADDSVC_STRINGSVC_URL", stringsvc.base_url())],
    )?;
    for (a, b) in probes() {
        addsvc.post_json("/concat", &json!({ "a": a, "b": b }).to_string())?;
    }
    Ok(stringsvc.bodies())
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
