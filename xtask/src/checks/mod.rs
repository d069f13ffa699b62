//! `cargo workshop check NN-slug`: black-box checks of the exercises. Each check builds the
//! attendee's code, starts the service and judges it only by what it answers and prints,
//! so any correct solution passes, whatever its internal names.
//!
//! A check judges the tree of its exercise's step, with the attendee's edits on top. On a
//! tree at another step its expectations do not hold (from step 16, say, addsvc needs a
//! running stringsvc), so it says which step it expects and how to get there, and runs
//! nothing: a "not solved yet" there would mislead.
//!
//! This file holds the table of checks and runs one; each family of checks has a file of its
//! own (`answers`, `metrics`, `logging`, `contract`, `mutants`,
//! `tracing`, `own_ci`, `deploy`, `balancing`, `rollout`), next to the readers they share.

mod answers;
mod balancing;
mod contract;
mod delay_proxy;
mod deploy;
mod log_fields;
mod logging;
mod metrics;
mod mutants;
mod own_ci;
mod pact_match;
mod prometheus;
mod report;
mod rollout;
mod test_run;
mod tracing;
mod tree_copy;

use std::path::Path;

use anyhow::Result;

use crate::git::Git;
use crate::position::{self, Place};
use crate::progress::Progress;
use crate::series::{self, Exercise};
use crate::service::{Service, build_binary};
use crate::tools::{ACTIONLINT, ETCD, KUBERNETES_VALIDATE, Tool};
use harness::loopback_addr_in;
use report::Report;

pub use rollout::failed_stringsvc_calls;
pub use test_run::passed_tests;

type CheckFn = fn(&Path, &mut Report) -> Result<()>;

/// An exercise's check, and the programs it runs that cargo cannot provide: verify skips
/// its rows where one is missing, naming how to install it.
pub struct Check {
    run: CheckFn,
    pub needs: &'static [&'static Tool],
}

const fn check(run: CheckFn) -> Option<Check> {
    Some(Check { run, needs: &[] })
}

/// The exercises that have an automatic check; the others are discussions.
pub fn check_for(exercise: &str) -> Option<Check> {
    match exercise {
        "03-mult" => check(answers::mult),
        "05-uppercase" => check(answers::uppercase),
        "07-inflight-or-duration" => check(metrics::inflight_or_duration),
        "10-transport-logger" => check(logging::transport_logger),
        "11-request-id" => check(logging::request_id),
        "14-teapot" => check(answers::teapot),
        "17-optional-uppercase" => check(answers::optional_uppercase),
        "19-new-contract" => check(contract::new_contract),
        "19-unit-tests" => check(mutants::unit_tests),
        "20-trace-across-services" => check(tracing::trace_across_services),
        "21-own-repo-ci" => Some(Check {
            run: own_ci::own_repo_ci,
            needs: &[&ACTIONLINT],
        }),
        "22-deploy-addsvc" => Some(Check {
            run: deploy::deploy_addsvc,
            needs: &[&KUBERNETES_VALIDATE],
        }),
        "23-deploy-stringsvc" => Some(Check {
            run: deploy::deploy_stringsvc,
            needs: &[&KUBERNETES_VALIDATE],
        }),
        "25-least-loaded" => check(balancing::least_loaded),
        "30-deregister-first" => Some(Check {
            run: rollout::deregister_first,
            needs: &[&ETCD],
        }),
        _ => None,
    }
}

pub fn has_check(exercise: &str) -> bool {
    check_for(exercise).is_some()
}

/// What a check concluded.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Solved,
    NotSolved,
    /// Nothing to run: the exercise is a discussion.
    Discussion,
    /// Not run: the tree is at step `found`, the exercise belongs to step `expected`.
    WrongStep {
        expected: u32,
        found: u32,
    },
}

impl Verdict {
    /// Whether `cargo workshop check` exits with success.
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Solved | Verdict::Discussion)
    }
}

/// Keeps the verdict of the attendee's own check (not verify's) in their progress: a pass
/// offers our solution to compare; a second failure offers a hint.
pub fn record(root: &Path, exercise: &str, verdict: &Verdict) -> Result<()> {
    let passed = match verdict {
        Verdict::Solved => true,
        Verdict::NotSolved => false,
        Verdict::Discussion | Verdict::WrongStep { .. } => return Ok(()),
    };
    let name = series::exercise(root, exercise)?.name;
    let mut progress = Progress::load(root);
    let failed = progress.checked(&name, passed);
    progress.save(root)?;
    if passed {
        println!("Compare with ours: `cargo workshop solution {name}`.");
    } else if failed >= 2 {
        println!("Stuck? `cargo workshop hint {name}` shows the next hint.");
    }
    Ok(())
}

/// Runs the check of `exercise` on the tree at `dir`.
pub fn run(dir: &Path, exercise: &str) -> Result<Verdict> {
    let exercise = series::exercise(dir, exercise)?;
    let name = exercise.name.as_str();
    let Some(check) = check_for(name) else {
        println!(
            "{name} is a discussion exercise: there is nothing to run. \
             Compare your answer with solutions/{name}.md."
        );
        return Ok(Verdict::Discussion);
    };
    if let Some(found) = other_step(dir, &exercise) {
        refuse_other_step(dir, &exercise, found)?;
        return Ok(Verdict::WrongStep {
            expected: exercise.step,
            found,
        });
    }
    Ok(judge(dir, name, check.run))
}

/// Runs `check` on the tree at `dir` and says what it concluded.
fn judge(dir: &Path, exercise: &str, check: CheckFn) -> Verdict {
    println!("Checking {exercise} in {}", dir.display());
    let mut report = Report::default();
    if let Err(error) = check(dir, &mut report) {
        report.expect(false, format!("{error:#}"));
    }
    let failures = report.failures();
    if failures == 0 {
        println!("{exercise}: solved.");
        println!(
            "Move on: `cargo workshop next` keeps your solution on a branch named after the \
             exercise, then puts the tree at the next step."
        );
        Verdict::Solved
    } else {
        println!(
            "{exercise}: not solved yet ({failures} expectation(s) unmet). Hints: exercises/{exercise}/README.md, one at a time with `cargo workshop hint {exercise}`."
        );
        Verdict::NotSolved
    }
}

/// The step the tree is at, when it is one and not the exercise's. A tree that cannot be
/// placed (no git, or equally near two steps) is checked anyway, with a note.
fn other_step(dir: &Path, exercise: &Exercise) -> Option<u32> {
    match position::locate(dir).map(|position| position.place) {
        Ok(Place::Step { number, .. }) => (number != exercise.step).then_some(number),
        Ok(Place::Unknown { nearest, .. }) => {
            let nearest: Vec<String> = nearest.iter().map(|n| format!("{n:02}")).collect();
            println!(
                "note: this tree is equally near to steps {}; checking it as step {:02}.",
                nearest.join(", "),
                exercise.step
            );
            None
        }
        Err(error) => {
            println!(
                "note: could not tell which step this tree is at ({error:#}); checking it anyway."
            );
            None
        }
    }
}

fn refuse_other_step(dir: &Path, exercise: &Exercise, found: u32) -> Result<()> {
    let (name, expected) = (&exercise.name, exercise.step);
    println!(
        "check {name} expects step {expected:02} (with your solution on top); this tree is at step {found:02}."
    );
    println!("Nothing was run: at another step the check's expectations do not hold.");
    println!("Go there: cargo workshop goto {expected:02} (it saves your edits in a stash first)");
    let branch = series::work_branch(&series::exercises(dir)?, expected);
    let saved = Git::new(dir).succeeds(&["rev-parse", "--verify", "--quiet", &branch])?;
    if saved {
        println!(
            "Your work saved by `cargo workshop next` is on {branch}; after the goto, bring it back: \
             git diff {branch}~1 {branch} | git apply"
        );
    }
    Ok(())
}

/// addsvc built from the tree at `dir`, on a free port.
fn start_addsvc(dir: &Path) -> Result<Service> {
    start(&build_binary(dir, "addsvc")?, &[], &[])
}

/// Starts `binary` with `args` and `env`, and returns once the line saying where it listens
/// is in its output, so that the lines a check reads afterwards are its requests' own.
fn start(binary: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<Service> {
    let service = Service::start_with_env(binary, args, env)?;
    // The address is reported as soon as it is read, a moment before its line is kept.
    service.output_after(0, |output| {
        output.lines().any(|line| loopback_addr_in(line).is_some())
    });
    Ok(service)
}
