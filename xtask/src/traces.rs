//! `cargo workshop traces`: the tracing demo. Starts an OTLP receiver, runs stringsvc and
//! addsvc exporting to it, sends a Sum and a Concat, stops both services (they send their last
//! spans as they stop) and prints each trace as a waterfall: which service did what, when,
//! for how long.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Result, bail};

use crate::proof::Proof;
use crate::service::{Service, build_binary};
use harness::otlp::{ReceivedSpan, Receiver, SpanKind};

/// Width of the widest bar: the whole trace.
const BAR_WIDTH: u64 = 40;

/// Runs the demo on the tree at `dir` and returns every span received.
pub fn run(dir: &Path) -> Result<Vec<ReceivedSpan>> {
    let receiver = Receiver::start()?;
    let (mut addsvc, mut stringsvc) = start_traced(dir, &receiver)?;
    println!("OTLP receiver at {}", receiver.endpoint);
    for (path, body) in [
        ("/sum", r#"{"a":1,"b":2}"#),
        ("/concat", r#"{"a":"foo","b":"bar"}"#),
    ] {
        let reply = addsvc.post_json(path, body)?;
        println!(
            "POST {path} {body} -> {} {}",
            reply.status,
            reply.body.trim()
        );
    }
    // Spans leave in batches; each service sends what it still holds as it stops.
    addsvc.terminate()?;
    stringsvc.terminate()?;
    let spans = receiver.spans();
    if spans.is_empty() {
        bail!("no spans received: is this tree at step 20 or later?");
    }
    print_counts(&spans);
    for (trace_id, trace) in by_trace(&spans) {
        print_waterfall(&trace_id, &trace);
    }
    Ok(spans)
}

/// stringsvc, and addsvc calling it, both built from `dir` and exporting their spans to
/// `receiver` under their own service names.
pub fn start_traced(dir: &Path, receiver: &Receiver) -> Result<(Service, Service)> {
    let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.as_str());
    let addsvc_binary = build_binary(dir, "addsvc")?;
    let stringsvc = Service::start_with_env(
        &build_binary(dir, "stringsvc")?,
        &[],
        &[endpoint, ("OTEL_SERVICE_NAME", "stringsvc")],
    )?;
    let addsvc = Service::start_with_env(
        &addsvc_binary,
        &["--stringsvc-url", &stringsvc.base_url],
        &[endpoint, ("OTEL_SERVICE_NAME", "addsvc")],
    )?;
    Ok((addsvc, stringsvc))
}

fn print_counts(spans: &[ReceivedSpan]) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for span in spans {
        *counts.entry(span.service.as_str()).or_default() += 1;
    }
    let counts: Vec<String> = counts
        .iter()
        .map(|(service, count)| format!("{service}: {count}"))
        .collect();
    println!("\nspans received, by service: {}", counts.join(", "));
}

/// The spans grouped by trace, each trace in order of its first span.
fn by_trace(spans: &[ReceivedSpan]) -> Vec<(String, Vec<&ReceivedSpan>)> {
    let mut traces: Vec<(String, Vec<&ReceivedSpan>)> = Vec::new();
    let mut sorted: Vec<&ReceivedSpan> = spans.iter().collect();
    sorted.sort_by_key(|span| span.start_unix_nano);
    for span in sorted {
        match traces.iter_mut().find(|(id, _)| *id == span.trace_id) {
            Some((_, members)) => members.push(span),
            None => traces.push((span.trace_id.clone(), vec![span])),
        }
    }
    traces
}

/// One line per span, children under their parent and indented, each with its start
/// offset and duration and a bar drawn to the trace's scale.
fn print_waterfall(trace_id: &str, spans: &[&ReceivedSpan]) {
    let start = spans
        .iter()
        .map(|span| span.start_unix_nano)
        .min()
        .unwrap_or(0);
    let end = spans
        .iter()
        .map(|span| span.end_unix_nano)
        .max()
        .unwrap_or(start);
    let total = end.saturating_sub(start).max(1);
    println!(
        "\ntrace {trace_id}: {} spans, {}",
        spans.len(),
        millis(total)
    );
    println!(
        "{:<10} {:<36} {:>9} {:>9}",
        "service", "span", "start", "duration"
    );
    let mut lines = Vec::new();
    // Roots: spans whose parent is not in what was received (the caller's, or none).
    for root in spans.iter().filter(|span| {
        !spans
            .iter()
            .any(|other| other.span_id == span.parent_span_id)
    }) {
        tree_lines(root, spans, 0, &mut lines);
    }
    for (depth, span) in lines {
        let offset = span.start_unix_nano.saturating_sub(start);
        let duration = span.end_unix_nano.saturating_sub(span.start_unix_nano);
        let lead = (offset * BAR_WIDTH / total) as usize;
        let width = ((duration * BAR_WIDTH).div_ceil(total)).max(1) as usize;
        let name = format!("{}{} ({:?})", "  ".repeat(depth), span.name, span.kind);
        println!(
            "{:<10} {:<36} {:>9} {:>9} {}{}",
            span.service,
            name,
            millis(offset),
            millis(duration),
            " ".repeat(lead),
            "#".repeat(width)
        );
    }
}

fn tree_lines<'a>(
    span: &'a ReceivedSpan,
    spans: &[&'a ReceivedSpan],
    depth: usize,
    lines: &mut Vec<(usize, &'a ReceivedSpan)>,
) {
    lines.push((depth, span));
    for child in spans
        .iter()
        .filter(|child| child.parent_span_id == span.span_id)
    {
        tree_lines(child, spans, depth + 1, lines);
    }
}

fn millis(nanos: u64) -> String {
    format!("{:.3} ms", nanos as f64 / 1e6)
}

/// verify's row: the demo runs, and addsvc's Concat is one trace of a server span, its
/// endpoint span and a client span for the call to stringsvc, each the child of the one before.
pub fn verdict(dir: &Path) -> Proof {
    let spans = match run(dir) {
        Ok(spans) => spans,
        Err(error) => return Proof::Failed(format!("{error:#}")),
    };
    let chained = spans.iter().any(|client| {
        client.service == "addsvc"
            && client.kind == SpanKind::Client
            && parent_of(&spans, client).is_some_and(|endpoint| {
                endpoint.kind == SpanKind::Internal
                    && parent_of(&spans, endpoint)
                        .is_some_and(|server| server.kind == SpanKind::Server)
            })
    });
    let detail = format!("{} spans received", spans.len());
    if chained {
        Proof::Held(format!("{detail}; Concat: server > endpoint > client"))
    } else {
        Proof::Failed(format!(
            "{detail}; no server > endpoint > client chain for Concat"
        ))
    }
}

fn parent_of<'a>(spans: &'a [ReceivedSpan], span: &ReceivedSpan) -> Option<&'a ReceivedSpan> {
    spans
        .iter()
        .find(|parent| parent.span_id == span.parent_span_id && parent.trace_id == span.trace_id)
}
