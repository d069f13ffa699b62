//! The workshop tool, run as `cargo workshop …` (see .cargo/config.toml).

mod bench;
mod checks;
mod git;
mod goto;
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
    Verify,
    /// Time the rebuild after each patch (warm target dir).
    Bench,
    /// Maintainers: materialise the series as branch workshop/series (+ workshop/solution/*).
    Branch {
        /// Replace existing branches.
        #[arg(long)]
        force: bool,
    },
    /// Maintainers: regenerate patches/ and solutions/ from workshop/series and workshop/solution/*.
    Export,
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
    share_target_dir(&root);
    match cli.command {
        Cmd::Setup => setup::run(&root).map(|()| true),
        Cmd::Goto { step } => goto::run(&root, step).map(|()| true),
        Cmd::Check { exercise } => checks::run(&root, &exercise),
        Cmd::Verify => verify::run(&root).map(|()| true),
        Cmd::Bench => bench::run(&root).map(|()| true),
        Cmd::Branch { force } => roundtrip::branch(&root, force).map(|()| true),
        Cmd::Export => roundtrip::export(&root).map(|()| true),
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

/// Builds in scratch worktrees land in the repository's own target dir, so every step
/// reuses the dependencies compiled once at setup.
fn share_target_dir(root: &Path) {
    if std::env::var_os("CARGO_TARGET_DIR").is_none() {
        // SAFETY: called before the tool starts any thread.
        unsafe { std::env::set_var("CARGO_TARGET_DIR", root.join("target")) };
    }
}
