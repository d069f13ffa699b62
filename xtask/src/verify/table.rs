//! The table verify prints: one row per proof, with its result and seconds.

use std::time::Instant;

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
}

struct Row {
    item: String,
    outcome: Outcome,
    seconds: f64,
    detail: String,
}

#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
}

impl Table {
    /// Runs one proof, timing it; `prove` says whether it held and what to note.
    pub fn row(&mut self, item: impl Into<String>, prove: impl FnOnce() -> (bool, String)) {
        let started = Instant::now();
        let (ok, detail) = prove();
        let outcome = if ok { Outcome::Passed } else { Outcome::Failed };
        self.record(item.into(), outcome, started, detail);
    }

    /// A proof not run, with the reason: a skip, or a failure when it was required.
    pub fn not_run(&mut self, item: impl Into<String>, outcome: Outcome, detail: String) {
        self.record(item.into(), outcome, Instant::now(), detail);
    }

    fn record(&mut self, item: String, outcome: Outcome, started: Instant, detail: String) {
        let seconds = started.elapsed().as_secs_f64();
        println!("-- {item}: {} ({seconds:.1} s) {detail}", outcome.word());
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
            println!(
                "{:<width$} {:<7} {:>8.1}  {}",
                row.item,
                row.outcome.word(),
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
