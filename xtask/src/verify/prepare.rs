//! What verify fetches before its first row, so that it runs on a fresh clone where nothing
//! was set up: the crates every step builds with (the gates build offline), and Marp, where
//! npm is installed. What it cannot fetch, it names in one line.

use std::path::Path;
use std::process::Stdio;

use anyhow::{Result, bail};

use crate::cargo::cargo;
use crate::setup;

pub fn prepare(root: &Path) -> Result<()> {
    fetch_crates(root)?;
    if let Err(error) = setup::install_marp_once(root) {
        // The render row then says what is missing; every other row can still run.
        println!("could not install Marp in slides/: {error:#}");
    }
    Ok(())
}

/// Downloads the crates of Cargo.lock unless they all are here already.
fn fetch_crates(root: &Path) -> Result<()> {
    let quiet = |args: &[&str]| {
        cargo(root)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    if quiet(&["fetch", "--locked", "--offline"]) {
        return Ok(());
    }
    println!("Downloading the crates the series builds with (cargo fetch --locked)…");
    let fetched = cargo(root)
        .args(["fetch", "--locked"])
        .status()
        .is_ok_and(|status| status.success());
    if !fetched {
        bail!(
            "the crates the series builds with are not all downloaded, and cargo could not \
             download them: run `cargo workshop setup` where crates.io is reachable, then verify again"
        );
    }
    Ok(())
}
