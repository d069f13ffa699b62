//! `cargo workshop check NN-slug`: black-box checks of the exercises. Each check builds the
//! attendee's code, starts the service and judges it only by what it answers and prints,
//! so any correct solution passes, whatever its internal names.
//!
//! This file holds the table of checks and runs one; each family of checks has a file of its
//! own (`answers`, `metrics`, `logging`, `contract`, `mutants`), next to the readers they share.

mod answers;
mod contract;
mod log_fields;
mod logging;
mod metrics;
mod mutants;
mod prometheus;
mod report;
mod test_run;
mod tree_copy;

use std::path::Path;

use anyhow::Result;

use crate::series;
use crate::service::{Service, build_binary};
use report::Report;

pub use test_run::passed_tests;

type CheckFn = fn(&Path, &mut Report) -> Result<()>;

/// The exercises that have an automatic check; the others are discussions.
fn check_for(exercise: &str) -> Option<CheckFn> {
    match exercise {
        "03-mult" => Some(answers::mult),
        "05-uppercase" => Some(answers::uppercase),
        "07-inflight-or-duration" => Some(metrics::inflight_or_duration),
        "10-transport-logger" => Some(logging::transport_logger),
        "11-request-id" => Some(logging::request_id),
        "14-teapot" => Some(answers::teapot),
        "17-optional-uppercase" => Some(answers::optional_uppercase),
        "19-new-contract" => Some(contract::new_contract),
        "19-unit-tests" => Some(mutants::unit_tests),
        _ => None,
    }
}

pub fn has_check(exercise: &str) -> bool {
    check_for(exercise).is_some()
}

/// Runs the check of `exercise` on the tree at `dir`; true when it is solved.
pub fn run(dir: &Path, exercise: &str) -> Result<bool> {
    series::exercise(dir, exercise)?;
    let Some(check) = check_for(exercise) else {
        println!(
            "{exercise} is a discussion exercise: there is nothing to run. \
             Compare your answer with solutions/{exercise}.md."
        );
        return Ok(true);
    };
    println!("Checking {exercise} in {}", dir.display());
    let mut report = Report::default();
    if let Err(error) = check(dir, &mut report) {
        report.expect(false, format!("{error:#}"));
    }
    let failures = report.failures();
    if failures == 0 {
        println!("{exercise}: solved.");
    } else {
        println!(
            "{exercise}: not solved yet ({failures} expectation(s) unmet). See exercises/{exercise}/README.md for hints."
        );
    }
    Ok(failures == 0)
}

/// addsvc built from the tree at `dir`, on a free port.
fn start_addsvc(dir: &Path) -> Result<Service> {
    Service::start(&build_binary(dir, "addsvc")?, &[])
}
