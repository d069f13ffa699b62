//! Checks judged by what addsvc logs: 10-transport-logger and 11-request-id.

use std::path::Path;

use anyhow::Result;
use serde_json::json;

use super::log_fields::has_field;
use super::report::{Report, indent};
use super::start_addsvc;

/// 10-transport-logger: a body that fails to decode gives a structured line with
/// transport=HTTP and the decoder's error.
pub fn transport_logger(dir: &Path, report: &mut Report) -> Result<()> {
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
pub fn request_id(dir: &Path, report: &mut Report) -> Result<()> {
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
