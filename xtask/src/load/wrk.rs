//! Runs wrk, the HTTP load generator, with a JSON POST body against one URL, and reads the
//! numbers that its Lua script's `done` prints as JSON.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::child::KillOnDrop;

pub struct Settings {
    pub seconds: u64,
    pub connections: u32,
    /// Also measure /concat with addsvc over three stringsvcs.
    pub spread: bool,
    /// Instead, measure addsvc's /sum with its logs to a file, /dev/null and a slow pipe.
    pub log_sinks: bool,
    /// Instead, /concat through haproxy and through addsvc's own balancer.
    pub central: bool,
}

/// What wrk reports about one run.
#[derive(Debug)]
pub struct Report {
    /// Requests completed, whatever their status.
    pub requests: u64,
    pub requests_per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// Answers with a status of 400 or more (wrk's "Non-2xx or 3xx responses").
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
/// `settings.seconds`; `scratch` holds the Lua script that sets the method, body and header
/// and prints the summary.
pub fn run(url: &str, body: &str, settings: &Settings, scratch: &Path) -> Result<Report> {
    let script = scratch.join("post-json.lua");
    std::fs::write(&script, post_json_script(body))?;
    let mut wrk = KillOnDrop(
        Command::new("wrk")
            .args(["-t1", &format!("-c{}", settings.connections)])
            .args([&format!("-d{}s", settings.seconds), "-s"])
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
    // wrk's output is far smaller than a pipe's buffer, so reading after it exits is safe.
    let mut stdout = String::new();
    if let Some(mut out) = wrk.0.stdout.take() {
        out.read_to_string(&mut stdout)?;
    }
    let mut stderr = String::new();
    if let Some(mut err) = wrk.0.stderr.take() {
        err.read_to_string(&mut stderr)?;
    }
    parse_summary(&stdout)
        .with_context(|| format!("could not read wrk's summary; it printed:\n{stdout}{stderr}"))
}

fn post_json_script(body: &str) -> String {
    // A Lua long string takes the JSON as it is, quotes and all.
    format!(
        "wrk.method = \"POST\"\n\
         wrk.body = [==[{body}]==]\n\
         wrk.headers[\"Content-Type\"] = \"application/json\"\n\
         local summary_marker = \"{SUMMARY_MARKER}\"\n\
         {DONE}"
    )
}

/// Printed on the line before the summary, to find it after wrk's own report.
const SUMMARY_MARKER: &str = "workshop-load wrk summary:";

/// wrk calls `done` once the run is over (its SCRIPTING API): the numbers as one JSON line,
/// rather than its report for people, whose units and layout vary with the values. Times
/// are in microseconds; `status` counts answers of 400 and more. `bytes` and `p90` are not
/// in the report: with them the line is wrk's whole summary, and a new column needs no new
/// script.
const DONE: &str = r#"
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(summary_marker, "\n")
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
"#;

/// Reads the JSON line that `DONE` prints after `SUMMARY_MARKER`.
fn parse_summary(stdout: &str) -> Result<Report> {
    let line = stdout
        .lines()
        .skip_while(|line| line.trim() != SUMMARY_MARKER)
        .nth(1)
        .context("wrk printed no summary")?;
    let summary: Value = serde_json::from_str(line).context("wrk's summary is not JSON")?;
    let number = |pointer: &str| {
        summary
            .pointer(pointer)
            .and_then(Value::as_u64)
            .with_context(|| format!("wrk's summary has no {pointer}"))
    };
    let requests = number("/requests")?;
    let duration = Duration::from_micros(number("/duration_us")?);
    if duration.is_zero() {
        bail!("wrk's summary has a run of no time");
    }
    Ok(Report {
        requests,
        requests_per_second: requests as f64 / duration.as_secs_f64(),
        p50: Duration::from_micros(number("/latency_us/p50")?),
        p99: Duration::from_micros(number("/latency_us/p99")?),
        non_2xx: number("/errors/status")?,
        socket_errors: number("/errors/connect")?
            + number("/errors/read")?
            + number("/errors/write")?
            + number("/errors/timeout")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What wrk printed with this script against a local server that answered every tenth
    /// POST with 500 and held one in 97 past wrk's `--timeout 1s`.
    const OUTPUT: &str = r#"Running 3s test @ http://127.0.0.1:38697/sum
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    43.14ms    5.97ms  48.03ms   98.00%
    Req/Sec   134.67     24.90   190.00     66.67%
  403 requests in 3.00s, 60.63KB read
  Socket errors: connect 0, read 0, write 0, timeout 2
  Non-2xx or 3xx responses: 41
Requests/sec:    134.11
Transfer/sec:     20.18KB
workshop-load wrk summary:
{"requests":403,"duration_us":3004954,"bytes":62087,"errors":{"connect":0,"read":0,"write":0,"status":41,"timeout":2},"latency_us":{"p50":43981,"p90":44157,"p99":47992}}
"#;

    #[test]
    fn reads_the_summary_after_wrks_report() {
        let report = parse_summary(OUTPUT).unwrap();
        assert_eq!(report.requests, 403);
        // As wrk's own Requests/sec: 403 in 3.004954 s.
        assert_eq!(format!("{:.2}", report.requests_per_second), "134.11");
        assert_eq!(report.p50, Duration::from_micros(43_981));
        assert_eq!(report.p99, Duration::from_micros(47_992));
        assert_eq!(report.non_2xx, 41);
        assert_eq!(report.socket_errors, 2);
    }

    #[test]
    fn output_without_a_whole_summary_is_not_read() {
        assert!(parse_summary("unable to connect to 127.0.0.1:1 Connection refused").is_err());
        let without_p99 = OUTPUT.replace(r#","p99":47992"#, "");
        assert!(parse_summary(&without_p99).is_err());
        let without_json = OUTPUT.lines().take(11).collect::<Vec<_>>().join("\n");
        assert!(parse_summary(&without_json).is_err());
    }

    #[test]
    fn the_script_posts_the_body_and_prints_the_summary_after_the_marker() {
        let script = post_json_script(r#"{"a":"foo","b":"bar"}"#);
        assert!(script.contains(r#"wrk.body = [==[{"a":"foo","b":"bar"}]==]"#));
        assert!(script.contains(&format!("local summary_marker = \"{SUMMARY_MARKER}\"")));
        assert!(script.contains("function done(summary, latency, requests)"));
    }
}
