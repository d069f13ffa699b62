//! `cargo workshop setup`: the one command to run before the day, online. It downloads every
//! crate the whole series uses and compiles them once, so every step then builds offline and
//! in seconds. Where npm is installed it also installs Marp in slides/, which renders the
//! talk.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::activity::Activity;
use crate::cargo::cargo;
use crate::slides::render::MARP;
use crate::tools::NPM;

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
    // cargo and npm draw their own progress: each gets a header line, k of N and the time.
    let activity = Activity::new("setup", Some(COMMANDS.len() + 1));
    for args in COMMANDS {
        let status = activity
            .visible(&format!("$ cargo {}", args.join(" ")), || {
                cargo(root).args(args).status()
            })
            .with_context(|| format!("could not run cargo {}", args.join(" ")))?;
        if !status.success() {
            bail!("cargo {} failed; see above", args.join(" "));
        }
        activity.done();
    }
    activity.visible("slides: the Marp renderer", || install_marp(root))?;
    activity.finish();
    println!(
        "Setup done in {:.0} s. From now on every step builds offline: try `cargo run`.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Marp, unless slides/node_modules holds it already.
pub fn install_marp_once(root: &Path) -> Result<()> {
    if root.join(MARP).is_file() {
        return Ok(());
    }
    install_marp(root)
}

/// Marp, pinned by slides/package-lock.json, so that `cargo workshop slides --render` works
/// offline later; skipped, saying so, where npm is not installed.
fn install_marp(root: &Path) -> Result<()> {
    let Some(npm) = NPM.path() else {
        println!(
            "No npm: the slides will not render to HTML and PDF (Debian/Ubuntu `{}`, macOS `{}`).",
            NPM.debian, NPM.macos
        );
        return Ok(());
    };
    println!("$ npm ci (in slides/)");
    let status = std::process::Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(root.join("slides"))
        .status()
        .context("could not run npm ci")?;
    if !status.success() {
        bail!("npm ci failed in slides/; see above");
    }
    Ok(())
}
