//! Check 07-inflight-or-duration, judged by what `/metrics` exposes.

use std::path::Path;

use anyhow::Result;

use super::prometheus::{metric_type, sample_sum};
use super::report::Report;
use super::start_addsvc;

/// 07-inflight-or-duration: an in-flight gauge back at rest, or a service-duration
/// histogram by method whose count follows the calls.
pub fn inflight_or_duration(dir: &Path, report: &mut Report) -> Result<()> {
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
