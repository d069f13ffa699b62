//! The table verify prints: one row per proof, with its result and seconds. On a terminal
//! the results are in colour, and a line on stderr says which proof runs, how many rows are
//! done and, from the last complete run, about how long is left; in a log (CI) the lines
//! stay plain.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use anstyle::{AnsiColor, Style};
use serde_json::json;

#[derive(Clone, Copy, PartialEq)]
pub enum Outcome {
    Passed,
    Failed,
    /// Not run: it needs something this machine lacks, or the run was told to leave it out.
    Skipped,
}

impl Outcome {
    fn word(self) -> &'static str {
        match self {
            Outcome::Passed => "ok",
            Outcome::Failed => "FAILED",
            Outcome::Skipped => "skipped",
        }
    }

    /// The word, padded to `width`, in its colour; anstream drops the colour where the
    /// output is not a terminal or NO_COLOR is set.
    fn styled(self, width: usize) -> String {
        let style: Style = match self {
            Outcome::Passed => AnsiColor::Green.on_default(),
            Outcome::Failed => AnsiColor::Red.on_default().bold(),
            Outcome::Skipped => AnsiColor::Yellow.on_default(),
        };
        format!("{style}{:<width$}{style:#}", self.word())
    }
}

struct Row {
    item: String,
    outcome: Outcome,
    seconds: f64,
    detail: String,
}

pub struct Table {
    rows: Vec<Row>,
    started: Instant,
    /// Rows and seconds of the last complete run, for the estimate.
    last_run: Option<(usize, f64)>,
    /// Whether to show which proof runs (stderr is a terminal).
    live: bool,
}

impl Default for Table {
    fn default() -> Self {
        let last_run = history_file()
            .and_then(|file| std::fs::read_to_string(file).ok())
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|value| Some((value["rows"].as_u64()? as usize, value["seconds"].as_f64()?)));
        Table {
            rows: Vec::new(),
            started: Instant::now(),
            last_run,
            live: std::io::stderr().is_terminal(),
        }
    }
}

/// Where the last complete run's size is kept: beside the builds verify makes.
fn history_file() -> Option<PathBuf> {
    Some(PathBuf::from(std::env::var_os("CARGO_TARGET_DIR")?).join("verify-last-run.json"))
}

impl Table {
    /// Runs one proof, timing it; `prove` says whether it held and what to note.
    pub fn row(&mut self, item: impl Into<String>, prove: impl FnOnce() -> (bool, String)) {
        let item = item.into();
        self.show_running(&item);
        let started = Instant::now();
        let (ok, detail) = prove();
        let outcome = if ok { Outcome::Passed } else { Outcome::Failed };
        self.record(item, outcome, started, detail);
    }

    /// "[row 12 of ~181, 1:05, about 13 min left] step 03-log-in-service…" on stderr.
    fn show_running(&self, item: &str) {
        if !self.live {
            return;
        }
        let elapsed = self.started.elapsed().as_secs();
        let (of, left) = match self.last_run {
            Some((rows, seconds)) => {
                let left = (seconds as u64).saturating_sub(elapsed);
                (
                    format!(" of ~{rows}"),
                    format!(", about {} min left", left.div_ceil(60)),
                )
            }
            None => (String::new(), String::new()),
        };
        eprint!(
            "\r\x1b[2K[row {}{of}, {}:{:02}{left}] {item}…",
            self.rows.len() + 1,
            elapsed / 60,
            elapsed % 60
        );
    }

    /// A proof not run, with the reason: a skip, or a failure when it was required.
    pub fn not_run(&mut self, item: impl Into<String>, outcome: Outcome, detail: String) {
        self.record(item.into(), outcome, Instant::now(), detail);
    }

    fn record(&mut self, item: String, outcome: Outcome, started: Instant, detail: String) {
        let seconds = started.elapsed().as_secs_f64();
        if self.live {
            eprint!("\r\x1b[2K");
        }
        anstream::println!("-- {item}: {} ({seconds:.1} s) {detail}", outcome.styled(0));
        self.rows.push(Row {
            item,
            outcome,
            seconds,
            detail,
        });
    }

    pub fn count(&self, outcome: Outcome) -> usize {
        self.rows
            .iter()
            .filter(|row| row.outcome == outcome)
            .count()
    }

    pub fn print(&self) {
        let width = self
            .rows
            .iter()
            .map(|row| row.item.len())
            .max()
            .unwrap_or(0);
        println!();
        println!(
            "{:<width$} {:<7} {:>8}  detail",
            "step / exercise", "result", "seconds"
        );
        for row in &self.rows {
            anstream::println!(
                "{:<width$} {} {:>8.1}  {}",
                row.item,
                row.outcome.styled(7),
                row.seconds,
                row.detail
            );
        }
        let total: f64 = self.rows.iter().map(|row| row.seconds).sum();
        println!("{:<width$} {:<7} {:>8.1}", "total", "", total);
        println!();
        println!(
            "verify: {} passed, {} failed, {} skipped",
            self.count(Outcome::Passed),
            self.count(Outcome::Failed),
            self.count(Outcome::Skipped)
        );
        let seconds = self.started.elapsed().as_secs_f64();
        if let Some(file) = history_file() {
            // Only an estimate for the next run: losing it costs nothing.
            let _ = std::fs::write(
                file,
                json!({"rows": self.rows.len(), "seconds": seconds}).to_string(),
            );
        }
    }
}
