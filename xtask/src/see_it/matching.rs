//! Whether what a terminal printed is what a See it block shows.
//!
//! Expected lines are found in order among the printed ones, others may come between. A line
//! matches when it is equal, leading and trailing spaces aside, where `…` stands for any run
//! of characters (so a line ending in `…` is a prefix). A logfmt line (`key=value …`) also
//! matches a printed line that has every field it shows, in any order: slog writes a
//! record's fields last to first, and a reader should not have to care.

/// Any run of characters.
const ANY: char = '…';

/// Finds `expected` in order among `printed`. Ok: how many printed lines the matches used
/// up; Err: the index of the first expected line not found.
pub fn in_order(expected: &[String], printed: &[String]) -> Result<usize, usize> {
    let mut used = 0;
    for (index, wanted) in expected.iter().enumerate() {
        match printed[used..]
            .iter()
            .position(|line| matches(wanted, line))
        {
            Some(at) => used += at + 1,
            None => return Err(index),
        }
    }
    Ok(used)
}

pub fn matches(expected: &str, printed: &str) -> bool {
    let (expected, printed) = (expected.trim(), printed.trim());
    glob(expected, printed) || same_fields(expected, printed)
}

/// `pattern` equals `text`, where each `…` in it stands for any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split(ANY);
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// Both lines are logfmt, and each field of `expected` is in `printed` with a value that
/// matches (quotes included: `a="1"` is not `a=1`).
fn same_fields(expected: &str, printed: &str) -> bool {
    let (Some(wanted), Some(found)) = (fields(expected), fields(printed)) else {
        return false;
    };
    wanted.iter().all(|(key, value)| {
        found
            .iter()
            .any(|(found_key, found_value)| found_key == key && glob(value, found_value))
    })
}

/// The `key=value` pairs of a logfmt line, values as written; None when a word is not one.
fn fields(line: &str) -> Option<Vec<(&str, &str)>> {
    let mut fields = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let is_key = |c: char| c.is_ascii_alphanumeric() || "_.-".contains(c);
        if key.is_empty() || !key.chars().all(is_key) {
            return None;
        }
        let length = if after.starts_with('"') {
            quoted_length(after)?
        } else {
            after.find(' ').unwrap_or(after.len())
        };
        fields.push((key, &after[..length]));
        rest = after[length..].trim_start();
    }
    (!fields.is_empty()).then_some(fields)
}

/// The length of the quoted string `text` starts with, quotes included.
fn quoted_length(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (at, c) in text.char_indices().skip(1) {
        match c {
            '"' if !escaped => return Some(at + 1),
            '\\' if !escaped => escaped = true,
            _ => escaped = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ellipsis_stands_for_any_run_of_characters() {
        assert!(matches("{\"v\":3}", "{\"v\":3}"));
        assert!(matches(
            "HTTP/1.1 400 Bad Request",
            "HTTP/1.1 400 Bad Request\r"
        ));
        assert!(matches(
            "{\"error\":\"invalid request: EOF while parsing …\"}",
            "{\"error\":\"invalid request: EOF while parsing an object at line 1 column 6\"}"
        ));
        assert!(matches("\"consumer\": {", "  \"consumer\": {"));
        assert!(matches("a…b…c", "abc"));
        assert!(!matches("{\"v\":3}", "{\"v\":30}"));
        assert!(!matches("a…b…c", "acb"));
        assert!(!matches("abc…", "ab"));
    }

    #[test]
    fn a_logfmt_line_matches_its_fields_in_any_order() {
        let printed = "ts=2026-05-01T10:00:00Z level=INFO msg=called method=sum b=2 a=1 v=3";
        assert!(matches(
            "ts=… level=INFO msg=called method=sum a=1 b=2 v=3",
            printed
        ));
        assert!(matches("ts=… msg=called a=1", printed));
        assert!(!matches("ts=… level=WARN msg=called a=1", printed));
        assert!(!matches("ts=… level=INFO msg=called a=1 took=…", printed));
        assert!(!matches("ts=… level=INFO msg=called a=2", printed));
    }

    #[test]
    fn quoted_values_keep_their_quotes() {
        let printed = r#"ts=1 level=INFO msg="service=add method=sum a=1" v="x yz" a="x y""#;
        assert!(matches(
            r#"ts=… level=INFO msg="service=add method=sum a=1""#,
            printed
        ));
        assert!(matches(r#"v="x yz" a="x …""#, printed));
        assert!(!matches("v=x", printed));
        assert!(!matches(r#"a="1""#, "a=1 b=2"));
    }

    #[test]
    fn lines_that_are_not_logfmt_match_only_as_written() {
        let metric = r#"addsvc_request_duration_seconds_count{method="sum",success="true"} 1"#;
        assert!(matches(metric, metric));
        assert!(!matches(
            metric,
            r#"addsvc_request_duration_seconds_count{success="true",method="sum"} 1"#
        ));
        assert_eq!(fields("test a::b ... ok"), None);
    }

    #[test]
    fn expected_lines_are_found_in_order() {
        let printed: Vec<String> = ["a", "x", "b", "c"].map(String::from).to_vec();
        let expected =
            |lines: &[&str]| -> Vec<String> { lines.iter().map(|line| line.to_string()).collect() };
        assert_eq!(in_order(&expected(&["a", "b"]), &printed), Ok(3));
        assert_eq!(in_order(&expected(&[]), &printed), Ok(0));
        assert_eq!(in_order(&expected(&["b", "a"]), &printed), Err(1));
        assert_eq!(in_order(&expected(&["z"]), &printed), Err(0));
    }
}
