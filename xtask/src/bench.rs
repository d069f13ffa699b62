//! `cargo workshop bench`: how long an attendee waits after applying each patch.
//! Walks the series in a scratch worktree and times `cargo build --all-targets` right after
//! each patch lands, with the target dir warm from the step before.

use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};

use crate::activity::Activity;
use crate::cargo::cargo;
use crate::series;
use crate::walk::{self, Scratch, State};

pub fn run(root: &Path) -> Result<()> {
    let scratch = Scratch::new(root, "bench")?;
    let mut timings: Vec<(String, f64)> = Vec::new();
    let activity = Activity::new("bench", Some(series::steps(root)?.len() + 1));
    walk::walk(&scratch, |git, state| {
        let State::Step { number, name } = state else {
            return Ok(());
        };
        activity.begin(&format!("{name}: cargo build --all-targets"));
        let started = Instant::now();
        let status = cargo(git.dir())
            .args(["build", "--all-targets", "--offline", "--quiet"])
            .status()?;
        if !status.success() {
            bail!("step {name} does not build");
        }
        let seconds = started.elapsed().as_secs_f64();
        activity.above(|| {
            if number == 0 {
                println!("{name}: warm-up build {seconds:.1} s (not counted)");
            } else {
                println!("{name}: rebuild {seconds:.1} s");
            }
        });
        if number > 0 {
            timings.push((name.to_owned(), seconds));
        }
        activity.done();
        Ok(())
    })?;
    activity.finish();
    let mut seconds: Vec<f64> = timings.iter().map(|(_, s)| *s).collect();
    seconds.sort_by(f64::total_cmp);
    if let (Some(max), false) = (seconds.last(), seconds.is_empty()) {
        let median = if seconds.len() % 2 == 1 {
            seconds[seconds.len() / 2]
        } else {
            (seconds[seconds.len() / 2 - 1] + seconds[seconds.len() / 2]) / 2.0
        };
        println!(
            "rebuild after one patch, {} patches: median {median:.1} s, max {max:.1} s",
            seconds.len()
        );
    }
    Ok(())
}
