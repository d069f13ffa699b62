//! `cargo workshop failover`: the balancing demo (step 25 on). Three stringsvcs behind one
//! addsvc: how 300 Concats spread over them; then Concats sent without a pause while one
//! stringsvc is killed and, a moment later, started again on its port, counting the
//! failures before, during and after; from step 27 also all three killed, when the circuit
//! breaker answers at once. `--rolling` (step 30 on) is the rolling restart: see `rolling`.

mod rolling;

pub use rolling::run as run_rolling;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::service::{Service, build_binary};

const CONCAT: &str = r#"{"a":"foo","b":"bar"}"#;
/// Concats sent one after another to show the spread.
const SPREAD_REQUESTS: usize = 300;

/// What one Concat got, in which phase of the demo.
struct Outcome {
    phase: &'static str,
    ok: bool,
}

pub fn run(dir: &Path) -> Result<()> {
    let stringsvc_binary = build_binary(dir, "stringsvc")?;
    let addsvc_binary = build_binary(dir, "addsvc")?;
    let mut stringsvcs = (0..3)
        .map(|_| Service::start(&stringsvc_binary, &[]).map(Some))
        .collect::<Result<Vec<_>>>()?;
    let urls: Vec<String> = stringsvcs
        .iter()
        .flatten()
        .map(|stringsvc| stringsvc.base_url.clone())
        .collect();
    let addsvc = Service::start(&addsvc_binary, &["--stringsvc-url", &urls.join(",")])?;
    println!("stringsvc instances: {}", urls.join(", "));

    spread(&addsvc, &urls)?;

    // Two loops send Concats while the second instance is killed and started again.
    let phase = Mutex::new("before");
    let stop = AtomicBool::new(false);
    let outcomes = Mutex::new(Vec::new());
    let victim = urls[1].trim_start_matches("http://").to_owned();
    thread::scope(|scope| -> Result<()> {
        for _ in 0..2 {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let current = *phase.lock().unwrap_or_else(|e| e.into_inner());
                    let ok = addsvc
                        .post_json("/concat", CONCAT)
                        .is_ok_and(|reply| reply.status == 200);
                    let mut outcomes = outcomes.lock().unwrap_or_else(|e| e.into_inner());
                    outcomes.push(Outcome { phase: current, ok });
                }
            });
        }
        let set = |name| *phase.lock().unwrap_or_else(|e| e.into_inner()) = name;
        thread::sleep(Duration::from_secs(1));
        set("during (killed)");
        // Dropping a service kills it (SIGKILL): no goodbye, as when a machine dies.
        stringsvcs[1] = None;
        thread::sleep(Duration::from_secs(1));
        let restarted = Service::start_as_given(&stringsvc_binary, &["--addr", &victim], &[])
            .with_context(|| format!("could not start stringsvc again on {victim}"))?;
        stringsvcs[1] = Some(restarted);
        set("after (back)");
        thread::sleep(Duration::from_millis(1500));
        stop.store(true, Ordering::Relaxed);
        Ok(())
    })?;
    let outcomes = outcomes.into_inner().unwrap_or_else(|e| e.into_inner());
    println!("\nConcats from two loops while {victim} is killed, then started again:");
    println!("{:<18} {:>9} {:>7}", "phase", "requests", "failed");
    for name in ["before", "during (killed)", "after (back)"] {
        let of_phase: Vec<&Outcome> = outcomes.iter().filter(|o| o.phase == name).collect();
        let failed = of_phase.iter().filter(|o| !o.ok).count();
        println!("{name:<18} {:>9} {failed:>7}", of_phase.len());
    }
    let log = addsvc.output();
    for line in log
        .lines()
        .filter(|line| line.contains("msg=ejected") || line.contains("msg=returned"))
    {
        println!("addsvc: {line}");
    }

    all_down(&addsvc, &mut stringsvcs)
}

/// 300 Concats one after another, then each instance's share of the calls, from /metrics.
fn spread(addsvc: &Service, urls: &[String]) -> Result<()> {
    for _ in 0..SPREAD_REQUESTS {
        let reply = addsvc.post_json("/concat", CONCAT)?;
        if reply.status != 200 {
            bail!("a Concat answered {} {}", reply.status, reply.body);
        }
    }
    let metrics = addsvc.get("/metrics")?.body;
    println!(
        "\n{SPREAD_REQUESTS} Concats, one after another; calls per instance (a third is 33.3 %):"
    );
    for url in urls {
        let calls: f64 = metrics
            .lines()
            .filter(|line| {
                line.starts_with("addsvc_stringsvc_calls_total{") && line.contains(url.as_str())
            })
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum();
        let share = 100.0 * calls / SPREAD_REQUESTS as f64;
        println!("  {url:<26} {calls:>5} calls  {share:>5.1} %");
    }
    Ok(())
}

/// Every stringsvc killed: Concats answer 503, and from step 27 the breaker answers at once.
fn all_down(addsvc: &Service, stringsvcs: &mut [Option<Service>]) -> Result<()> {
    for stringsvc in stringsvcs.iter_mut() {
        *stringsvc = None;
    }
    println!("\nEvery stringsvc killed; seven Concats:");
    for _ in 0..7 {
        let started = Instant::now();
        let reply = addsvc.post_json("/concat", CONCAT)?;
        println!(
            "  {} in {:>6.1} ms  {}",
            reply.status,
            started.elapsed().as_secs_f64() * 1000.0,
            reply.body.trim()
        );
    }
    let metrics = addsvc.get("/metrics")?.body;
    if let Some(line) = metrics
        .lines()
        .find(|line| line.starts_with("addsvc_stringsvc_breaker_state"))
    {
        println!("  {line}  (0 closed, 1 open, 2 half-open)");
    }
    Ok(())
}
