//! Checks judged by what addsvc logs: 10-transport-logger and 11-request-id. Each starts
//! addsvc once per log format: a line printed past the structured logger (with `eprintln!`,
//! say) can be made to look like logfmt, but it has no timestamp, and it is not JSON when
//! addsvc is asked for JSON.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::json;

use super::log_fields::{has_field, is_logfmt_record, json_record};
use super::report::{Report, indent};
use super::start;
use crate::http::http_agent;
use crate::service::{Service, build_binary};

/// Bodies the transport cannot decode, each refused before any endpoint runs:
/// (what it is, its content type, the body, words of the error the decoder gives).
const UNDECODABLE: [(&str, &str, &str, &str); 3] = [
    (
        "a body cut short",
        "application/json",
        r#"{"a":1,"#,
        "EOF while parsing",
    ),
    (
        "a string where a number belongs",
        "application/json",
        r#"{"a":"one","b":2}"#,
        "invalid type: string",
    ),
    (
        "a body sent as text/plain",
        "text/plain",
        r#"{"a":1,"b":2}"#,
        "Content type error",
    ),
];

/// 10-transport-logger: every kind of body that fails to decode gives a line of the
/// structured logger with transport=HTTP and the decoder's error, in logfmt and in JSON.
pub fn transport_logger(dir: &Path, report: &mut Report) -> Result<()> {
    let binary = build_binary(dir, "addsvc")?;
    let addsvc = start(&binary, &[], &[])?;
    for (what, content_type, body, words) in UNDECODABLE {
        let offset = addsvc.output().len();
        let status = post_as(&addsvc, "/sum", content_type, body)?;
        report.expect(
            status == 400,
            format!("{what} still answers 400 (got {status})"),
        );
        let is_decode_line = |line: &str| {
            is_logfmt_record(line) && has_field(line, "transport", "HTTP") && line.contains(words)
        };
        let output = addsvc.output_after(offset, |new| new.lines().any(is_decode_line));
        report.expect(
            output.lines().any(is_decode_line),
            format!(
                "{what}: a logfmt line of the logger (ts=… level=…) with transport=HTTP and the \
                 decode error (\"{words} …\"); new lines were:\n{}",
                indent(&output)
            ),
        );
    }
    report.expect_value(&addsvc, "/sum", r#"{"a":1,"b":2}"#, json!(3));
    drop(addsvc);

    let addsvc = start(&binary, &["--log-format", "json"], &[])?;
    let (what, content_type, body, words) = UNDECODABLE[0];
    let offset = addsvc.output().len();
    post_as(&addsvc, "/sum", content_type, body)?;
    let is_decode_record = |line: &str| {
        json_record(line).is_some_and(|fields| {
            fields.get("transport") == Some(&json!("HTTP"))
                && fields
                    .values()
                    .any(|value| value.as_str().is_some_and(|text| text.contains(words)))
        })
    };
    let output = addsvc.output_after(offset, |new| new.lines().any(is_decode_record));
    report.expect(
        output.lines().any(is_decode_record),
        format!(
            "with --log-format json, {what} gives a JSON line with \"transport\":\"HTTP\" and \
             the decode error; new lines were:\n{}",
            indent(&output)
        ),
    );
    Ok(())
}

/// The ID the check sends; any value the client picks must come back as is.
const SENT_ID: &str = "workshop-check-7f3a";

/// 11-request-id: X-Request-ID is taken or made (a new one per request), echoed on every
/// answer, errors included, and on every line of the request, in logfmt and in JSON.
pub fn request_id(dir: &Path, report: &mut Report) -> Result<()> {
    let binary = build_binary(dir, "addsvc")?;
    let addsvc = start(&binary, &[], &[])?;
    let mut made = Vec::new();
    for sent in [Some(SENT_ID), None, None] {
        let (echoed, output) = sum_with_id(&addsvc, sent)?;
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
        let lines = non_empty_lines(&output);
        report.expect(
            !lines.is_empty()
                && !echoed.is_empty()
                && lines
                    .iter()
                    .all(|line| is_logfmt_record(line) && has_field(line, "request_id", &echoed)),
            format!(
                "every line of the request is a logfmt line of the logger (ts=… level=…) with \
                 request_id={echoed}; they were:\n{}",
                indent(&output)
            ),
        );
        if sent.is_none() {
            made.push(echoed);
        }
    }
    report.expect(
        made[0] != made[1],
        format!(
            "two requests without X-Request-ID get two different IDs (got {} and {})",
            made[0], made[1]
        ),
    );
    let refused = [
        (
            "an overflowing Sum, refused by the endpoint",
            r#"{"a":9223372036854775807,"b":1}"#,
        ),
        ("a body that cannot be decoded", r#"{"a":1,"#),
    ];
    for (number, (what, body)) in refused.into_iter().enumerate() {
        let id = format!("{SENT_ID}-error-{number}");
        let reply = addsvc.post_json_with_headers("/sum", body, &[("x-request-id", &id)])?;
        let echoed = reply.header("x-request-id").unwrap_or_default();
        report.expect(
            echoed == id,
            format!(
                "{what} (answered {}) echoes X-Request-ID: {id} too (got {echoed:?})",
                reply.status
            ),
        );
    }
    drop(addsvc);

    let addsvc = start(&binary, &[], &[("ADDSVC_LOG_FORMAT", "json")])?;
    let (_, output) = sum_with_id(&addsvc, Some(SENT_ID))?;
    let lines = non_empty_lines(&output);
    report.expect(
        !lines.is_empty()
            && lines.iter().all(|line| {
                json_record(line)
                    .is_some_and(|fields| fields.get("request_id") == Some(&json!(SENT_ID)))
            }),
        format!(
            "with ADDSVC_LOG_FORMAT=json, every line of the request is a JSON line with \
             \"request_id\":\"{SENT_ID}\"; they were:\n{}",
            indent(&output)
        ),
    );
    Ok(())
}

/// POSTs a Sum, with `id` as its X-Request-ID when there is one; returns the ID the answer
/// echoes and what addsvc printed for the request.
fn sum_with_id(addsvc: &Service, id: Option<&str>) -> Result<(String, String)> {
    let offset = addsvc.output().len();
    let headers: Vec<(&str, &str)> = id.map(|id| ("x-request-id", id)).into_iter().collect();
    let reply = addsvc.post_json_with_headers("/sum", r#"{"a":1,"b":2}"#, &headers)?;
    let echoed = reply.header("x-request-id").unwrap_or_default().to_owned();
    // Wait for the request's lines, then a little longer for stragglers.
    addsvc.output_after(offset, |new| new.lines().count() >= 2);
    std::thread::sleep(Duration::from_millis(300));
    Ok((echoed, addsvc.output_after(offset, |_| true)))
}

fn non_empty_lines(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect()
}

/// POSTs `body` to `path` as `content_type`; the status of the answer.
fn post_as(service: &Service, path: &str, content_type: &str, body: &str) -> Result<u16> {
    let agent = http_agent();
    let response = agent
        .post(format!("{}{path}", service.base_url))
        .header("content-type", content_type)
        .send(body)
        .with_context(|| format!("no HTTP answer for {path}"))?;
    Ok(response.status().as_u16())
}

fn is_uuid_v4(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok_and(|id| id.get_version_num() == 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_version_4_uuids_count() {
        assert!(is_uuid_v4("0b7f1a6e-2c3d-4e5f-8a9b-0c1d2e3f4a5b"));
        assert!(!is_uuid_v4("0b7f1a6e-2c3d-1e5f-8a9b-0c1d2e3f4a5b"));
        assert!(!is_uuid_v4("not-a-uuid"));
        assert!(!is_uuid_v4(""));
    }
}
