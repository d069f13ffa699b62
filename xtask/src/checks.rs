//! `cargo workshop check NN-slug`: black-box checks of the exercises. Each check builds the
//! attendee's code, starts the service and judges it only by what it answers and prints,
//! so any correct solution passes, whatever its internal names.

use std::fmt::Display;
use std::path::Path;

use anyhow::Result;
use serde_json::{Value, json};

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
