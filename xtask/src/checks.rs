//! `cargo workshop check NN-slug`: black-box checks of the exercises. Each check builds the
//! attendee's code, starts the service and judges it only by what it answers and prints,
//! so any correct solution passes, whatever its internal names.

use std::fmt::Display;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::cargo::cargo;
use crate::series;
use crate::service::{Service, build_binary};

/// Collects the verdicts of one check and prints each as it comes.
#[derive(Default)]
pub struct Report {
    failures: usize,
}

impl Report {
    pub fn expect(&mut self, ok: bool, what: impl Display) {
        if ok {
            println!("  ok    {what}");
        } else {
            println!("  FAIL  {what}");
            self.failures += 1;
        }
    }

    /// POSTs `body` to `path` and expects 200 with `{"v": expected}` (numbers compared by value).
    pub fn expect_value(&mut self, service: &Service, path: &str, body: &str, expected: Value) {
        let what = format!(
            "POST {path} {body} answers 200 {}",
            json!({ "v": expected })
        );
        match service.post_json(path, body) {
            Ok(reply) => {
                let got = reply.json().map(|json| json["v"].clone());
                let ok = reply.status == 200 && got.as_ref().is_some_and(|v| same(v, &expected));
                self.expect(
                    ok,
                    format!("{what} (got {} {})", reply.status, reply.body.trim()),
                );
            }
            Err(error) => self.expect(false, format!("{what} (got no answer: {error:#})")),
        }
    }
}

/// JSON equality where 10 and 10.0 are the same number.
fn same(got: &Value, expected: &Value) -> bool {
    match (got.as_f64(), expected.as_f64()) {
        (Some(got), Some(expected)) => (got - expected).abs() < 1e-9,
        _ => got == expected,
    }
}

type CheckFn = fn(&Path, &mut Report) -> Result<()>;

/// The exercises that have an automatic check; the others are discussions.
fn check_for(exercise: &str) -> Option<CheckFn> {
    match exercise {
        "03-mult" => Some(mult),
        "05-uppercase" => Some(uppercase),
        "07-inflight-or-duration" => Some(inflight_or_duration),
        "10-transport-logger" => Some(transport_logger),
        "11-request-id" => Some(request_id),
        "14-teapot" => Some(teapot),
        "17-optional-uppercase" => Some(optional_uppercase),
        "19-new-contract" => Some(new_contract),
        "19-unit-tests" => Some(unit_tests),
        _ => None,
    }
}

pub fn has_check(exercise: &str) -> bool {
    check_for(exercise).is_some()
}

/// Runs the check of `exercise` on the tree at `dir`; true when it is solved.
pub fn run(dir: &Path, exercise: &str) -> Result<bool> {
    series::exercise(dir, exercise)?;
    let Some(check) = check_for(exercise) else {
        println!(
            "{exercise} is a discussion exercise: there is nothing to run. \
             Compare your answer with solutions/{exercise}.md."
        );
        return Ok(true);
    };
    println!("Checking {exercise} in {}", dir.display());
    let mut report = Report::default();
    if let Err(error) = check(dir, &mut report) {
        report.expect(false, format!("{error:#}"));
    }
    if report.failures == 0 {
        println!("{exercise}: solved.");
    } else {
        println!(
            "{exercise}: not solved yet ({} expectation(s) unmet). See exercises/{exercise}/README.md for hints.",
            report.failures
        );
    }
    Ok(report.failures == 0)
}

fn start_addsvc(dir: &Path) -> Result<Service> {
    Service::start(&build_binary(dir, "addsvc")?, &[])
}

/// 03-mult: `POST /mult {"a":2.5,"b":4}` → `{"v":10.0}`, and the old routes still work.
fn mult(dir: &Path, report: &mut Report) -> Result<()> {
    let addsvc = start_addsvc(dir)?;
    report.expect_value(&addsvc, "/mult", r#"{"a":2.5,"b":4}"#, json!(10.0));
    report.expect_value(&addsvc, "/mult", r#"{"a":-3,"b":0.5}"#, json!(-1.5));
    report.expect_value(&addsvc, "/mult", r#"{"a":7,"b":0}"#, json!(0.0));
    report.expect_value(&addsvc, "/sum", r#"{"a":1,"b":2}"#, json!(3));
    report.expect_value(&addsvc, "/concat", r#"{"a":"1","b":"2"}"#, json!("12"));
    Ok(())
}

/// 05-uppercase: Concat's result comes back uppercased; Sum is untouched.
fn uppercase(dir: &Path, report: &mut Report) -> Result<()> {
    let addsvc = start_addsvc(dir)?;
    report.expect_value(
        &addsvc,
        "/concat",
        r#"{"a":"foo","b":"bar"}"#,
        json!("FOOBAR"),
    );
    report.expect_value(
        &addsvc,
        "/concat",
        r#"{"a":"Rust ","b":"kit"}"#,
        json!("RUST KIT"),
    );
    report.expect_value(&addsvc, "/concat", r#"{"a":"1","b":"2"}"#, json!("12"));
    report.expect_value(&addsvc, "/sum", r#"{"a":1,"b":2}"#, json!(3));
    Ok(())
}

/// The sum of the samples of `name` (exactly, not its `_bucket` and friends) whose labels
/// contain every one of `labels`; None when there is no such sample.
fn sample_sum(exposition: &str, name: &str, labels: &[&str]) -> Option<f64> {
    let values: Vec<f64> = exposition
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let rest = line.strip_prefix(name)?;
            let (series_labels, value) = match rest.strip_prefix('{') {
                Some(labelled) => labelled.split_once("} ")?,
                None => ("", rest.strip_prefix(' ')?),
            };
            labels
                .iter()
                .all(|label| series_labels.contains(label))
                .then(|| value.trim().parse().ok())?
        })
        .collect();
    (!values.is_empty()).then(|| values.iter().sum())
}

fn metric_type<'a>(exposition: &'a str, name: &str) -> Option<&'a str> {
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(&format!("# TYPE {name} ")))
}

/// 07-inflight-or-duration: an in-flight gauge back at rest, or a service-duration
/// histogram by method whose count follows the calls.
fn inflight_or_duration(dir: &Path, report: &mut Report) -> Result<()> {
    const GAUGE: &str = "addsvc_in_flight_requests";
    const HISTOGRAM: &str = "addsvc_service_duration_seconds";
    let addsvc = start_addsvc(dir)?;
    let count_of = |exposition: &str| {
        sample_sum(
            exposition,
            &format!("{HISTOGRAM}_count"),
            &[r#"method="sum""#],
        )
        .unwrap_or(0.0)
    };
    let before = addsvc.get("/metrics")?.body;
    for _ in 0..3 {
        addsvc.post_json("/sum", r#"{"a":1,"b":2}"#)?;
    }
    addsvc.post_json("/concat", r#"{"a":"x","b":"y"}"#)?;
    // Read the types after the traffic: a labelled metric is only exported once it has a series.
    let after = addsvc.get("/metrics")?.body;
    let gauge = metric_type(&after, GAUGE) == Some("gauge");
    let histogram = metric_type(&after, HISTOGRAM) == Some("histogram");
    report.expect(
        gauge || histogram,
        format!("/metrics declares {GAUGE} as a gauge or {HISTOGRAM} as a histogram"),
    );
    if gauge {
        let at_rest = sample_sum(&after, GAUGE, &[]);
        // A gauge around every HTTP request counts the scrape that reads it.
        report.expect(
            at_rest.is_some_and(|value| value == 0.0 || value == 1.0),
            format!("{GAUGE} is back to 0 at rest (1 if it counts this scrape): {at_rest:?}"),
        );
    }
    if histogram {
        let grew = count_of(&after) - count_of(&before);
        report.expect(
            grew >= 3.0,
            format!(
                r#"{HISTOGRAM}_count{{method="sum"}} grows with 3 calls of Sum (grew by {grew})"#
            ),
        );
    }
    Ok(())
}

/// Whether a log line has the field `key` = `value`: `key=value` or `key="value"` in logfmt,
/// `"key":"value"` in JSON; `request_id=abcd` is not `request_id=abc`.
fn has_field(line: &str, key: &str, value: &str) -> bool {
    let plain = format!("{key}={value}");
    let whole_plain = line.match_indices(&plain).any(|(start, _)| {
        let before_ok = line[..start].ends_with(' ') || start == 0;
        let after = &line[start + plain.len()..];
        before_ok && (after.is_empty() || after.starts_with(' '))
    });
    let quoted = [
        format!("{key}=\"{value}\""),
        format!("\"{key}\":\"{value}\""),
    ];
    whole_plain || quoted.iter().any(|field| line.contains(field.as_str()))
}

/// 10-transport-logger: a body that fails to decode gives a structured line with
/// transport=HTTP and the decoder's error.
fn transport_logger(dir: &Path, report: &mut Report) -> Result<()> {
    let addsvc = start_addsvc(dir)?;
    let offset = addsvc.output().len();
    let reply = addsvc.post_json("/sum", r#"{"a":1,"#)?;
    report.expect(
        reply.status == 400,
        format!("a body cut short still answers 400 (got {})", reply.status),
    );
    // serde_json's own words for this body; any logger that includes the error has them.
    let is_decode_line =
        |line: &str| has_field(line, "transport", "HTTP") && line.contains("EOF while parsing");
    let output = addsvc.output_after(offset, |new| new.lines().any(is_decode_line));
    report.expect(
        output.lines().any(is_decode_line),
        format!(
            "a log line has transport=HTTP and the decode error (\"EOF while parsing …\"); new lines were:\n{}",
            indent(&output)
        ),
    );
    report.expect_value(&addsvc, "/sum", r#"{"a":1,"b":2}"#, json!(3));
    Ok(())
}

/// 11-request-id: X-Request-ID is taken or made, echoed, and on every line of the request.
fn request_id(dir: &Path, report: &mut Report) -> Result<()> {
    let addsvc = start_addsvc(dir)?;
    for sent in [Some("workshop-check-7f3a"), None] {
        let offset = addsvc.output().len();
        let headers: &[(&str, &str)] = match sent {
            Some(id) => &[("x-request-id", id)],
            None => &[],
        };
        let reply = addsvc.post_json_with_headers("/sum", r#"{"a":1,"b":2}"#, headers)?;
        let echoed = reply.header("x-request-id").unwrap_or_default().to_owned();
        match sent {
            Some(id) => report.expect(
                echoed == id,
                format!("X-Request-ID: {id} is echoed on the response (got {echoed:?})"),
            ),
            None => report.expect(
                is_uuid_v4(&echoed),
                format!(
                    "without X-Request-ID, the response carries a new UUID v4 (got {echoed:?})"
                ),
            ),
        }
        // Wait for the request's lines, then a little longer for stragglers.
        addsvc.output_after(offset, |new| new.lines().count() >= 2);
        std::thread::sleep(std::time::Duration::from_millis(300));
        let output = addsvc.output_after(offset, |_| true);
        let lines: Vec<&str> = output
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect();
        report.expect(
            !lines.is_empty()
                && !echoed.is_empty()
                && lines
                    .iter()
                    .all(|line| has_field(line, "request_id", &echoed)),
            format!(
                "every log line of the request carries request_id={echoed}; they were:\n{}",
                indent(&output)
            ),
        );
    }
    Ok(())
}

fn is_uuid_v4(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths_ok = groups.iter().map(|group| group.len()).eq([8, 4, 4, 4, 12]);
    lengths_ok
        && groups
            .iter()
            .all(|group| group.chars().all(|c| c.is_ascii_hexdigit()))
        && groups[2].starts_with('4')
}

fn indent(text: &str) -> String {
    if text.trim().is_empty() {
        return "        (nothing)".to_owned();
    }
    text.lines()
        .map(|line| format!("        {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// POSTs `body` to `path` and expects `status` with a JSON `{"error": "…"}` body.
fn expect_error(report: &mut Report, service: &Service, path: &str, body: &str, status: u16) {
    let what = format!("POST {path} {body} answers {status} with a JSON error");
    match service.post_json(path, body) {
        Ok(reply) => {
            let has_error = reply
                .json()
                .is_some_and(|json| json["error"].as_str().is_some_and(|e| !e.is_empty()));
            report.expect(
                reply.status == status && has_error,
                format!("{what} (got {} {})", reply.status, reply.body.trim()),
            );
        }
        Err(error) => report.expect(false, format!("{what} (got no answer: {error:#})")),
    }
}

/// 14-teapot: tea + pot is a business error answered 418; everything else as before.
fn teapot(dir: &Path, report: &mut Report) -> Result<()> {
    let addsvc = start_addsvc(dir)?;
    expect_error(report, &addsvc, "/concat", r#"{"a":"tea","b":"pot"}"#, 418);
    report.expect_value(
        &addsvc,
        "/concat",
        r#"{"a":"pot","b":"tea"}"#,
        json!("pottea"),
    );
    report.expect_value(&addsvc, "/sum", r#"{"a":1,"b":2}"#, json!(3));
    expect_error(report, &addsvc, "/sum", r#"{"a":0,"b":0}"#, 400);
    Ok(())
}

/// 17-optional-uppercase: without a stringsvc URL Concat is plain; with one, uppercased.
fn optional_uppercase(dir: &Path, report: &mut Report) -> Result<()> {
    let addsvc_binary = build_binary(dir, "addsvc")?;
    let alone = Service::start(&addsvc_binary, &[])?;
    report.expect_value(
        &alone,
        "/concat",
        r#"{"a":"foo","b":"bar"}"#,
        json!("foobar"),
    );
    report.expect_value(&alone, "/sum", r#"{"a":1,"b":2}"#, json!(3));
    drop(alone);

    let stringsvc = Service::start(&build_binary(dir, "stringsvc")?, &[])?;
    let wired = Service::start(&addsvc_binary, &["--stringsvc-url", &stringsvc.base_url])?;
    report.expect_value(
        &wired,
        "/concat",
        r#"{"a":"foo","b":"bar"}"#,
        json!("FOOBAR"),
    );
    Ok(())
}

/// `cargo test --offline <target…> -- <filter>` in `dir`; its success and output.
fn run_tests(dir: &Path, target: &[&str], filter: &str) -> Result<(bool, String)> {
    let output = cargo(dir)
        .args(["test", "--offline"])
        .args(target)
        .args(if filter.is_empty() {
            vec![]
        } else {
            vec!["--", filter]
        })
        .output()
        .context("could not run cargo test")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok((output.status.success(), text))
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    indent(&all[all.len().saturating_sub(lines)..].join("\n"))
}

/// The sum of "N passed" over the `test result:` lines of a cargo test run.
pub fn passed_tests(output: &str) -> u32 {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<u32>().ok())
        .sum()
}

/// 19-new-contract: the regenerated pact holds an interaction beyond step 19's, with
/// matchers, and stringsvc passes its verification.
fn new_contract(dir: &Path, report: &mut Report) -> Result<()> {
    let (regenerated, output) = run_tests(dir, &["--test", "api"], "contract_consumer")?;
    report.expect(
        regenerated,
        format!(
            "the consumer test passes and writes the pact\n{}",
            tail(&output, 15)
        ),
    );
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
    report.expect(
        !new.is_empty(),
        format!(
            "the pact holds an interaction besides POST /uppercase -> 200 (it holds: {})",
            described.join("; ")
        ),
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
    let (verified, output) = run_tests(dir, &["--test", "api"], "contract_provider")?;
    report.expect(
        verified,
        format!(
            "stringsvc passes the verification of the whole pact\n{}",
            tail(&output, 25)
        ),
    );
    Ok(())
}

/// A change to one business rule that good unit tests notice.
struct Mutant {
    rule: &'static str,
    original: &'static str,
    mutated: &'static str,
}

const SERVICE_MUTANTS: [Mutant; 3] = [
    Mutant {
        rule: "Sum refuses an i64 overflow",
        original: "a.checked_add(b).ok_or(ServiceError::IntegerOverflow)",
        mutated: "Ok(a.wrapping_add(b))",
    },
    Mutant {
        rule: "Sum refuses two zeroes",
        original: "if a == 0 && b == 0 {",
        mutated: "if a == 0 && b == 0 && a != b {",
    },
    Mutant {
        rule: "Concat allows exactly MAX_CONCAT_LEN bytes, no more",
        original: "if a.len() + b.len() > MAX_CONCAT_LEN {",
        mutated: "if a.len() + b.len() > MAX_CONCAT_LEN + 1 {",
    },
];

/// 19-unit-tests: unit tests of the business rules in src/service.rs exist, pass, and
/// fail when a rule is broken. The check copies the tree, breaks one rule at a time
/// (a mutant) and runs the service's unit tests on each copy: a mutant that survives
/// is a rule no test guards.
fn unit_tests(dir: &Path, report: &mut Report) -> Result<()> {
    let copy = std::env::temp_dir().join(format!("workshop-mutants-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    copy_tree(dir, &copy)?;
    let result = check_mutants(&copy, report);
    let _ = std::fs::remove_dir_all(&copy);
    result
}

fn check_mutants(copy: &Path, report: &mut Report) -> Result<()> {
    let result = run_mutants(copy, report);
    // The copy shares the target dir, and cargo judges freshness by file times: leave the
    // artifacts built from the attendee's code, not from the last mutant.
    run_tests(copy, &["--lib", "--no-run"], "")?;
    result
}

fn run_mutants(copy: &Path, report: &mut Report) -> Result<()> {
    const FILTER: &str = "service::";
    let (passed, output) = run_tests(copy, &["--lib"], FILTER)?;
    let count = passed_tests(&output);
    report.expect(
        passed && count >= 3,
        format!(
            "at least 3 unit tests under src/service.rs ({FILTER}…) pass: {count} passed{}",
            if passed {
                String::new()
            } else {
                format!("\n{}", tail(&output, 20))
            }
        ),
    );
    if !passed || count < 3 {
        return Ok(());
    }
    let service_rs = copy.join("src/service.rs");
    let pristine = series::read(&service_rs)?;
    for mutant in &SERVICE_MUTANTS {
        if !pristine.contains(mutant.original) {
            report.expect(
                false,
                format!(
                    "mutant for \"{}\": `{}` is no longer in src/service.rs; keep the rule's code as it was and test it",
                    mutant.rule, mutant.original
                ),
            );
            continue;
        }
        std::fs::write(
            &service_rs,
            pristine.replacen(mutant.original, mutant.mutated, 1),
        )?;
        let (survived, _) = run_tests(copy, &["--lib"], FILTER)?;
        report.expect(
            !survived,
            format!(
                "breaking \"{}\" (`{}` -> `{}`) makes a unit test fail",
                mutant.rule, mutant.original, mutant.mutated
            ),
        );
    }
    std::fs::write(&service_rs, pristine)?;
    Ok(())
}

/// Copies what a build of the workspace needs: the attendee's working files as they are.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for entry in [
        "Cargo.toml",
        "Cargo.lock",
        ".cargo",
        "src",
        "tests",
        "xtask/Cargo.toml",
        "xtask/src",
    ] {
        let source = from.join(entry);
        if source.exists() {
            copy_recursively(&source, &to.join(entry))?;
        }
    }
    Ok(())
}

fn copy_recursively(from: &Path, to: &Path) -> Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_recursively(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from, to).with_context(|| format!("could not copy {}", from.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPOSITION: &str = "# TYPE x_seconds histogram\n\
        x_seconds_count{method=\"sum\",success=\"true\"} 2\n\
        x_seconds_count{method=\"sum\",success=\"false\"} 1\n\
        x_seconds_count{method=\"concat\",success=\"true\"} 5\n\
        in_flight 0\n";

    #[test]
    fn samples_are_summed_over_matching_series() {
        assert_eq!(
            sample_sum(EXPOSITION, "x_seconds_count", &[r#"method="sum""#]),
            Some(3.0)
        );
        assert_eq!(sample_sum(EXPOSITION, "in_flight", &[]), Some(0.0));
        assert_eq!(sample_sum(EXPOSITION, "x_seconds", &[]), None);
        assert_eq!(metric_type(EXPOSITION, "x_seconds"), Some("histogram"));
    }

    #[test]
    fn fields_match_logfmt_and_json() {
        assert!(has_field(
            "ts=1 request_id=abc method=sum",
            "request_id",
            "abc"
        ));
        assert!(has_field(r#"ts=1 request_id="abc""#, "request_id", "abc"));
        assert!(has_field(r#"{"request_id":"abc"}"#, "request_id", "abc"));
        assert!(!has_field("ts=1 request_id=abcd", "request_id", "abc"));
        assert!(!has_field("ts=1 xrequest_id=abc", "request_id", "abc"));
    }

    #[test]
    fn uuid_v4_shape() {
        assert!(is_uuid_v4("0b7f1a6e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"));
        assert!(!is_uuid_v4("0b7f1a6e-2c3d-1e5f-8a9b-0c1d2e3f4a5b"));
        assert!(!is_uuid_v4("not-a-uuid"));
    }
}
