//! Runs wrk, the HTTP load generator, with a JSON POST body against one URL, and reads the
//! numbers out of its report.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::child::KillOnDrop;

pub struct Settings {
    pub seconds: u64,
    pub connections: u32,
    /// Also measure /concat with addsvc over three stringsvcs.
    pub spread: bool,
    /// Instead, measure addsvc's /sum with its logs to a file, /dev/null and a slow pipe.
    pub log_sinks: bool,
}

/// What wrk reports about one run.
#[derive(Debug, PartialEq)]
pub struct Report {
    /// Requests completed, whatever their status.
    pub requests: u64,
    pub requests_per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub non_2xx: u64,
    /// Connect, read and write errors and timeouts.
    pub socket_errors: u64,
}

/// Fails with the way to install wrk when it is not on PATH, before anything is built.
pub fn ensure_installed() -> Result<()> {
    match Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => bail!(
            "wrk, the load generator, is not installed; install it: \
             sudo apt install wrk (Debian/Ubuntu) or brew install wrk (macOS)"
        ),
        Err(error) => Err(error).context("could not run wrk"),
        Ok(_) => Ok(()),
    }
}

/// POSTs `body` as JSON to `url` on `settings.connections` connections for
/// `settings.seconds`; `scratch` holds the Lua script that sets the method, body and header.
pub fn run(url: &str, body: &str, settings: &Settings, scratch: &Path) -> Result<Report> {
    let script = scratch.join("post-json.lua");
    std::fs::write(&script, post_json_script(body))?;
    let mut wrk = KillOnDrop(
        Command::new("wrk")
            .args(["-t1", &format!("-c{}", settings.connections)])
            .args([&format!("-d{}s", settings.seconds), "--latency", "-s"])
            .arg(&script)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("could not start wrk")?,
    );
    // wrk stops itself after the duration; the margin covers its start and its last replies.
    let deadline = Instant::now() + Duration::from_secs(settings.seconds + 30);
    while wrk.0.try_wait()?.is_none() {
        if Instant::now() > deadline {
            bail!("wrk did not finish within {} s", settings.seconds + 30);
        }
        thread::sleep(Duration::from_millis(50));
    }
    // wrk's report is far smaller than a pipe's buffer, so reading after it exits is safe.
    let mut said = String::new();
    if let Some(mut stdout) = wrk.0.stdout.take() {
        stdout.read_to_string(&mut said)?;
    }
    if let Some(mut stderr) = wrk.0.stderr.take() {
        stderr.read_to_string(&mut said)?;
    }
    parse_report(&said).with_context(|| format!("could not read wrk's report:\n{said}"))
}

fn post_json_script(body: &str) -> String {
    // A Lua long string takes the JSON as it is, quotes and all.
    format!(
        "wrk.method = \"POST\"\n\
         wrk.body = [==[{body}]==]\n\
         wrk.headers[\"Content-Type\"] = \"application/json\"\n"
    )
}

/// Reads the numbers of wrk's report, as printed with `--latency`.
fn parse_report(text: &str) -> Option<Report> {
    let mut requests = None;
    let mut requests_per_second = None;
    let mut p50 = None;
    let mut p99 = None;
    let mut non_2xx = 0;
    let mut socket_errors = 0;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            requests_per_second = rest.trim().parse().ok();
        } else if let Some(rest) = line.strip_prefix("50%") {
            p50 = parse_duration(rest.trim());
        } else if let Some(rest) = line.strip_prefix("99%") {
            p99 = parse_duration(rest.trim());
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            non_2xx = rest.trim().parse().ok()?;
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 12"
            socket_errors = rest
                .split(',')
                .filter_map(|count| count.split_whitespace().last()?.parse::<u64>().ok())
                .sum();
        } else if line.contains(" requests in ") {
            requests = line.split_whitespace().next().and_then(|n| n.parse().ok());
        }
    }
    Some(Report {
        requests: requests?,
        requests_per_second: requests_per_second?,
        p50: p50?,
        p99: p99?,
        non_2xx,
        socket_errors,
    })
}

/// Reads a wrk time such as `291.00us`, `7.59ms` or `1.02s`.
fn parse_duration(text: &str) -> Option<Duration> {
    let digits = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(digits);
    let number: f64 = number.parse().ok()?;
    let nanos_per_unit = match unit {
        "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ => return None,
    };
    Some(Duration::from_nanos(
        (number * nanos_per_unit).round() as u64
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 10s test @ http://127.0.0.1:35607/sum
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   310.35us  100.03us   4.36ms   84.35%
    Req/Sec    99.57k     5.12k  108.18k    77.00%
  Latency Distribution
     50%  291.00us
     75%  334.00us
     90%  396.00us
     99%    1.49ms
  990814 requests in 10.00s, 97.28MB read
  Socket errors: connect 0, read 2, write 0, timeout 5
  Non-2xx or 3xx responses: 12
Requests/sec:  99070.43
Transfer/sec:      9.73MB
";

    #[test]
    fn reads_the_numbers_of_a_latency_report() {
        assert_eq!(
            parse_report(REPORT),
            Some(Report {
                requests: 990_814,
                requests_per_second: 99_070.43,
                p50: Duration::from_micros(291),
                p99: Duration::from_micros(1490),
                non_2xx: 12,
                socket_errors: 7,
            })
        );
    }

    #[test]
    fn a_report_without_latency_percentiles_is_not_read() {
        let without_latency = REPORT
            .lines()
            .filter(|line| !line.trim_start().starts_with("99%"))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(parse_report(&without_latency), None);
        assert_eq!(
            parse_report("unable to connect to 127.0.0.1:1 Connection refused"),
            None
        );
    }

    #[test]
    fn reads_every_unit_wrk_prints() {
        assert_eq!(parse_duration("7.59ms"), Some(Duration::from_micros(7590)));
        assert_eq!(parse_duration("1.50s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2.00m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("12"), None);
    }
}
