//! `cargo workshop setup`: the one command to run before the day, online. It downloads every
//! crate the whole series uses and compiles them once, so every step then builds offline and
//! in seconds.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::cargo::cargo;

/// The same packages and flags the attendee and verify use later, so that their builds find
/// every dependency compiled with the same features (a `--workspace` build would not).
const COMMANDS: [&[&str]; 3] = [
    &["fetch", "--locked"],
    &["build", "--all-targets", "--locked"],
    // Clippy keeps its own compiled metadata: warm it too, for the gates of verify.
    &["clippy", "--all-targets", "--locked"],
];

pub fn run(root: &Path) -> Result<()> {
    let started = Instant::now();
    for args in COMMANDS {
        println!("$ cargo {}", args.join(" "));
        let status = cargo(root)
            .args(args)
            .status()
            .with_context(|| format!("could not run cargo {}", args.join(" ")))?;
        if !status.success() {
            bail!("cargo {} failed; see above", args.join(" "));
        }
    }
    println!(
        "Setup done in {:.0} s. From now on every step builds offline: try `cargo run`.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
