//! `cargo workshop load --central` (step 25 on): addsvc's /concat over three stringsvcs, two
//! ways. Central: addsvc knows one address, haproxy's, and haproxy (started by the tool with
//! a generated configuration) spreads the calls and health-checks each instance's /health.
//! Client-side: addsvc knows the three instances and spreads the calls itself, ejecting an
//! instance after a failed call. Each is measured with wrk (req/s, p50, p99, CPU per request
//! of every process), then under a stream of Concats while one instance is killed.

use std::fmt::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::CONCAT_BODY;
use super::build::Binaries;
use super::process::{LoggedService, free_loopback_addr};
use super::wrk::{self, Settings};
use crate::checks::failed_stringsvc_calls;
use crate::child::KillOnDrop;
use crate::http::{get_with, http_agent};
use crate::procfs;
use crate::tools::{self, HAPROXY};

const INSTANCES: usize = 3;
/// haproxy's health checks: every 500 ms, down after 2 failures in a row.
const CHECK_INTERVAL_MS: u64 = 500;
const CHECK_FALL: u32 = 2;
/// Clients sending Concats one after the other during the kill test, and its timeline.
const CLIENTS: usize = 4;
const BEFORE_KILL: Duration = Duration::from_secs(1);
const AFTER_KILL: Duration = Duration::from_secs(4);

pub fn run(binaries: &Binaries, settings: &Settings, scratch: &Path) -> Result<()> {
    let Some(stringsvc) = &binaries.stringsvc else {
        bail!("--central needs stringsvc (step 15 on) and addsvc's balancer (step 25 on)");
    };
    if !tools::missing(&[&HAPROXY]).is_empty() {
        bail!("--central needs haproxy: {}", HAPROXY.install_here());
    }
    println!(
        "\n/concat over {INSTANCES} stringsvcs: through haproxy, then through addsvc's own balancer"
    );
    let mut rows = Vec::new();
    for central in [true, false] {
        let setup = Setup::start(&binaries.addsvc, stringsvc, central, scratch)?;
        let before = setup.cpu_seconds();
        let report = wrk::run(&setup.addsvc.url("/concat"), CONCAT_BODY, settings, scratch)?;
        let after = setup.cpu_seconds();
        let per_request = |(name, seconds): (&str, Option<f64>)| {
            let micros = seconds.map(|s| s * 1e6 / report.requests.max(1) as f64);
            (name.to_owned(), micros)
        };
        let cpu: Vec<(String, Option<f64>)> = before
            .iter()
            .zip(&after)
            .map(|((name, b), (_, a))| per_request((name, a.zip(*b).map(|(a, b)| a - b))))
            .collect();
        rows.push((setup.name(), report, cpu));
    }
    println!(
        "\n{:<14} {:>9} {:>8} {:>8}  CPU µs per request",
        "balancer", "req/s", "p50 ms", "p99 ms"
    );
    for (name, report, cpu) in &rows {
        let mut processes = String::new();
        let mut total = 0.0;
        for (process, micros) in cpu {
            match micros {
                Some(micros) => {
                    total += micros;
                    let _ = write!(processes, "{process} {micros:.0}, ");
                }
                None => {
                    let _ = write!(processes, "{process} n/a, ");
                }
            }
        }
        println!(
            "{name:<14} {:>9.0} {:>8.2} {:>8.2}  {processes}all {total:.0}",
            report.requests_per_second,
            report.p50.as_secs_f64() * 1e3,
            report.p99.as_secs_f64() * 1e3,
        );
        if report.non_2xx + report.socket_errors > 0 {
            println!(
                "{:<14} {} answers not 2xx, {} socket errors",
                "", report.non_2xx, report.socket_errors
            );
        }
    }

    println!(
        "\nOne of the {INSTANCES} stringsvcs killed (SIGKILL) under {CLIENTS} loops of Concats:"
    );
    for central in [true, false] {
        let mut setup = Setup::start(&binaries.addsvc, stringsvc, central, scratch)?;
        let outcome = kill_one(&mut setup)?;
        println!("{:<14} {outcome}", setup.name());
    }
    println!(
        "haproxy health-checks every instance (GET /health every {CHECK_INTERVAL_MS} ms, down \
         after {CHECK_FALL} failures) and is one more hop for every call; addsvc's balancer \
         checks nothing: it learns from its own failed calls, ejects the instance for 1 s, \
         then tries it again."
    );
    Ok(())
}

/// Three stringsvcs and an addsvc calling them, through haproxy or directly.
struct Setup {
    stringsvcs: Vec<Option<LoggedService>>,
    haproxy: Option<Haproxy>,
    addsvc: LoggedService,
}

impl Setup {
    fn start(addsvc: &Path, stringsvc: &Path, central: bool, scratch: &Path) -> Result<Setup> {
        let names = ["stringsvc-1", "stringsvc-2", "stringsvc-3"];
        let stringsvcs = names
            .iter()
            .map(|name| LoggedService::start(name, stringsvc, &[], scratch).map(Some))
            .collect::<Result<Vec<_>>>()?;
        let addrs: Vec<SocketAddr> = stringsvcs.iter().flatten().map(|s| s.addr).collect();
        let haproxy = central
            .then(|| Haproxy::start(&addrs, scratch))
            .transpose()?;
        let url = match &haproxy {
            Some(haproxy) => format!("http://{}", haproxy.addr),
            None => addrs
                .iter()
                .map(|addr| format!("http://{addr}"))
                .collect::<Vec<_>>()
                .join(","),
        };
        let name = if central {
            "addsvc-central"
        } else {
            "addsvc-client"
        };
        let addsvc =
            LoggedService::start(name, addsvc, &[("ADDSVC_STRINGSVC_URL", &url)], scratch)?;
        Ok(Setup {
            stringsvcs,
            haproxy,
            addsvc,
        })
    }

    fn name(&self) -> &'static str {
        if self.haproxy.is_some() {
            "haproxy"
        } else {
            "addsvc's own"
        }
    }

    /// CPU time so far of every process, by name.
    fn cpu_seconds(&self) -> Vec<(&'static str, Option<f64>)> {
        let mut all = vec![("addsvc", procfs::cpu_seconds(self.addsvc.pid()))];
        if let Some(haproxy) = &self.haproxy {
            all.push(("haproxy", procfs::cpu_seconds(haproxy.process.0.id())));
        }
        let stringsvcs: Option<f64> = self
            .stringsvcs
            .iter()
            .flatten()
            .map(|stringsvc| procfs::cpu_seconds(stringsvc.pid()))
            .sum();
        all.push(("stringsvcs", stringsvcs));
        all
    }
}

/// haproxy in the foreground on a free loopback port, with its statistics on another.
struct Haproxy {
    process: KillOnDrop,
    addr: SocketAddr,
    stats: SocketAddr,
}

impl Haproxy {
    fn start(instances: &[SocketAddr], scratch: &Path) -> Result<Haproxy> {
        let (addr, stats) = (free_loopback_addr()?, free_loopback_addr()?);
        let mut config = format!(
            "global\n  maxconn 4096\n\ndefaults\n  mode http\n  timeout connect 1s\n  \
             timeout client 30s\n  timeout server 30s\n\nfrontend stringsvc\n  bind {addr}\n  \
             default_backend stringsvcs\n\nlisten stats\n  bind {stats}\n  stats enable\n  \
             stats uri /stats\n\nbackend stringsvcs\n  balance roundrobin\n  \
             option httpchk GET /health\n"
        );
        for (index, instance) in instances.iter().enumerate() {
            let _ = writeln!(
                config,
                "  server s{} {instance} check inter {CHECK_INTERVAL_MS}ms fall {CHECK_FALL} rise 2",
                index + 1
            );
        }
        let file = scratch.join("haproxy.cfg");
        std::fs::write(&file, config)?;
        let log = std::fs::File::create(scratch.join("haproxy.log"))?;
        let process = KillOnDrop(
            Command::new(HAPROXY.program)
                // -db: in the foreground, stopped with the tool.
                .args(["-db", "-f"])
                .arg(&file)
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()
                .context("could not start haproxy")?,
        );
        let haproxy = Haproxy {
            process,
            addr,
            stats,
        };
        // Ready once every instance has passed its first health check.
        let deadline = Instant::now() + Duration::from_secs(10);
        while haproxy.servers_up()? < instances.len() {
            if Instant::now() > deadline {
                bail!(
                    "haproxy did not see {} instances up within 10 s",
                    instances.len()
                );
            }
            thread::sleep(Duration::from_millis(50));
        }
        Ok(haproxy)
    }

    /// How many servers of the backend haproxy's statistics say are UP.
    fn servers_up(&self) -> Result<usize> {
        if TcpStream::connect(self.stats).is_err() {
            return Ok(0);
        }
        let csv = get_with(&http_agent(), &format!("http://{}/stats;csv", self.stats))?.body;
        servers_up(&csv)
    }
}

/// How many servers of the backend `stringsvcs` are UP in haproxy's statistics (CSV, its
/// header line first).
fn servers_up(csv: &str) -> Result<usize> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .trim_start_matches("# ")
        .split(',')
        .collect();
    let column = |name: &str| header.iter().position(|field| *field == name);
    let (Some(proxy), Some(server), Some(status)) =
        (column("pxname"), column("svname"), column("status"))
    else {
        bail!("haproxy's statistics have no pxname, svname or status column");
    };
    Ok(lines
        .map(|line| line.split(',').collect::<Vec<_>>())
        .filter(|fields| {
            fields.get(proxy) == Some(&"stringsvcs")
                && fields
                    .get(server)
                    .is_some_and(|name| !["FRONTEND", "BACKEND"].contains(name))
                && fields
                    .get(status)
                    .is_some_and(|status| status.starts_with("UP"))
        })
        .count())
}

/// Concats from several loops; one instance killed after BEFORE_KILL. Says how many
/// Concats failed, when the last one did, and (central) when haproxy marked it down.
fn kill_one(setup: &mut Setup) -> Result<String> {
    let stop = AtomicBool::new(false);
    let failures: Mutex<Vec<Duration>> = Mutex::new(Vec::new());
    let sent = Mutex::new(0u64);
    let started = Instant::now();
    let addsvc = &setup.addsvc;
    let mut marked_down = None;
    thread::scope(|scope| -> Result<()> {
        for _ in 0..CLIENTS {
            scope.spawn(|| {
                let agent = http_agent();
                let url = addsvc.url("/concat");
                while !stop.load(Ordering::Relaxed) {
                    let ok = crate::http::post_json_with(&agent, &url, CONCAT_BODY, &[])
                        .is_ok_and(|reply| reply.status == 200);
                    *sent.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                    if !ok {
                        let at = started.elapsed();
                        failures.lock().unwrap_or_else(|e| e.into_inner()).push(at);
                    }
                }
            });
        }
        thread::sleep(BEFORE_KILL);
        // Dropping it kills it (SIGKILL): no goodbye.
        setup.stringsvcs[INSTANCES - 1] = None;
        let killed = Instant::now();
        while killed.elapsed() < AFTER_KILL {
            if let (Some(haproxy), None) = (&setup.haproxy, marked_down)
                && haproxy.servers_up()? < INSTANCES
            {
                marked_down = Some(killed.elapsed());
            }
            thread::sleep(Duration::from_millis(20));
        }
        stop.store(true, Ordering::Relaxed);
        Ok(())
    })?;
    let failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    let sent = sent.into_inner().unwrap_or_else(|e| e.into_inner());
    // When each failed, counted from the kill (the first few, then the last).
    let after_kill = |at: &Duration| at.as_secs_f64() - BEFORE_KILL.as_secs_f64();
    let mut times: Vec<String> = failures
        .iter()
        .take(6)
        .map(|at| format!("{:.2}", after_kill(at)))
        .collect();
    if failures.len() > 6
        && let Some(at) = failures.last()
    {
        times.push(format!("… {:.2}", after_kill(at)));
    }
    let last = if times.is_empty() {
        String::new()
    } else {
        format!(" (at {} s after the kill)", times.join(", "))
    };
    let mut said = format!("{} of {sent} Concats failed{last}", failures.len());
    if let Some(down) = marked_down {
        let _ = write!(
            said,
            "; haproxy marked it down after {:.2} s",
            down.as_secs_f64()
        );
    }
    if setup.haproxy.is_none() {
        let metrics = get_with(&http_agent(), &addsvc.url("/metrics"))?.body;
        let failed_calls = failed_stringsvc_calls(&metrics);
        let _ = write!(
            said,
            "; {failed_calls} calls to stringsvc failed (a retry on another instance saved their Concats)"
        );
    }
    Ok(said)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_backend_servers_up_in_haproxys_statistics() {
        // haproxy 2.6's CSV, cut after its status column: s1 answers, s2 does not.
        let csv = "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status
stringsvcs,s1,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP
stringsvcs,s2,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN
stringsvcs,BACKEND,0,0,0,0,10,0,0,0,0,0,,0,0,0,0,UP
";
        assert_eq!(servers_up(csv).unwrap(), 1);
        assert!(servers_up("pxname,svname\n").is_err());
    }
}
