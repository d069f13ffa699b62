//! The load demo's results: one table, the ratios to the bare handler, the connections to
//! stringsvc, and one sentence per target that an instructor can read aloud.

use super::wrk::{Report, Settings};
use crate::procfs::Connections;

/// What one service process used while serving a target.
pub struct ProcessUse {
    pub name: &'static str,
    pub peak_rss_bytes: Option<u64>,
    /// CPU time during the wrk run.
    pub cpu_seconds: Option<f64>,
    /// Lines logged during the sequential requests before the wrk run.
    pub low_load_lines: u64,
    /// Lines logged during the wrk run.
    pub load_lines: u64,
}

/// The most TCP connections from addsvc to stringsvc seen in any of `samples` looks.
pub struct ConnectionSamples {
    pub most: Connections,
    pub samples: usize,
}

pub struct Measurement {
    pub target: &'static str,
    pub wrk: Report,
    pub low_load_requests: u64,
    pub processes: Vec<ProcessUse>,
    pub connections_to_stringsvc: Option<ConnectionSamples>,
}

impl Measurement {
    fn cpu_micros_per_request(&self, process: &ProcessUse) -> Option<f64> {
        Some(process.cpu_seconds? * 1e6 / self.wrk.requests.max(1) as f64)
    }

    fn total_cpu_micros_per_request(&self) -> Option<f64> {
        self.processes
            .iter()
            .map(|process| self.cpu_micros_per_request(process))
            .sum()
    }

    fn low_load_lines_per_request(&self, process: &ProcessUse) -> f64 {
        process.low_load_lines as f64 / self.low_load_requests.max(1) as f64
    }

    fn load_lines_per_request(&self, process: &ProcessUse) -> f64 {
        process.load_lines as f64 / self.wrk.requests.max(1) as f64
    }

    fn errors(&self) -> u64 {
        self.wrk.non_2xx + self.wrk.socket_errors
    }
}

pub struct Results {
    pub bare_sum: Measurement,
    pub addsvc_sum: Measurement,
    /// The bare two-hop (a bare handler calling another's /uppercase); None before step 15.
    pub bare_concat: Option<Measurement>,
    /// None before step 15.
    pub addsvc_concat: Option<Measurement>,
}

pub fn print(results: &Results, settings: &Settings) {
    let measurements: Vec<&Measurement> = [&results.bare_sum, &results.addsvc_sum]
        .into_iter()
        .chain(&results.bare_concat)
        .chain(&results.addsvc_concat)
        .collect();
    println!(
        "\nwrk -t1 -c{} -d{}s, release builds, loopback only:\n",
        settings.connections, settings.seconds
    );
    print_table(&measurements);
    print_ratios(results);
    if let Some(concat) = &results.addsvc_concat {
        print_connections(concat);
    }
    println!("\nRead aloud:");
    for measurement in &measurements {
        println!("  {}", read_aloud(measurement, &results.bare_sum));
    }
}

fn print_table(measurements: &[&Measurement]) {
    println!(
        "{:<15} {:>9} {:>9} {:>9} {:>7}  {:<12} {:>10} {:>9}  {:>20}",
        "", "", "", "", "", "", "", "CPU", "log lines/request"
    );
    println!(
        "{:<15} {:>9} {:>9} {:>9} {:>7}  {:<12} {:>10} {:>9}  {:>9} {:>10}",
        "target",
        "req/s",
        "p50",
        "p99",
        "errors",
        "process",
        "peak RSS",
        "µs/req",
        "low load",
        "under load"
    );
    for measurement in measurements {
        for (index, process) in measurement.processes.iter().enumerate() {
            let (target, rate, p50, p99, errors) = if index == 0 {
                (
                    measurement.target.to_owned(),
                    thousands(measurement.wrk.requests_per_second.round() as u64),
                    milliseconds(measurement.wrk.p50),
                    milliseconds(measurement.wrk.p99),
                    measurement.errors().to_string(),
                )
            } else {
                Default::default()
            };
            println!(
                "{:<15} {:>9} {:>9} {:>9} {:>7}  {:<12} {:>10} {:>9}  {:>9.2} {:>10.2}",
                target,
                rate,
                p50,
                p99,
                errors,
                process.name,
                process
                    .peak_rss_bytes
                    .map(|bytes| format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0)))
                    .unwrap_or_else(|| "n/a".to_owned()),
                one_decimal(measurement.cpu_micros_per_request(process)),
                measurement.low_load_lines_per_request(process),
                measurement.load_lines_per_request(process),
            );
        }
        if measurement.processes.len() > 1 {
            println!(
                "{:<15} {:>9} {:>9} {:>9} {:>7}  {:<12} {:>10} {:>9}",
                "",
                "",
                "",
                "",
                "",
                "together",
                "",
                one_decimal(measurement.total_cpu_micros_per_request()),
            );
        }
    }
    println!(
        "errors: non-2xx answers plus socket errors, as wrk counts them. \
         Log lines per request at low load: {} sequential requests before the wrk run.",
        measurements[0].low_load_requests
    );
}

fn print_ratios(results: &Results) {
    let bare = &results.bare_sum.wrk;
    let sum = &results.addsvc_sum.wrk;
    println!("\nRatios to the bare handler:");
    println!(
        "  req/s  addsvc /sum    ÷ bare /sum  {:.2}",
        sum.requests_per_second / bare.requests_per_second
    );
    if let Some(concat) = &results.addsvc_concat {
        println!(
            "  req/s  addsvc /concat ÷ bare /sum  {:.2}",
            concat.wrk.requests_per_second / bare.requests_per_second
        );
    }
    if let (Some(concat), Some(two_hop)) = (&results.addsvc_concat, &results.bare_concat) {
        println!(
            "  req/s  addsvc /concat ÷ bare /concat (two hops)  {:.2}",
            concat.wrk.requests_per_second / two_hop.wrk.requests_per_second
        );
        if let (Some(layered), Some(bare)) = (
            concat.total_cpu_micros_per_request(),
            two_hop.total_cpu_micros_per_request(),
        ) {
            println!(
                "  CPU per request, both hops: addsvc /concat {layered:.0} µs, bare {bare:.0} µs ({:.2} times)",
                layered / bare
            );
        }
    }
    println!(
        "  p99    addsvc /sum    ÷ bare /sum  {:.2}",
        sum.p99.as_secs_f64() / bare.p99.as_secs_f64()
    );
}

fn print_connections(concat: &Measurement) {
    match &concat.connections_to_stringsvc {
        Some(seen) => println!(
            "\nConnections addsvc → stringsvc during the /concat run: at most {} established \
             and {} in TIME_WAIT ({} samples of /proc/net/tcp), for {} requests.",
            seen.most.established,
            seen.most.time_wait,
            seen.samples,
            thousands(concat.wrk.requests)
        ),
        None => println!("\nConnections addsvc → stringsvc: n/a (no /proc/net/tcp here)."),
    }
}

fn read_aloud(measurement: &Measurement, bare: &Measurement) -> String {
    let mut cpu = measurement
        .total_cpu_micros_per_request()
        .map(|micros| format!("{micros:.0} µs of CPU per request"))
        .unwrap_or_else(|| "CPU not measured".to_owned());
    if std::ptr::eq(measurement, bare) {
        return format!(
            "{}: {} requests a second, p99 {}, {cpu}: actix-web and serde alone.",
            measurement.target,
            thousands(measurement.wrk.requests_per_second.round() as u64),
            milliseconds(measurement.wrk.p99)
        );
    }
    if measurement.processes.len() > 1 {
        cpu.push_str(" across both services");
    }
    let mut parts = vec![format!(
        "{:.0}% of the bare handler's requests a second, p99 {:.1} times the bare's, {cpu}",
        measurement.wrk.requests_per_second / bare.wrk.requests_per_second * 100.0,
        measurement.wrk.p99.as_secs_f64() / bare.wrk.p99.as_secs_f64(),
    )];
    if let Some(seen) = &measurement.connections_to_stringsvc {
        let connections = seen.most.established + seen.most.time_wait;
        // The process called: stringsvc, or the bare two-hop's upstream.
        let callee = measurement.processes.get(1).map_or("stringsvc", |p| p.name);
        parts.push(format!(
            "{connections} connections to {callee} carried {} calls, about {} each",
            thousands(measurement.wrk.requests),
            thousands(measurement.wrk.requests / connections.max(1) as u64)
        ));
    }
    parts.extend(measurement.processes.iter().map(|process| {
        log_verdict(
            process.name,
            measurement.low_load_lines_per_request(process),
            measurement.load_lines_per_request(process),
        )
    }));
    if measurement.errors() > 0 {
        parts.push(format!("{} requests failed", measurement.errors()));
    }
    format!("{}: {}.", measurement.target, parts.join("; "))
}

/// Whether a service kept every log line under load: lossless logging logs as many lines per
/// request under load as at low load. 1% of slack covers the requests wrk cut off at its end.
fn log_verdict(name: &str, low_load: f64, under_load: f64) -> String {
    if low_load == 0.0 {
        return format!("{name} logs nothing per request");
    }
    let kept = under_load / low_load;
    let counts = format!("{under_load:.2} lines per request, {low_load:.2} at low load");
    if (kept - 1.0).abs() <= 0.01 {
        format!("{name} kept every log line under load ({counts})")
    } else if kept < 1.0 {
        format!(
            "{name} lost {:.0}% of its log lines under load ({counts})",
            (1.0 - kept) * 100.0
        )
    } else {
        format!("{name} logged more under load than at low load ({counts})")
    }
}

fn milliseconds(duration: std::time::Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1e3)
}

fn one_decimal(value: Option<f64>) -> String {
    value
        .map(|value| format!("{value:.1}"))
        .unwrap_or_else(|| "n/a".to_owned())
}

/// 1234567 → "1,234,567".
fn thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn lost_log_lines_are_named_and_kept_ones_are_not() {
        assert!(log_verdict("addsvc", 3.0, 1.2).contains("lost 60% of its log lines"));
        assert!(log_verdict("addsvc", 3.0, 3.01).contains("kept every log line"));
    }
}
