//! Check 07-inflight-or-duration, judged by what `/metrics` exposes.

use std::path::Path;

use anyhow::Result;

use super::prometheus::{metric_type, sample_sum};
use super::report::Report;
use super::start_addsvc;
use crate::service::Service;

const GAUGE: &str = "addsvc_in_flight_requests";
const HISTOGRAM: &str = "addsvc_service_duration_seconds";

/// Calls that reach the service, by method, and calls the endpoint refuses before the
/// service runs (at step 07 the service has no rules of its own: every refusal is the
/// endpoint's).
const SERVED: [(&str, &str, u32); 2] = [
    ("/sum", r#"{"a":1,"b":2}"#, 3),
    ("/concat", r#"{"a":"x","b":"y"}"#, 1),
];
const OVERFLOW: &str = r#"{"a":9223372036854775807,"b":1}"#;

/// 07-inflight-or-duration: an in-flight gauge back at rest after successes and failures,
/// or a service-duration histogram whose count per method follows the calls that reach
/// the service, and only those.
pub fn inflight_or_duration(dir: &Path, report: &mut Report) -> Result<()> {
    let addsvc = start_addsvc(dir)?;
    let before = addsvc.get("/metrics")?.body;
    for (path, body, times) in SERVED {
        for _ in 0..times {
            addsvc.post_json(path, body)?;
        }
    }
    let refused = refuse_some(&addsvc)?;
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
            format!(
                "{GAUGE} is back to 0 at rest (1 if it counts this scrape), after {refused} \
                 refused requests too: {at_rest:?}"
            ),
        );
    }
    if histogram {
        for (path, _, times) in SERVED {
            let method = &path[1..];
            let label = format!(r#"method="{method}""#);
            let count = |exposition: &str| {
                sample_sum(exposition, &format!("{HISTOGRAM}_count"), &[&label]).unwrap_or(0.0)
            };
            let grew = count(&after) - count(&before);
            report.expect(
                grew == f64::from(times),
                format!(
                    "{HISTOGRAM}_count{{{label}}} grows by {times}, one per call that reaches \
                     the service, none for the calls the endpoint refuses (grew by {grew})"
                ),
            );
        }
    }
    Ok(())
}

/// Sends requests the endpoints refuse with 400 before calling the service; how many.
fn refuse_some(addsvc: &Service) -> Result<usize> {
    let too_long = format!(r#"{{"a":"{}","b":"x"}}"#, "x".repeat(1024));
    let refusals = [
        ("/sum", OVERFLOW),
        ("/sum", OVERFLOW),
        ("/concat", &too_long),
    ];
    for (path, body) in refusals {
        addsvc.post_json(path, body)?;
    }
    Ok(refusals.len())
}
