//! What a long command is doing, while it does it: on a terminal, one line on stderr redrawn
//! in place with what runs, item k of N, the time elapsed and, from the last complete run of
//! the same command, about how long is left. Where stderr is not a terminal (a CI log)
//! nothing is drawn: the commands' own result lines are the log.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use serde_json::json;

pub struct Activity {
    bar: ProgressBar,
    /// The file holding the last complete run's seconds, for the next run's estimate.
    history: Option<PathBuf>,
    started: Instant,
}

impl Activity {
    /// An activity of `total` items for the command `command` (its estimate is kept under
    /// that name); with `total` unknown beforehand, the last complete run's count stands in.
    pub fn new(command: &str, total: Option<usize>) -> Activity {
        let history = history_file(command);
        let last_run = history
            .as_ref()
            .and_then(|file| std::fs::read_to_string(file).ok())
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
        let expected = last_run.as_ref().and_then(|run| run["seconds"].as_f64());
        let total = total.or_else(|| Some(last_run?["items"].as_u64()? as usize));
        let bar = ProgressBar::with_draw_target(
            total.map(|total| total as u64),
            ProgressDrawTarget::stderr(),
        );
        let template = match total {
            Some(_) => "[{pos}/{len} · {elapsed}{left}] {wide_msg}",
            None => "[{pos} done · {elapsed}] {wide_msg}",
        };
        let style = ProgressStyle::with_template(template)
            .expect("the template is valid")
            .with_key(
                "left",
                move |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                    if let Some(expected) = expected {
                        let left = (expected - state.elapsed().as_secs_f64()).max(0.0);
                        let _ = write!(out, " · about {} min left", (left / 60.0).ceil() as u64);
                    }
                },
            );
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(500));
        Activity {
            bar,
            history,
            started: Instant::now(),
        }
    }

    /// Shows what runs now (counted as item k = items done + 1).
    pub fn begin(&self, item: &str) {
        self.bar.set_message(format!("{item}…"));
    }

    /// One more item done.
    pub fn done(&self) {
        self.bar.inc(1);
        // A run longer than the last one counted on: the count grows with it.
        if let Some(total) = self.bar.length() {
            self.bar.set_length(total.max(self.bar.position()));
        }
    }

    /// Runs `print` with the line cleared, so what it prints is not mixed with the line;
    /// also where the line is not drawn.
    pub fn above<T>(&self, print: impl FnOnce() -> T) -> T {
        self.bar.suspend(print)
    }

    /// Runs a child that draws on the terminal itself (cargo's own progress): the line is
    /// cleared first and a plain header says what runs, item k of N and the time so far.
    pub fn visible<T>(&self, item: &str, run: impl FnOnce() -> T) -> T {
        let elapsed = self.started.elapsed().as_secs();
        let position = self.bar.position() + 1;
        let of = self
            .bar
            .length()
            .map(|total| format!("/{total}"))
            .unwrap_or_default();
        self.bar.suspend(|| {
            anstream::println!(
                "[{position}{of} · {}:{:02}] {item}",
                elapsed / 60,
                elapsed % 60
            );
            run()
        })
    }

    /// The command completed: the line goes away and its time is kept for the next estimate.
    pub fn finish(self) {
        self.bar.finish_and_clear();
        if let Some(file) = &self.history {
            let seconds = self.started.elapsed().as_secs_f64();
            let items = self.bar.position();
            // Only an estimate for the next run: losing it costs nothing.
            let _ = std::fs::write(
                file,
                json!({ "seconds": seconds, "items": items }).to_string(),
            );
        }
    }
}

/// Where a command's last complete run is timed: in the target dir the tool's builds use.
fn history_file(command: &str) -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")?;
    Some(PathBuf::from(target).join(format!("{command}-last-run.json")))
}
