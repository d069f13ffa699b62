//! The workshop tool, run as `cargo workshop …` (see .cargo/config.toml).

mod bench;
mod checks;
mod demo;
mod git;
mod goto;
mod load;
mod roundtrip;
mod series;
mod service;
mod setup;
mod verify;
mod walk;

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
    /// Reset src/ and tests/ to the state after step NN (00 = baseline); saves your edits first.
    Goto {
        /// Step number, e.g. 03.
        step: u32,
    },
    /// Check your solution of an exercise, e.g. `cargo workshop check 03-mult`.
    Check {
        /// Exercise directory name under exercises/.
        exercise: String,
    },
    /// Prove the committed series: every step, every exercise check, the re-export.
    Verify {
        /// Skip the metrics demo (it needs `prometheus` on PATH).
        #[arg(long)]
        skip_demo: bool,
    },
    /// The metrics demo: addsvc and a real Prometheus, some traffic, PromQL answers.
    Demo,
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
    prepare_environment(&root, scratch);
    match cli.command {
        Cmd::Setup => setup::run(&root).map(|()| true),
        Cmd::Goto { step } => goto::run(&root, step).map(|()| true),
        Cmd::Check { exercise } => checks::run(&root, &exercise),
        Cmd::Verify { skip_demo } => verify::run(&root, !skip_demo).map(|()| true),
        Cmd::Demo => demo::run(&root).map(|()| true),
        Cmd::Bench => bench::run(&root).map(|()| true),
        Cmd::Load {
            duration,
            connections,
        } => load::run(
            &root,
            &load::Settings {
                seconds: duration,
                connections,
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

/// Prepares the environment every cargo the tool starts inherits: one target dir for all the
/// builds of a command, so every step of a walk reuses the dependencies compiled once (the
/// attendee's own `target/`, or `target/workshop/` for scratch worktrees); and without the
/// variables `cargo run` set for this tool, since build scripts that watch them (ring's watches
/// CARGO_PKG_NAME) would otherwise rebuild on every switch between the tool's builds and the
/// attendee's.
fn prepare_environment(root: &Path, scratch: bool) {
    let set_by_cargo_run = |name: &str| {
        ["CARGO_PKG_", "CARGO_MANIFEST_"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
            || [
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "OUT_DIR",
            ]
            .contains(&name)
    };
    let stale: Vec<_> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| set_by_cargo_run(name))
        .collect();
    // SAFETY: called before the tool starts any thread.
    unsafe {
        for name in stale {
            std::env::remove_var(name);
        }
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let target = if scratch {
            target.join("workshop")
        } else {
            target
        };
        std::env::set_var("CARGO_TARGET_DIR", target);
    }
}
