//! Whether a request a consumer really sent is one a pact's interaction describes: the
//! request body judged by the interaction's matching rules, as Pact's V3 specification
//! defines them for values. Only what check 19-new-contract needs: JSON bodies, rules on
//! fields by `$.name` paths.

use regex::Regex;
use serde_json::Value;

/// True when `sent` has the interaction's method and path and a body every field of the
/// interaction's example matches: by the field's rule where it has one, exactly otherwise.
pub fn describes(interaction: &Value, method: &str, path: &str, sent: &Value) -> bool {
    let request = &interaction["request"];
    if request["method"] != method || request["path"] != path {
        return false;
    }
    let rules = &request["matchingRules"]["body"];
    fields_match("$", &request["body"], sent, rules)
}

/// `expected` is the interaction's example at `at`; `sent` the value there in the request.
fn fields_match(at: &str, expected: &Value, sent: &Value, rules: &Value) -> bool {
    if let Some(matchers) = rules[at]["matchers"].as_array() {
        let all = rules[at]["combine"] != "OR";
        let mut results = matchers
            .iter()
            .map(|rule| rule_matches(rule, expected, sent));
        return if all {
            results.all(|ok| ok)
        } else {
            results.any(|ok| ok)
        };
    }
    match (expected, sent) {
        (Value::Object(fields), Value::Object(sent_fields)) => {
            fields.iter().all(|(name, value)| {
                sent_fields.get(name).is_some_and(|sent_value| {
                    fields_match(&format!("{at}.{name}"), value, sent_value, rules)
                })
            })
        }
        _ => expected == sent,
    }
}

/// One matcher of Pact's V3 specification applied to a sent value.
fn rule_matches(rule: &Value, expected: &Value, sent: &Value) -> bool {
    match rule["match"].as_str().unwrap_or("type") {
        "regex" => match (rule["regex"].as_str(), sent) {
            (Some(pattern), Value::String(text)) => whole_match(pattern, text),
            (Some(pattern), Value::Number(number)) => whole_match(pattern, &number.to_string()),
            _ => false,
        },
        "include" => match (rule["value"].as_str(), sent) {
            (Some(part), Value::String(text)) => text.contains(part),
            _ => false,
        },
        "equality" => expected == sent,
        "integer" => sent.is_i64() || sent.is_u64(),
        "decimal" => sent.is_f64(),
        "number" => sent.is_number(),
        "boolean" => sent.is_boolean(),
        "null" => sent.is_null(),
        // "type", with or without min/max: the same JSON type as the example.
        _ => same_type(expected, sent),
    }
}

/// Pact (with Oniguruma) matches a pattern against the whole value, not a part of it. A
/// pattern the regex crate cannot read matches nothing.
fn whole_match(pattern: &str, text: &str) -> bool {
    Regex::new(&format!("^(?:{pattern})$")).is_ok_and(|regex| regex.is_match(text))
}

fn same_type(expected: &Value, sent: &Value) -> bool {
    std::mem::discriminant(expected) == std::mem::discriminant(sent)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn interaction(body: Value, rules: Value) -> Value {
        json!({"request": {
            "method": "POST", "path": "/uppercase", "body": body,
            "matchingRules": {"body": rules}
        }})
    }

    fn sends(interaction: &Value, s: &str) -> bool {
        describes(interaction, "POST", "/uppercase", &json!({ "s": s }))
    }

    fn regex(pattern: &str) -> Value {
        json!({"$.s": {"combine": "AND", "matchers": [{"match": "regex", "regex": pattern}]}})
    }

    #[test]
    fn a_field_with_a_regex_matches_the_values_the_pattern_matches_whole() {
        let non_empty = interaction(json!({"s": "foobar"}), regex("^.+$"));
        assert!(sends(&non_empty, "straße"));
        assert!(!sends(&non_empty, ""));
        assert!(!describes(&non_empty, "POST", "/upper", &json!({"s": "x"})));
        let one_char = interaction(json!({"s": "ß"}), regex("[^\\x00-\\x7F]"));
        assert!(sends(&one_char, "ß"));
        assert!(!sends(&one_char, "aß"));
        let beyond_ascii = interaction(json!({"s": "straße"}), regex(".*[^\\x00-\\x7F].*"));
        assert!(sends(&beyond_ascii, "aß"));
        assert!(!sends(&beyond_ascii, "ab"));
    }

    #[test]
    fn a_field_without_a_rule_must_be_the_example_and_a_type_rule_any_string() {
        let exact = interaction(json!({"s": ""}), json!({}));
        assert!(sends(&exact, ""));
        assert!(!sends(&exact, "a"));
        let typed = interaction(
            json!({"s": "x"}),
            json!({"$.s": {"matchers": [{"match": "type"}]}}),
        );
        assert!(sends(&typed, "anything"));
        assert!(!describes(&typed, "POST", "/uppercase", &json!({"s": 1})));
        assert!(!describes(&typed, "POST", "/uppercase", &json!({})));
    }
}
