//! The table verify prints: one row per proof, with its result and seconds. On a terminal
//! the results are in colour and a line on stderr says which proof runs (see `activity`);
//! in a log (CI) the lines stay plain.

use std::time::Instant;

use anstyle::{AnsiColor, Style};

use crate::activity::Activity;
use crate::proof::Proof;

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
    activity: Option<Activity>,
}

impl Default for Table {
    fn default() -> Self {
        Table {
            rows: Vec::new(),
            activity: Some(Activity::new("verify", None)),
        }
    }
}

impl Table {
    /// Runs one proof, timing it; `prove` says whether it held and what to note.
    pub fn row(&mut self, item: impl Into<String>, prove: impl FnOnce() -> Proof) {
        let item = item.into();
        if let Some(activity) = &self.activity {
            activity.begin(&item);
        }
        let started = Instant::now();
        let (outcome, detail) = match prove() {
            Proof::Held(detail) => (Outcome::Passed, detail),
            Proof::Failed(detail) => (Outcome::Failed, detail),
        };
        self.record(item, outcome, started, detail);
    }

    /// A proof not run, with the reason: a skip, or a failure when it was required.
    pub fn not_run(&mut self, item: impl Into<String>, outcome: Outcome, detail: String) {
        self.record(item.into(), outcome, Instant::now(), detail);
    }

    fn record(&mut self, item: String, outcome: Outcome, started: Instant, detail: String) {
        let seconds = started.elapsed().as_secs_f64();
        let line =
            || anstream::println!("-- {item}: {} ({seconds:.1} s) {detail}", outcome.styled(0));
        match &self.activity {
            Some(activity) => {
                activity.above(line);
                activity.done();
            }
            None => line(),
        }
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

    pub fn print(&mut self) {
        if let Some(activity) = self.activity.take() {
            activity.finish();
        }
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
    }
}
