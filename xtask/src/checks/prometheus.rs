//! Reading the Prometheus text exposition that `/metrics` answers.

/// The sum of the samples of `name` (exactly, not its `_bucket` and friends) whose labels
/// contain every one of `labels`; None when there is no such sample.
pub fn sample_sum(exposition: &str, name: &str, labels: &[&str]) -> Option<f64> {
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

/// The type a `# TYPE name …` line declares for `name`.
pub fn metric_type<'a>(exposition: &'a str, name: &str) -> Option<&'a str> {
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(&format!("# TYPE {name} ")))
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
}
