//! A rolling restart of stringsvc under traffic, judged by what addsvc answers and counts:
//! three instances the attendee's stringsvc registers in a real etcd, addsvc following them
//! there, Concats sent all along, each instance stopped with SIGTERM and replaced in turn.
//! addsvc reads etcd through a proxy that delays etcd's answers by 200 ms, as a busy
//! cluster would: on a laptop, the news of a deregistration arrives within a millisecond
//! or two, too soon to tell an instance that waits for it from one that does not.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Result;

use super::delay_proxy::DelayProxy;
use super::prometheus::sample_sum;
use super::report::Report;
use super::start;
use crate::registry::{Registry, wait_until};
use crate::service::build_binary;

const INSTANCES: usize = 3;
/// Clients sending Concats, each one after the other, for the whole restart.
const CLIENTS: usize = 4;
/// Traffic before the first restart and after each one.
const SETTLE: Duration = Duration::from_secs(1);
/// How late etcd's answers reach addsvc.
const NEWS_DELAY: Duration = Duration::from_millis(200);
/// How long a new instance may take to register and be seen by addsvc.
const REJOIN: Duration = Duration::from_secs(10);

/// 30-deregister-first: while Concats flow, each of three registered stringsvcs is stopped
/// with SIGTERM and replaced by a new one; addsvc learns of etcd's changes 200 ms late. Not
/// one Concat may fail, and addsvc must count no failed call to stringsvc (a retry would
/// hide a failed call from the Concat, not from that counter). Every instance must exit
/// after its SIGTERM, and every new one must register and get calls.
pub fn deregister_first(dir: &Path, report: &mut Report) -> Result<()> {
    let addsvc_binary = build_binary(dir, "addsvc")?;
    let stringsvc_binary = build_binary(dir, "stringsvc")?;
    let registry = Registry::start("check 30-deregister-first")?;
    let keys = || registry.stringsvc_keys();
    let start_stringsvc = || registry.stringsvc(&stringsvc_binary);
    let mut stringsvcs = registry.stringsvcs(&stringsvc_binary, INSTANCES)?;
    let etcd_addr = registry.url().trim_start_matches("http://").parse()?;
    let delayed = DelayProxy::start(etcd_addr, NEWS_DELAY)?;
    let addsvc = start(
        &addsvc_binary,
        &["--stringsvc-etcd-url", &delayed.url()],
        &[],
    )?;
    let instances_seen = |count: usize| {
        let metrics = addsvc.get("/metrics")?.body;
        Ok(sample_sum(&metrics, "addsvc_stringsvc_instances", &[]) == Some(count as f64))
    };
    wait_until("addsvc sees three instances", REJOIN, || {
        instances_seen(INSTANCES)
    })?;

    println!(
        "  {CLIENTS} clients send Concats while each of {INSTANCES} stringsvcs is stopped (SIGTERM) and replaced:"
    );
    let (sent, failed) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let stop = AtomicBool::new(false);
    let mut restarted = Vec::new();
    let outcome: Result<()> = thread::scope(|scope| {
        for _ in 0..CLIENTS {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let answer = addsvc.post_json("/concat", r#"{"a":"foo","b":"bar"}"#);
                    sent.fetch_add(1, Ordering::Relaxed);
                    if !answer.is_ok_and(|reply| reply.status == 200) {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        let mut restarting = || -> Result<()> {
            thread::sleep(SETTLE);
            for (index, slot) in stringsvcs.iter_mut().enumerate() {
                let mut old = std::mem::replace(slot, start_stringsvc()?);
                wait_until("the new stringsvc registers", REJOIN, || {
                    Ok(keys() == INSTANCES + 1)
                })?;
                let stopping = Instant::now();
                let exited = old.terminate();
                report.expect(
                    exited.is_ok(),
                    format!(
                        "stringsvc {} exits after SIGTERM ({:.1} s)",
                        index + 1,
                        stopping.elapsed().as_secs_f64()
                    ),
                );
                wait_until("the old stringsvc's key goes", REJOIN, || {
                    Ok(keys() == INSTANCES)
                })?;
                wait_until("addsvc sees three instances again", REJOIN, || {
                    instances_seen(INSTANCES)
                })?;
                restarted.push(slot.base_url.clone());
                thread::sleep(SETTLE);
            }
            Ok(())
        };
        let outcome = restarting();
        stop.store(true, Ordering::Relaxed);
        outcome
    });
    outcome?;

    let (sent, failed) = (sent.into_inner(), failed.into_inner());
    report.expect(
        failed == 0 && sent > 0,
        format!("every Concat is answered 200 ({failed} of {sent} failed)"),
    );
    let metrics = addsvc.get("/metrics")?.body;
    let failed_calls = failed_stringsvc_calls(&metrics);
    report.expect(
        failed_calls == 0.0,
        format!(
            "addsvc counted no failed call to stringsvc (addsvc_stringsvc_calls_total{{success=\"false\"}} is {failed_calls}): a call a retry saves still failed once"
        ),
    );
    for url in &restarted {
        let label = format!(r#"url="{url}/""#);
        let calls = sample_sum(&metrics, "addsvc_stringsvc_calls_total", &[&label]);
        report.expect(
            calls.is_some_and(|calls| calls > 0.0),
            format!(
                "the new stringsvc at {url} gets calls ({})",
                calls.unwrap_or(0.0)
            ),
        );
    }
    Ok(())
}

/// The calls addsvc sent to stringsvc that failed, as its `/metrics` counts them: whether
/// or not a retry saved the Concat.
pub fn failed_stringsvc_calls(metrics: &str) -> f64 {
    sample_sum(
        metrics,
        "addsvc_stringsvc_calls_total",
        &[r#"success="false""#],
    )
    .unwrap_or(0.0)
}
