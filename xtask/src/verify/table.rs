//! The table verify prints: one row per proof, with its result and seconds.

use std::time::Instant;

struct Row {
    item: String,
    ok: bool,
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
        self.record(item.into(), ok, started, detail);
    }

    fn record(&mut self, item: String, ok: bool, started: Instant, detail: String) {
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "-- {item}: {} ({seconds:.1} s) {detail}",
            if ok { "ok" } else { "FAILED" }
        );
        self.rows.push(Row {
            item,
            ok,
            seconds,
            detail,
        });
    }

    pub fn failed(&self) -> usize {
        self.rows.iter().filter(|row| !row.ok).count()
    }

    pub fn print(&self) {
        println!();
        println!(
            "{:<44} {:<7} {:>8}  detail",
            "step / exercise", "result", "seconds"
        );
        for row in &self.rows {
            println!(
                "{:<44} {:<7} {:>8.1}  {}",
                row.item,
                if row.ok { "ok" } else { "FAILED" },
                row.seconds,
                row.detail
            );
        }
        let total: f64 = self.rows.iter().map(|row| row.seconds).sum();
        println!("{:<44} {:<7} {:>8.1}", "total", "", total);
        println!();
        println!(
            "verify: {} passed, {} failed",
            self.rows.len() - self.failed(),
            self.failed()
        );
    }
}
