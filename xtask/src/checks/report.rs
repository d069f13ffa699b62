//! The verdicts of one check: each expectation printed as it is judged, failures counted.

use std::fmt::Display;

use serde_json::{Value, json};

use crate::http::Reply;
use crate::service::Service;

#[derive(Default)]
pub struct Report {
    failures: usize,
}

impl Report {
    pub fn failures(&self) -> usize {
        self.failures
    }

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
        self.expect_reply(service, path, body, &what, |reply| {
            let got = reply.json().map(|json| json["v"].clone());
            reply.status == 200 && got.as_ref().is_some_and(|v| same(v, &expected))
        });
    }

    /// POSTs `body` to `path` and expects `status` with the JSON error body every error has
    /// from step 13 on: `{"error": "…", "code": "…"}`, both non-empty.
    pub fn expect_error(&mut self, service: &Service, path: &str, body: &str, status: u16) {
        let what = format!("POST {path} {body} answers {status} with a JSON error and code");
        self.expect_reply(service, path, body, &what, |reply| {
            let non_empty = |key: &str| {
                reply
                    .json()
                    .is_some_and(|json| json[key].as_str().is_some_and(|text| !text.is_empty()))
            };
            reply.status == status && non_empty("error") && non_empty("code")
        });
    }

    /// POSTs `body` to `path` and judges the reply, quoting what came back either way.
    fn expect_reply(
        &mut self,
        service: &Service,
        path: &str,
        body: &str,
        what: &str,
        judge: impl Fn(&Reply) -> bool,
    ) {
        match service.post_json(path, body) {
            Ok(reply) => self.expect(
                judge(&reply),
                format!("{what} (got {} {})", reply.status, reply.body.trim()),
            ),
            Err(error) => self.expect(false, format!("{what} (got no answer: {error:#})")),
        }
    }
}

/// JSON equality where 10 and 10.0 are the same number. Numbers agree to 12 significant
/// digits: the same f64 arithmetic, however written, gives the same answer, while f32
/// arithmetic or a result rounded to a few decimals does not.
fn same(got: &Value, expected: &Value) -> bool {
    match (got.as_f64(), expected.as_f64()) {
        (Some(got), Some(expected)) => (got - expected).abs() <= expected.abs() * 1e-12,
        _ => got == expected,
    }
}

/// Text quoted under a verdict, indented so it reads as part of it.
pub fn indent(text: &str) -> String {
    if text.trim().is_empty() {
        return "        (nothing)".to_owned();
    }
    text.lines()
        .map(|line| format!("        {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The last `lines` lines of a command's output, indented: where its reason is.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    indent(&all[all.len().saturating_sub(lines)..].join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_compared_by_value() {
        assert!(same(&json!(10), &json!(10.0)));
        assert!(!same(&json!(10), &json!(10.5)));
        assert!(same(&json!(0.0), &json!(-0.0)));
        assert!(same(&json!(0.1 * 0.2), &json!(0.020000000000000004)));
        // What f32 arithmetic answers for 0.1 * 0.2.
        assert!(!same(&json!(0.020000001), &json!(0.1 * 0.2)));
        assert!(same(&json!("12"), &json!("12")));
        assert!(!same(&json!("10"), &json!(10)));
    }
}
