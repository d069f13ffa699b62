//! Reading fields off the log lines a service prints, in logfmt or JSON, and telling the
//! lines of its structured logger from text printed past it.

use serde_json::{Map, Value};

/// Whether a log line has the field `key` = `value`: `key=value` or `key="value"` in logfmt,
/// `"key":"value"` in JSON; `request_id=abcd` is not `request_id=abc`.
pub fn has_field(line: &str, key: &str, value: &str) -> bool {
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

/// Whether a log line has a field named `key`, whatever its value: `key=…` in logfmt,
/// `"key":…` in JSON.
pub fn has_key(line: &str, key: &str) -> bool {
    let logfmt = format!("{key}=");
    line.match_indices(&logfmt)
        .any(|(start, _)| start == 0 || line[..start].ends_with(' '))
        || line.contains(&format!("\"{key}\":"))
}

/// Whether a line was written by the root logger in logfmt: every such line starts with
/// its timestamp and has a level; text printed with `eprintln!` has neither unless faked.
pub fn is_logfmt_record(line: &str) -> bool {
    line.starts_with("ts=") && has_key(line, "level")
}

/// The fields of a line written by the root logger in JSON: an object with the keys
/// every such line has (`ts`, `level`, `msg`). None for anything else, logfmt included.
pub fn json_record(line: &str) -> Option<Map<String, Value>> {
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(line) else {
        return None;
    };
    ["ts", "level", "msg"]
        .iter()
        .all(|key| fields.contains_key(*key))
        .then_some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn keys_match_whole_names() {
        assert!(has_key(r#"ts=1 a=tea error="I'm a teapot""#, "error"));
        assert!(has_key(r#"{"error":"x"}"#, "error"));
        assert!(!has_key("ts=1 endpoint_error=x", "error"));
        assert!(!has_key("ts=1 v=3", "error"));
    }

    #[test]
    fn only_the_root_loggers_lines_are_records() {
        assert!(is_logfmt_record(
            "ts=2026-01-01T00:00:00Z level=WARN msg=decode"
        ));
        assert!(!is_logfmt_record("level=WARN msg=decode transport=HTTP"));
        assert!(!is_logfmt_record("request_id=abc path=/sum"));
        let json =
            r#"{"ts":"2026-01-01T00:00:00Z","level":"WARN","msg":"decode","transport":"HTTP"}"#;
        assert_eq!(json_record(json).unwrap()["transport"], "HTTP");
        assert!(json_record(r#"{"transport":"HTTP"}"#).is_none());
        assert!(json_record("ts=1 level=INFO msg=called").is_none());
    }
}
