//! The workshop tool, run as `cargo workshop …` (see .cargo/config.toml).

mod activity;
mod bench;
mod cargo;
mod checks;
mod child;
mod demo;
mod dockerfile;
mod dockerignore;
mod doctor;
mod failover;
mod git;
mod goto;
mod hint;
mod http;
mod lint;
mod load;
mod manifests;
mod next;
mod pods;
mod position;
mod procfs;
mod progress;
mod proof;
mod registry;
mod roundtrip;
mod see_it;
mod series;
mod service;
mod setup;
mod slides;
mod solution;
mod status;
mod tools;
mod traces;
mod verify;
mod walk;
mod watch;
mod workflow;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo workshop",
    bin_name = "cargo workshop",
    about = "Move through the workshop's steps and prove them."
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Before the day, online: download and compile everything the series uses.
    Setup,
    /// Is this laptop ready? Rust, git, the crates in the cache, the ports, the disk, and the
    /// optional programs of each part of the day; fails when something every part needs is missing.
    Doctor,
    /// Put the files the steps touch (src/, tests/, and from later steps .github/, Dockerfile,
    /// deploy/) in the state after step NN (00 = baseline); saves your edits first.
    Goto {
        /// Step number, e.g. 03.
        step: u32,
    },
    /// Which step your tree is at, your edits on top of it, and what comes next.
    Status,
    /// Save your edits on a branch work/NN-slug, then put the tree at the next step.
    Next,
    /// Replay step NN's "See it" block in this tree and compare what it prints; put the tree
    /// at that step first (`cargo workshop goto NN`).
    SeeIt {
        /// Step number, e.g. 08.
        step: u32,
    },
    /// Check your solution of an exercise, e.g. `cargo workshop check 03-mult`.
    Check {
        /// Exercise directory name under exercises/.
        exercise: String,
    },
    /// The exercise's check again on every saved file, rustlings-style; a hint when stuck.
    Watch {
        /// Exercise directory name under exercises/.
        exercise: String,
    },
    /// The exercise's next hint, one more each time (what was seen is kept).
    Hint {
        /// Exercise directory name under exercises/.
        exercise: String,
    },
    /// Our solution to compare with yours, once your check has passed here.
    Solution {
        /// Exercise directory name under exercises/.
        exercise: String,
        /// Show it before your check has passed.
        #[arg(long)]
        anyway: bool,
    },
    /// Replay the run: steps of .github/workflows/ci.yml (from step 21) in this tree, in order.
    Ci,
    /// Prove the committed series: every step, every exercise check, the re-export.
    Verify {
        /// Leave out the metrics demo, even where Prometheus is installed.
        #[arg(long)]
        skip_demo: bool,
        /// Fail the rows whose programs (prometheus, curl, etcd…) are missing, and the
        /// tests that need etcd, instead of skipping them; CI passes it.
        #[arg(long, conflicts_with = "skip_demo")]
        require_tools: bool,
    },
    /// The metrics demo: addsvc and a real Prometheus, some traffic, PromQL answers.
    Demo,
    /// The tracing demo (step 20 on): both services export to a local OTLP receiver; each
    /// trace printed as a waterfall.
    Traces,
    /// The balancing demo (step 25 on): three stringsvcs behind addsvc, one killed and
    /// started again mid-traffic; the spread and the failures before, during and after.
    Failover {
        /// Instead (step 30 on): three stringsvcs registered in etcd, each replaced in
        /// turn under traffic, stopped with SIGTERM, then killed; failures per phase.
        #[arg(long)]
        rolling: bool,
    },
    /// The talk: resolve the slides' code includes into slides/deck.md and write
    /// slides/demo-script.md; `--render` makes the HTML and PDF in slides/out/.
    Slides {
        /// Also render slides/out/deck.html and deck.pdf with Marp (needs node and chromium).
        #[arg(long)]
        render: bool,
    },
    /// Time the rebuild after each patch (warm target dir).
    Bench,
    /// Load demo: addsvc (and stringsvc) in release under wrk, beside a bare actix-web handler.
    Load {
        /// Seconds of load per target.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
        duration: u64,
        /// Connections wrk keeps open.
        #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..))]
        connections: u32,
        /// Also run /concat with addsvc over three stringsvcs (step 24 on), and print the
        /// ratio of its req/s to one stringsvc's.
        #[arg(long)]
        spread: bool,
        /// Instead, measure addsvc's /sum with its logs going to a file, to /dev/null and to
        /// a slow pipe: what the logger that drops no line costs when its output lags.
        #[arg(long, conflicts_with = "spread")]
        log_sinks: bool,
        /// Instead, /concat over three stringsvcs through haproxy (a central balancer, with
        /// health checks), then through addsvc's own balancer (step 25 on); then each
        /// with one instance killed under traffic.
        #[arg(long, conflicts_with_all = ["spread", "log_sinks"])]
        central: bool,
    },
    /// Maintainers: materialise the series as branch workshop/series (+ workshop/solution/*).
    Branch {
        /// Replace existing branches.
        #[arg(long)]
        force: bool,
    },
    /// Maintainers: regenerate patches/ and solutions/ from workshop/series and workshop/solution/*.
    Export,
    /// Maintainers: move workshop/series onto HEAD and each solution onto its moved step.
    Rebase,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<bool> {
    let root = repo_root()?;
    // Scratch worktrees build in a target dir of their own: cargo judges freshness by
    // file times, so a scratch build of the same files could pass for the attendee's.
    let scratch = matches!(
        cli.command,
        Cmd::Verify { .. } | Cmd::Bench | Cmd::Branch { .. }
    );
    cargo::prepare_environment(&root, scratch);
    if let Cmd::Verify {
        require_tools: true,
        ..
    } = cli.command
    {
        // The tests that need a program (etcd) fail without it instead of skipping.
        // SAFETY: no thread has started yet.
        unsafe { std::env::set_var(harness::etcd::REQUIRE_TOOLS, "1") };
    }
    match cli.command {
        Cmd::Setup => setup::run(&root).map(|()| true),
        Cmd::Doctor => doctor::run(&root),
        Cmd::Goto { step } => goto::run(&root, step).map(|()| true),
        Cmd::Status => status::run(&root),
        Cmd::Next => next::run(&root).map(|()| true),
        Cmd::SeeIt { step } => see_it::run(&root, step),
        Cmd::Check { exercise } => checks::run(&root, &exercise).and_then(|verdict| {
            checks::record(&root, &exercise, &verdict)?;
            Ok(verdict.passed())
        }),
        Cmd::Hint { exercise } => hint::run(&root, &exercise),
        Cmd::Watch { exercise } => watch::run(&root, &exercise),
        Cmd::Solution { exercise, anyway } => solution::run(&root, &exercise, anyway),
        Cmd::Ci => workflow::run(&root),
        Cmd::Verify {
            skip_demo,
            require_tools,
        } => verify::run(
            &root,
            verify::Options {
                skip_demo,
                require_tools,
            },
        )
        .map(|()| true),
        Cmd::Demo => demo::run(&root).map(|()| true),
        Cmd::Traces => traces::run(&root).map(|_| true),
        Cmd::Failover { rolling: false } => failover::run(&root).map(|()| true),
        Cmd::Failover { rolling: true } => failover::run_rolling(&root).map(|()| true),
        Cmd::Slides { render } => slides::run(&root, render).map(|()| true),
        Cmd::Bench => bench::run(&root).map(|()| true),
        Cmd::Load {
            duration,
            connections,
            spread,
            log_sinks,
            central,
        } => load::run(
            &root,
            &load::Settings {
                seconds: duration,
                connections,
                spread,
                log_sinks,
                central,
            },
        )
        .map(|()| true),
        Cmd::Branch { force } => roundtrip::branch(&root, force).map(|()| true),
        Cmd::Export => roundtrip::export(&root).map(|()| true),
        Cmd::Rebase => roundtrip::rebase(&root).map(|()| true),
    }
}

/// The workshop repository: the parent of this crate's directory. Read at run time (cargo run
/// sets it), not compile time: a target dir shared by two checkouts reuses one binary.
fn repo_root() -> Result<PathBuf> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .context("run the tool through cargo: `cargo workshop …`")?;
    Path::new(&manifest_dir)
        .parent()
        .map(Path::to_path_buf)
        .context("the tool crate has no parent directory")
}
