//! Reading fields off the log lines a service prints, in logfmt or JSON.

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
}
