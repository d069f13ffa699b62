//! `cargo workshop failover --rolling` (step 30 on): three stringsvcs registered in an etcd
//! of the tool's own, addsvc following them there, Concats sent all along while each
//! instance is replaced in turn twice: once stopped with SIGTERM (it deregisters, from step
//! 31 before it drains), once killed with SIGKILL (nobody deregisters: the lease expires).
//! A table says, per phase, the Concats sent and failed, and the calls to stringsvc that
//! failed (a retry may have saved their Concat).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::checks::failed_stringsvc_calls;
use crate::registry::{Registry, wait_until};
use crate::service::{Service, build_binary};

const INSTANCES: usize = 3;
const CLIENTS: usize = 4;
/// Traffic after each replacement, before the next one.
const SETTLE: Duration = Duration::from_secs(1);
/// How long a new instance may take to register, and a killed one's lease to expire.
const PATIENCE: Duration = Duration::from_secs(10);

#[derive(Default, Clone, Copy)]
struct Tally {
    sent: u64,
    failed: u64,
    failed_calls: f64,
    seconds: f64,
}

pub fn run(dir: &Path) -> Result<()> {
    let addsvc_binary = build_binary(dir, "addsvc")?;
    let stringsvc_binary = build_binary(dir, "stringsvc")?;
    let registry = Registry::start("failover --rolling")?;
    let keys = || registry.stringsvc_keys();
    let start_stringsvc = || registry.stringsvc(&stringsvc_binary);
    let mut stringsvcs = registry.stringsvcs(&stringsvc_binary, INSTANCES)?;
    let addsvc = Service::start(&addsvc_binary, &["--stringsvc-etcd-url", &registry.url()])
        .context("addsvc finds instances in etcd from step 30 on")?;
    let failed_calls = || -> f64 {
        addsvc
            .get("/metrics")
            .map(|reply| failed_stringsvc_calls(&reply.body))
            .unwrap_or(0.0)
    };

    let phase = Mutex::new(String::from("before"));
    let tallies: Mutex<BTreeMap<String, Tally>> = Mutex::new(BTreeMap::new());
    let mut order = vec!["before".to_owned()];
    let stop = AtomicBool::new(false);
    thread::scope(|scope| -> Result<()> {
        for _ in 0..CLIENTS {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let ok = addsvc
                        .post_json("/concat", r#"{"a":"foo","b":"bar"}"#)
                        .is_ok_and(|reply| reply.status == 200);
                    let current = phase.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    let mut tallies = tallies.lock().unwrap_or_else(|e| e.into_inner());
                    let tally = tallies.entry(current).or_default();
                    tally.sent += 1;
                    tally.failed += u64::from(!ok);
                }
            });
        }
        let mut begin = |name: String, calls_before: &mut f64, started: &mut Instant| {
            let calls_now = failed_calls();
            let seconds = started.elapsed().as_secs_f64();
            let mut current = phase.lock().unwrap_or_else(|e| e.into_inner());
            let mut tallies = tallies.lock().unwrap_or_else(|e| e.into_inner());
            let ended = tallies.entry(current.clone()).or_default();
            ended.failed_calls = calls_now - *calls_before;
            ended.seconds = seconds;
            *calls_before = calls_now;
            *started = Instant::now();
            order.push(name.clone());
            *current = name;
        };
        let (mut calls_before, mut started) = (failed_calls(), Instant::now());
        thread::sleep(SETTLE);
        for (how, kill) in [("SIGTERM", false), ("SIGKILL", true)] {
            for (index, slot) in stringsvcs.iter_mut().enumerate() {
                begin(
                    format!("{how} stringsvc {}", index + 1),
                    &mut calls_before,
                    &mut started,
                );
                let mut old = std::mem::replace(slot, start_stringsvc()?);
                wait_until("the new stringsvc registers", PATIENCE, || {
                    Ok(keys() > INSTANCES)
                })?;
                if kill {
                    drop(old);
                } else {
                    old.terminate()?;
                }
                // Until the old key is gone: at once when it deregistered, after its lease
                // when it was killed.
                wait_until("the old key goes", PATIENCE, || Ok(keys() == INSTANCES))?;
                thread::sleep(SETTLE);
            }
        }
        begin("after".to_owned(), &mut calls_before, &mut started);
        thread::sleep(SETTLE);
        begin("end".to_owned(), &mut calls_before, &mut started);
        stop.store(true, Ordering::Relaxed);
        Ok(())
    })?;

    let tallies = tallies.into_inner().unwrap_or_else(|e| e.into_inner());
    println!(
        "\nConcats from {CLIENTS} loops while each stringsvc is replaced, stopped one way then the other:"
    );
    println!(
        "{:<20} {:>8} {:>9} {:>7} {:>13}",
        "phase", "seconds", "requests", "failed", "failed calls"
    );
    for name in order.iter().filter(|name| *name != "end") {
        let tally = tallies.get(name).copied().unwrap_or_default();
        println!(
            "{name:<20} {:>8.1} {:>9} {:>7} {:>13}",
            tally.seconds, tally.sent, tally.failed, tally.failed_calls
        );
    }
    println!(
        "A phase lasts until the old instance's key is gone, plus {} s. Failed calls are \
         calls to stringsvc that failed, whether or not the retry saved their Concat.",
        SETTLE.as_secs()
    );
    Ok(())
}
