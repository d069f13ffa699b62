//! `cargo workshop load`: an instructor demo and a benchmark in one. Builds the attendee's
//! addsvc (and stringsvc, from step 15) in release, starts them on loopback with their logs in
//! files, and runs wrk against addsvc and against a bare actix-web handler that answers the
//! same JSON with no layers at all (xtask/bare-addsvc). The ratios between the two are the
//! price of the workshop's layers; the log lines per request, at low load and under load,
//! show whether logging keeps up.

mod build;
mod central;
mod process;
mod report;
mod sinks;
mod spread;
mod wrk;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use self::process::LoggedService;
use self::report::{ConnectionSamples, Measurement, ProcessUse, Results};
pub use self::wrk::Settings;
use crate::activity::Activity;
use crate::http::http_agent;
use crate::procfs;

const SUM_BODY: &str = r#"{"a":1,"b":2}"#;
const CONCAT_BODY: &str = r#"{"a":"foo","b":"bar"}"#;
/// Few enough to be sent one after another, so no log line can be dropped for lack of room.
const LOW_LOAD_REQUESTS: u64 = 200;

/// One URL under load, and the processes that serve it.
struct Target<'a> {
    name: &'static str,
    server: &'a LoggedService,
    path: &'static str,
    body: &'static str,
    processes: Vec<&'a LoggedService>,
    /// Where addsvc's calls go, when the target makes them.
    stringsvc_port: Option<u16>,
}

pub fn run(root: &Path, settings: &Settings) -> Result<()> {
    wrk::ensure_installed()?;
    // The build, then one measurement per target (and one over three instances).
    let activity = Activity::new("load", Some(if settings.spread { 6 } else { 5 }));
    let binaries = activity.visible(
        "Building addsvc, stringsvc and the bare handler in release (minutes the first time)…",
        || build::build_release(root),
    )?;
    activity.done();
    // A directory of this run's own (two runs never share one), removed when it is dropped.
    let scratch = tempfile::Builder::new()
        .prefix("workshop-load-")
        .tempdir()
        .context("could not create a scratch directory")?;
    if settings.log_sinks {
        // Nothing in it is shown to the user: it goes with the run.
        return sinks::run(&binaries.addsvc, settings, scratch.path());
    }
    if settings.central {
        return central::run(&binaries, settings, scratch.path());
    }

    let logs = scratch.path();
    let bare = LoggedService::start("bare-addsvc", &binaries.bare, &[], logs)?;
    let stringsvc = match &binaries.stringsvc {
        Some(binary) => Some(LoggedService::start("stringsvc", binary, &[], logs)?),
        None => None,
    };
    // An environment variable rather than --stringsvc-url: addsvc at step 15 knows no such
    // flag, and ignores the variable.
    let stringsvc_url = stringsvc.as_ref().map(|stringsvc| stringsvc.url(""));
    let env: Vec<(&str, &str)> = stringsvc_url
        .iter()
        .map(|url| ("ADDSVC_STRINGSVC_URL", url.as_str()))
        .collect();
    let addsvc = LoggedService::start("addsvc", &binaries.addsvc, &env, logs)?;
    // The user is told where the services' logs are, to read them after the run: from here
    // on the directory is kept. (A service that fails to start shows its log in the error.)
    let scratch = scratch.keep();
    println!("Logs in {}", scratch.display());

    let bare_sum = measure(
        &Target {
            name: "bare /sum",
            server: &bare,
            path: "/sum",
            body: SUM_BODY,
            processes: vec![&bare],
            stringsvc_port: None,
        },
        settings,
        &scratch,
        &activity,
    )?;
    let addsvc_sum = measure(
        &Target {
            name: "addsvc /sum",
            server: &addsvc,
            path: "/sum",
            body: SUM_BODY,
            processes: vec![&addsvc],
            stringsvc_port: None,
        },
        settings,
        &scratch,
        &activity,
    )?;
    // The bare two-hop: one bare handler calling another's /uppercase, nothing else.
    let bare_upstream = match &stringsvc {
        Some(_) => Some(LoggedService::start(
            "bare-upstream",
            &binaries.bare,
            &[],
            &scratch,
        )?),
        None => None,
    };
    let bare_concat = match &bare_upstream {
        Some(upstream) => {
            let upstream_url = upstream.url("");
            let env = [("BARE_UPSTREAM", upstream_url.as_str())];
            let front = LoggedService::start("bare-front", &binaries.bare, &env, &scratch)?;
            Some(measure(
                &Target {
                    name: "bare /concat",
                    server: &front,
                    path: "/concat",
                    body: CONCAT_BODY,
                    processes: vec![&front, upstream],
                    stringsvc_port: Some(upstream.addr.port()),
                },
                settings,
                &scratch,
                &activity,
            )?)
        }
        None => None,
    };
    let addsvc_concat = match &stringsvc {
        Some(stringsvc) => Some(measure(
            &Target {
                name: "addsvc /concat",
                server: &addsvc,
                path: "/concat",
                body: CONCAT_BODY,
                processes: vec![&addsvc, stringsvc],
                stringsvc_port: Some(stringsvc.addr.port()),
            },
            settings,
            &scratch,
            &activity,
        )?),
        None => {
            println!(
                "No stringsvc binary in this tree (it comes with step 15): skipping addsvc /concat."
            );
            None
        }
    };
    let results = Results {
        bare_sum,
        addsvc_sum,
        bare_concat,
        addsvc_concat,
    };
    activity.above(|| report::print(&results, settings));
    if settings.spread {
        match (&binaries.stringsvc, &results.addsvc_concat) {
            (Some(stringsvc), Some(one)) => spread::run(
                &binaries.addsvc,
                stringsvc,
                one,
                settings,
                &scratch,
                &activity,
            )?,
            _ => println!("--spread needs stringsvc (step 24 on): skipped."),
        }
    }
    activity.finish();
    Ok(())
}

/// Low load first (sequential requests), then wrk; counts what each process logged and
/// used during each.
fn measure(
    target: &Target,
    settings: &Settings,
    scratch: &Path,
    activity: &Activity,
) -> Result<Measurement> {
    let doing = format!(
        "{}: {LOW_LOAD_REQUESTS} sequential requests, then {} s of wrk",
        target.name, settings.seconds
    );
    activity.above(|| println!("{doing}…"));
    activity.begin(&doing);
    let lines_at_start = log_lines_when_quiet(target)?;
    send_sequentially(target)?;
    let lines_after_low_load = log_lines_when_quiet(target)?;

    let cpu_before: Vec<Option<f64>> = target
        .processes
        .iter()
        .map(|process| procfs::cpu_seconds(process.pid()))
        .collect();
    let url = target.server.url(target.path);
    let (wrk, connections_to_stringsvc) = match target.stringsvc_port {
        Some(port) => {
            let (wrk, samples) =
                while_sampling_connections(port, || wrk::run(&url, target.body, settings, scratch));
            (wrk?, samples)
        }
        None => (wrk::run(&url, target.body, settings, scratch)?, None),
    };
    let lines_after_load = log_lines_when_quiet(target)?;

    let processes = target
        .processes
        .iter()
        .enumerate()
        .map(|(index, process)| ProcessUse {
            name: process.name,
            peak_rss_bytes: procfs::peak_rss_bytes(process.pid()),
            cpu_seconds: procfs::cpu_seconds(process.pid())
                .zip(cpu_before[index])
                .map(|(after, before)| after - before),
            low_load_lines: lines_after_low_load[index] - lines_at_start[index],
            load_lines: lines_after_load[index] - lines_after_low_load[index],
        })
        .collect();
    activity.done();
    Ok(Measurement {
        target: target.name,
        wrk,
        low_load_requests: LOW_LOAD_REQUESTS,
        processes,
        connections_to_stringsvc,
    })
}

fn log_lines_when_quiet(target: &Target) -> Result<Vec<u64>> {
    target
        .processes
        .iter()
        .map(|process| process.log_lines_when_quiet())
        .collect()
}

/// One request at a time, each answered before the next: the load at which nothing is lost.
fn send_sequentially(target: &Target) -> Result<()> {
    let agent = http_agent();
    let url = target.server.url(target.path);
    for _ in 0..LOW_LOAD_REQUESTS {
        let mut response = agent
            .post(&url)
            .header("content-type", "application/json")
            .send(target.body)
            .with_context(|| format!("no HTTP answer from {}", target.name))?;
        if !response.status().is_success() {
            let body = response.body_mut().read_to_string().unwrap_or_default();
            bail!(
                "{} answered {} to {}: {body}",
                target.name,
                response.status(),
                target.body
            );
        }
    }
    Ok(())
}

/// Runs `work` while a thread counts the connections to `port` four times a second.
fn while_sampling_connections<T>(
    port: u16,
    work: impl FnOnce() -> T,
) -> (T, Option<ConnectionSamples>) {
    let done = AtomicBool::new(false);
    thread::scope(|scope| {
        let sampler = scope.spawn(|| {
            let mut seen = ConnectionSamples {
                most: procfs::Connections::default(),
                samples: 0,
            };
            while !done.load(Ordering::Relaxed) {
                let now = procfs::connections_to(port)?;
                seen.most.established = seen.most.established.max(now.established);
                seen.most.time_wait = seen.most.time_wait.max(now.time_wait);
                seen.samples += 1;
                thread::sleep(Duration::from_millis(250));
            }
            Some(seen)
        });
        let result = work();
        done.store(true, Ordering::Relaxed);
        (result, sampler.join().ok().flatten())
    })
}
