//! `cargo workshop demo`: the metrics demo against a real Prometheus. Starts addsvc and
//! Prometheus (config from slides/demo/prometheus.yml, storage in a temp dir), sends traffic,
//! prints the answers of PromQL queries over Prometheus' HTTP API, then stops both.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::child::KillOnDrop;
use crate::service::{Service, build_binary};
use crate::tools::{self, PROMETHEUS, PROMTOOL};

/// The target the committed config scrapes, replaced by the started addsvc's address.
const CONFIG_TARGET: &str = "127.0.0.1:8080";

const QUERIES: [(&str, &str); 4] = [
    (
        "requests per second, by method and success",
        "sum by (method, success) (rate(addsvc_request_duration_seconds_count[10s]))",
    ),
    ("integers summed", "addsvc_integers_summed_total"),
    (
        "characters concatenated",
        "addsvc_characters_concatenated_total",
    ),
    (
        "calls to stringsvc per second, by instance's url and success (from step 25)",
        PER_INSTANCE,
    ),
];

/// addsvc's calls per stringsvc instance. Its label is `url`: Prometheus gives the label
/// `instance` to the scraped target, and would rename a series' own `instance` to
/// `exported_instance`.
const PER_INSTANCE: &str = "sum by (url, success) (rate(addsvc_stringsvc_calls_total[10s]))";

pub fn run(dir: &Path) -> Result<()> {
    let prometheus = PROMETHEUS
        .path()
        .with_context(|| tools::describe_missing(&[&PROMETHEUS]))?;
    let addsvc_binary = build_binary(dir, "addsvc")?;
    // From step 15 on there is a stringsvc, and from step 16 Concat needs it; from step 25
    // addsvc balances over a list of them, and counts its calls to each.
    let balances = dir.join("kit/src/balancer.rs").is_file();
    let stringsvcs = match build_binary(dir, "stringsvc") {
        Ok(binary) => (0..if balances { 2 } else { 1 })
            .map(|_| Service::start(&binary, &[]))
            .collect::<Result<Vec<_>>>()?,
        Err(_) => Vec::new(),
    };
    let urls = (stringsvcs.iter())
        .map(|stringsvc| stringsvc.base_url.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let env: Vec<(&str, &str)> = if stringsvcs.is_empty() {
        Vec::new()
    } else {
        vec![("ADDSVC_STRINGSVC_URL", urls.as_str())]
    };
    let addsvc = Service::start_with_env(&addsvc_binary, &[], &env)?;
    let addsvc_addr = addsvc.base_url.trim_start_matches("http://").to_owned();
    println!("addsvc at {addsvc_addr}");
    promtool_check(&addsvc)?;

    let scratch = std::env::temp_dir().join(format!("workshop-demo-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let template = std::fs::read_to_string(dir.join("slides/demo/prometheus.yml"))
        .context("could not read slides/demo/prometheus.yml")?;
    let config = scratch.join("prometheus.yml");
    std::fs::write(&config, template.replace(CONFIG_TARGET, &addsvc_addr))?;
    let web = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let log = std::fs::File::create(scratch.join("prometheus.log"))?;
    // Killed and reaped when the demo ends, however it ends.
    let _prometheus = KillOnDrop(
        Command::new(&prometheus)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                scratch.join("data").display()
            ))
            .arg(format!("--web.listen-address={web}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("could not start prometheus")?,
    );
    println!(
        "Prometheus at http://{web} (storage in {})",
        scratch.display()
    );

    let api = ureq::Agent::config_builder()
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .new_agent();
    let query = |promql: &str| -> Result<Vec<Value>> {
        let answer: Value = api
            .get(format!("http://{web}/api/v1/query"))
            .query("query", promql)
            .call()?
            .body_mut()
            .read_json()?;
        Ok(answer["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    };

    // Traffic until Prometheus has a few scrapes of it, so rate() has samples to work on:
    // successes of both methods and some overflows.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut first_scraped: Option<Instant> = None;
    let mut scraped = 0.0;
    for round in 0.. {
        for a in 0..5 {
            addsvc.post_json("/sum", &format!(r#"{{"a":{a},"b":{round}}}"#))?;
        }
        addsvc.post_json("/concat", r#"{"a":"go","b":"kit"}"#)?;
        addsvc.post_json("/sum", &format!(r#"{{"a":{},"b":1}}"#, i64::MAX))?;
        scraped = query("addsvc_integers_summed_total")
            .ok()
            .and_then(|result| first_value(&result))
            .unwrap_or(0.0);
        if scraped > 0.0 && first_scraped.is_none() {
            first_scraped = Some(Instant::now());
        }
        let enough = first_scraped.is_some_and(|at| at.elapsed() > Duration::from_secs(4));
        if enough || Instant::now() > deadline {
            break;
        }
        thread::sleep(Duration::from_millis(250));
    }

    for (title, promql) in QUERIES {
        println!("\n{title}:\n  {promql}");
        let answer = query(promql)?;
        if answer.is_empty() {
            println!("  (no series at this step)");
        }
        for series in answer {
            let labels = series["metric"]
                .as_object()
                .map(|labels| {
                    labels
                        .iter()
                        .filter(|(name, _)| {
                            !matches!(name.as_str(), "instance" | "job" | "__name__")
                        })
                        .map(|(name, value)| {
                            format!("{name}={}", value.as_str().unwrap_or_default())
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .filter(|labels| !labels.is_empty())
                .unwrap_or_else(|| "(one series, no labels)".to_owned());
            println!(
                "  {:<36} {}",
                labels,
                series["value"][1].as_str().unwrap_or("?")
            );
        }
    }
    let per_instance = query(PER_INSTANCE)?;
    let _ = std::fs::remove_dir_all(&scratch);
    if balances {
        let urls = (per_instance.iter())
            .filter_map(|series| series["metric"]["url"].as_str())
            .collect::<std::collections::BTreeSet<_>>();
        if urls.len() < stringsvcs.len() {
            bail!(
                "Prometheus has calls to {} stringsvc url(s), not {}: {per_instance:?}",
                urls.len(),
                stringsvcs.len()
            );
        }
    }
    if scraped <= 0.0 {
        bail!("Prometheus did not scrape a non-zero addsvc_integers_summed_total within 60 s");
    }
    println!("\nPrometheus scraped addsvc: addsvc_integers_summed_total = {scraped}");
    Ok(())
}

fn first_value(result: &[Value]) -> Option<f64> {
    result.first()?["value"][1].as_str()?.parse().ok()
}

/// Lints the exposition with `promtool check metrics`, when promtool is installed.
fn promtool_check(addsvc: &Service) -> Result<()> {
    let Some(promtool) = PROMTOOL.path() else {
        println!("promtool not found: skipping `promtool check metrics`");
        return Ok(());
    };
    let exposition = addsvc.get("/metrics")?.body;
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    std::io::Write::write_all(
        &mut child.stdin.take().context("promtool stdin")?,
        exposition.as_bytes(),
    )?;
    let output = child.wait_with_output()?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if !output.status.success() {
        bail!("promtool check metrics rejects /metrics:\n{said}");
    }
    println!(
        "promtool check metrics: ok{}",
        if said.trim().is_empty() {
            String::new()
        } else {
            format!("\n{said}")
        }
    );
    Ok(())
}
