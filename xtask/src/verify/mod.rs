//! `cargo workshop verify`: the whole proof, in a scratch worktree. Every step must pass
//! fmt, clippy and the tests, and show what its See it block says; every exercise check
//! must fail before its solution, pass after it, and fail on each of our wrong solutions;
//! the patch files must be exactly what
//! the series regenerates.
//!
//! A row that needs a program cargo cannot provide (Prometheus for the demo, curl for the
//! See it blocks) declares it; on a machine without it the row is skipped, naming the
//! program and how to install it, unless the run requires every tool (`--require-tools`,
//! as CI does): then it fails.

mod deploy;
mod docker_build;
mod gates;
mod prepare;
mod slides;
mod table;
mod workflow_rows;

use std::ffi::OsString;
use std::path::Path;

use anyhow::{Result, bail};

use crate::checks::{self, Verdict};
use crate::demo;
use crate::lint::Linted;
use crate::proof::Proof;
use crate::see_it;
use crate::series::{self, Exercise};
use crate::tools::{self, PROMETHEUS, PROMTOOL, Tool};
use crate::traces;
use crate::walk::{self, Commits, Scratch, State, WrongSolution};
use gates::{gates, lint_gates};
use table::{Outcome, Table};

/// The step that introduces /metrics; the demo runs there and at the last step.
const FIRST_METRICS_STEP: u32 = 7;
/// The step that introduces tracing; the tracing demo runs there.
const TRACING_STEP: u32 = 20;

/// What a run leaves out or insists on.
pub struct Options {
    /// Leave the demo rows out even where Prometheus is installed.
    pub skip_demo: bool,
    /// A row whose tool is missing fails instead of being skipped.
    pub require_tools: bool,
}

pub fn run(root: &Path, options: Options) -> Result<()> {
    prepare::prepare(root)?;
    let scratch = Scratch::new(root, "verify")?;
    println!(
        "Verifying the committed series in {}",
        scratch.dir().display()
    );
    let mut verify = Verify {
        table: Table::default(),
        exercises: series::exercises(scratch.dir())?,
        last_step: series::steps(scratch.dir())?.len() as u32,
        options,
        search_path: std::env::var_os("PATH").unwrap_or_default(),
    };
    verify.stray_wrong_solution_rows(scratch.dir())?;
    verify.slides_rows(root, scratch.dir());
    let walked = walk::walk(&scratch, |git, state| {
        match state {
            State::Step { number, name } => verify.step_rows(git.dir(), number, name),
            State::Solution { exercise } => verify.solution_rows(git.dir(), exercise),
            State::WrongSolution {
                exercise,
                wrong,
                applied,
            } => verify.wrong_solution_row(git.dir(), exercise, wrong, applied),
        }
        Ok(())
    });
    verify.reexport_row(&scratch, walked);

    verify.table.print();
    if verify.table.count(Outcome::Failed) > 0 {
        bail!("verify failed");
    }
    Ok(())
}

/// What verify has proven so far, and what it needs to know about the series.
struct Verify {
    table: Table,
    exercises: Vec<Exercise>,
    last_step: u32,
    options: Options,
    /// Where the programs rows need are looked for: PATH.
    search_path: OsString,
}

impl Verify {
    /// A step: its gates, the demo where metrics are new or final, and its exercises'
    /// checks, which must fail before their solutions.
    fn step_rows(&mut self, dir: &Path, number: u32, name: &str) {
        println!("\n== step {name}");
        self.table.row(format!("step {name}"), || gates(dir));
        self.see_it_row(dir, number, name);
        let demo_here = number == FIRST_METRICS_STEP
            || (number == self.last_step && number > FIRST_METRICS_STEP);
        if demo_here {
            self.demo_row(dir, number);
        }
        if number == TRACING_STEP {
            println!("\n== tracing demo at step {number:02}");
            self.table.row(
                format!("traces at step {number:02}: one trace per Concat"),
                || traces::verdict(dir),
            );
        }
        self.workflow_rows(dir, number);
        let checked: Vec<String> = self
            .exercises
            .iter()
            .filter(|exercise| exercise.step == number && checks::has_check(&exercise.name))
            .map(|exercise| exercise.name.clone())
            .collect();
        self.deploy_rows(dir, number);
        for exercise in &checked {
            self.exercise_row(dir, exercise, false);
        }
        if number == self.last_step {
            self.last_step_rows(dir, number);
        }
    }

    /// On the last step every check either runs, when its exercise belongs to that step, or
    /// says which step it expects without running anything: never a misleading verdict.
    fn last_step_rows(&mut self, dir: &Path, number: u32) {
        let checked: Vec<(String, u32)> = self
            .exercises
            .iter()
            .filter(|exercise| checks::has_check(&exercise.name))
            .map(|exercise| (exercise.name.clone(), exercise.step))
            .collect();
        for (exercise, step) in checked {
            println!("\n== check {exercise} on step {number:02}");
            if step == number {
                self.row_with_tools(
                    format!("check {exercise} on step {number:02}: runs on its own step"),
                    needs_of(&exercise),
                    || match checks::run(dir, &exercise) {
                        Ok(Verdict::Solved | Verdict::NotSolved) => Proof::Held("ran".to_owned()),
                        other => Proof::Failed(format!("did not run: {other:?}")),
                    },
                );
            } else {
                self.table.row(
                    format!("check {exercise} on step {number:02}: says it expects step {step:02}"),
                    || match checks::run(dir, &exercise) {
                        Ok(Verdict::WrongStep { expected, found })
                            if expected == step && found == number =>
                        {
                            Proof::Held("refused before building".to_owned())
                        }
                        other => Proof::Failed(format!("expected a refusal, got {other:?}")),
                    },
                );
            }
        }
    }

    /// The step's See it block, replayed in its tree; step 00 has no message.
    fn see_it_row(&mut self, dir: &Path, number: u32, name: &str) {
        if number == 0 {
            return;
        }
        let item = format!("see it at step {number:02}");
        match see_it::block_of_step(dir, name) {
            Ok(None) => {}
            Ok(Some(block)) => {
                println!("\n== {item}");
                let needs = see_it::tools_needed(&block);
                self.row_with_tools(item, &needs, || see_it::verdict(dir, &block));
            }
            Err(error) => self.table.row(item, || Proof::Failed(format!("{error:#}"))),
        }
    }

    fn demo_row(&mut self, dir: &Path, number: u32) {
        let item = format!("demo at step {number:02}: Prometheus scrapes");
        if self.options.skip_demo {
            self.table
                .not_run(item, Outcome::Skipped, "left out by --skip-demo".to_owned());
            return;
        }
        println!("\n== metrics demo at step {number:02}");
        self.row_with_tools(item, &[&PROMETHEUS, &PROMTOOL], || match demo::run(dir) {
            Ok(()) => Proof::Held("non-zero counter scraped".to_owned()),
            Err(error) => {
                println!("{error:#}");
                Proof::Failed("FAILED".to_owned())
            }
        });
    }

    /// A row that runs only where the programs it `needs` are installed.
    fn row_with_tools(&mut self, item: String, needs: &[&Tool], prove: impl FnOnce() -> Proof) {
        let missing = tools::missing_on(needs, &self.search_path);
        if missing.is_empty() {
            self.table.row(item, prove);
            return;
        }
        let (outcome, why) = if self.options.require_tools {
            (Outcome::Failed, "required by --require-tools")
        } else {
            (Outcome::Skipped, "skipped")
        };
        let detail = format!("{why}: {}", tools::describe_missing(&missing));
        self.table.not_run(item, outcome, detail);
    }

    /// A solution: its check passes, and the solved tree passes the gates too.
    fn solution_rows(&mut self, dir: &Path, exercise: &Exercise) {
        if checks::has_check(&exercise.name) {
            self.exercise_row(dir, &exercise.name, true);
        } else {
            println!("\n== {} with its solution", exercise.name);
        }
        self.table
            .row(format!("solution {}", exercise.name), || gates(dir));
    }

    /// The check of `exercise` must pass exactly when the tree holds its solution.
    fn exercise_row(&mut self, dir: &Path, exercise: &str, solved: bool) {
        let (state, item, held, broken) = if solved {
            (
                "with its solution (the check must pass)",
                "solved",
                "check passes",
                "check FAILED",
            )
        } else {
            (
                "on the unsolved step (the check must fail)",
                "unsolved",
                "check fails, as it must",
                "check PASSED unsolved",
            )
        };
        println!("\n== {exercise} {state}");
        let needs = needs_of(exercise);
        self.row_with_tools(format!("exercise {exercise} {item}"), needs, || {
            let held_here = match checks::run(dir, exercise) {
                Ok(Verdict::Solved) => solved,
                Ok(Verdict::NotSolved) => !solved,
                _ => false,
            };
            Proof::from_bool(held_here, if held_here { held } else { broken }.to_owned())
        });
    }

    /// A wrong solution of ours: it applies on its exercise's step and passes fmt and clippy,
    /// so that only the check can reject it, and the check must.
    fn wrong_solution_row(
        &mut self,
        dir: &Path,
        exercise: &Exercise,
        wrong: &WrongSolution,
        applied: Result<()>,
    ) {
        let name = &exercise.name;
        println!(
            "\n== {name} with wrong solution {} (the check must fail)",
            wrong.what
        );
        self.row_with_tools(
            format!("exercise {name} rejects wrong solution {}", wrong.what),
            needs_of(name),
            || {
                if let Err(error) = applied {
                    return Proof::Failed(format!("{error:#}"));
                }
                if !checks::has_check(name) {
                    return Proof::Failed(format!("{name} has no check to reject it"));
                }
                let timings = match lint_gates(dir) {
                    Proof::Held(timings) => timings,
                    Proof::Failed(timings) => {
                        return Proof::Failed(format!("{timings}: rejected before the check"));
                    }
                };
                match checks::run(dir, name) {
                    Ok(Verdict::NotSolved) => {
                        Proof::Held(format!("check fails, as it must; {timings}"))
                    }
                    Ok(Verdict::Solved) => {
                        Proof::Failed("check PASSED a wrong solution".to_owned())
                    }
                    other => Proof::Failed(format!("check did not judge it: {other:?}")),
                }
            },
        );
    }

    /// A file in solutions/wrong/ whose name starts with no exercise's is never applied: say so.
    fn stray_wrong_solution_rows(&mut self, root: &Path) -> Result<()> {
        for stray in walk::wrong_solutions(root, &self.exercises)?
            .iter()
            .filter(|wrong| wrong.exercise.is_none())
        {
            self.table
                .row(format!("wrong solution {}", stray.display()), || {
                    Proof::Failed(
                        "names no exercise: call it NN-slug-<what is wrong>.patch".to_owned(),
                    )
                });
        }
        Ok(())
    }

    /// The patch files must be exactly what the walked series renders.
    fn reexport_row(&mut self, scratch: &Scratch, walked: Result<Commits>) {
        let rendered = walked.and_then(|commits| walk::render(&scratch.git, &commits));
        let files = match rendered {
            Ok(files) => files,
            Err(error) => {
                self.table.row("series applies in order", || {
                    Proof::Failed(format!("{error:#}"))
                });
                return;
            }
        };
        self.table.row("series re-exports byte-identically", || {
            let differing: Vec<String> = files
                .iter()
                .filter(|(path, text)| {
                    series::read(&scratch.dir().join(path)).ok().as_deref() != Some(text)
                })
                .map(|(path, _)| path.display().to_string())
                .collect();
            if differing.is_empty() {
                Proof::Held(format!("{} patch files", files.len()))
            } else {
                Proof::Failed(format!("differs: {}", differing.join(", ")))
            }
        });
    }
}

/// The programs the check of `exercise` runs, as its entry in the table of checks declares.
fn needs_of(exercise: &str) -> &'static [&'static Tool] {
    checks::check_for(exercise).map_or(&[], |check| check.needs)
}

/// A linter's row: passed with `clean_detail`, or failed with the first line it printed (all
/// of it goes to the log above the table).
fn lint_row(result: Result<Linted>, clean_detail: &str) -> Proof {
    match result {
        Ok(linted) => {
            if !linted.output.is_empty() {
                println!("{}", linted.output);
            }
            let detail = match (linted.passed, linted.output.lines().next()) {
                (true, _) => clean_detail.to_owned(),
                (false, Some(first)) => first.to_owned(),
                (false, None) => "failed".to_owned(),
            };
            Proof::from_bool(linted.passed, detail)
        }
        Err(error) => Proof::Failed(format!("{error:#}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Verify over the repository's exercises, looking for programs on `search_path`.
    fn verify_with(search_path: &str, require_tools: bool) -> Verify {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        Verify {
            table: Table::default(),
            exercises: series::exercises(root).unwrap(),
            last_step: series::steps(root).unwrap().len() as u32,
            options: Options {
                skip_demo: false,
                require_tools,
            },
            search_path: OsString::from(search_path),
        }
    }

    /// Every row of every exercise whose check runs a program, on a machine without it:
    /// the check never runs (the tree given does not exist), each row is skipped, or
    /// failed where the run requires every tool.
    fn rows_without_tools(require_tools: bool) -> (Verify, usize) {
        let mut verify = verify_with("", require_tools);
        let nowhere = Path::new("/nonexistent/tree");
        let needing: Vec<Exercise> = verify
            .exercises
            .iter()
            .filter(|exercise| !needs_of(&exercise.name).is_empty())
            .map(|exercise| Exercise {
                step: exercise.step,
                name: exercise.name.clone(),
                solution_patch: None,
            })
            .collect();
        for exercise in &needing {
            verify.exercise_row(nowhere, &exercise.name, false);
            verify.exercise_row(nowhere, &exercise.name, true);
            let wrong = WrongSolution {
                exercise: Some(exercise.name.clone()),
                what: "anything".to_owned(),
                path: nowhere.to_owned(),
            };
            verify.wrong_solution_row(nowhere, exercise, &wrong, Ok(()));
        }
        let rows = needing.len() * 3;
        (verify, rows)
    }

    #[test]
    fn rows_whose_program_is_missing_are_skipped() {
        let (verify, rows) = rows_without_tools(false);
        assert!(rows >= 9, "exercises 21, 22 and 23 need linters");
        assert_eq!(verify.table.count(Outcome::Skipped), rows);
        assert_eq!(verify.table.count(Outcome::Failed), 0);
    }

    #[test]
    fn rows_whose_program_is_missing_fail_when_every_tool_is_required() {
        let (verify, rows) = rows_without_tools(true);
        assert_eq!(verify.table.count(Outcome::Failed), rows);
    }
}
