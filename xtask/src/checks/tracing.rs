//! The check of exercise 20: one request is one trace, across both services. It judges only
//! the spans the services export over OTLP, whatever code produced them.

use std::path::Path;

use anyhow::Result;
use serde_json::json;

use super::report::Report;
use crate::traces::start_traced;
use harness::otlp::{ReceivedSpan, Receiver, SpanKind};

/// 20-trace-across-services: a Concat through addsvc and stringsvc exports one trace, in
/// which stringsvc's server span is the child of addsvc's client span.
pub fn trace_across_services(dir: &Path, report: &mut Report) -> Result<()> {
    let receiver = Receiver::start()?;
    let (mut addsvc, mut stringsvc) = start_traced(dir, &receiver)?;
    let body = r#"{"a":"foo","b":"bar"}"#;
    report.expect_value(&addsvc, "/concat", body, json!("FOOBAR"));
    // Spans are exported in batches: a service sends the last ones as it stops.
    addsvc.terminate()?;
    stringsvc.terminate()?;
    judge(&receiver.spans(), report);
    Ok(())
}

fn judge(spans: &[ReceivedSpan], report: &mut Report) {
    let client = spans
        .iter()
        .find(|span| span.service == "addsvc" && span.kind == SpanKind::Client);
    report.expect(
        client.is_some(),
        "addsvc exported a client span for its call to stringsvc",
    );
    let Some(client) = client else { return };
    let trace = &client.trace_id;
    let (in_trace, elsewhere): (Vec<&ReceivedSpan>, Vec<&ReceivedSpan>) = spans
        .iter()
        .filter(|span| span.service == "stringsvc")
        .partition(|span| &span.trace_id == trace);
    report.expect(
        !in_trace.is_empty(),
        format!(
            "stringsvc exported spans in addsvc's trace {trace} (there: {}; in other traces: {})",
            names(&in_trace),
            names(&elsewhere)
        ),
    );
    let continued = spans.iter().any(|span| {
        span.service == "stringsvc"
            && span.kind == SpanKind::Server
            && &span.trace_id == trace
            && span.parent_span_id == client.span_id
    });
    report.expect(
        continued,
        format!(
            "stringsvc's server span is the child of addsvc's client span {}",
            client.span_id
        ),
    );
}

/// The names of `spans`, for a verdict: `none` when there are none.
fn names(spans: &[&ReceivedSpan]) -> String {
    if spans.is_empty() {
        return "none".to_owned();
    }
    let names: Vec<&str> = spans.iter().map(|span| span.name.as_str()).collect();
    names.join(", ")
}
