//! Running a workflow's `run:` steps on this machine, in order, the way GitHub's runner
//! would run them in a fresh checkout of the tree: each script in the shell GitHub would use
//! for it (see `shell_command`), with the `env:` of the workflow, the job and the step, in its
//! `working-directory`.
//!
//! What cannot happen here is said, not faked:
//! - `uses:` steps (checkout, toolchain, cache) are actions that only GitHub runs: they are
//!   listed as skipped. This machine's toolchain and target dir stand in for them.
//! - `${{ }}` expressions need GitHub's contexts: a step whose script or environment holds
//!   one fails, saying so.
//! - Jobs run one after another (GitHub runs independent ones side by side), and the replay
//!   stops at the first failure that fails the workflow, as a job stops at its first failed
//!   step. Steps that would run only after a failure (`if: failure()`, `always()`) are not
//!   run then.
//! - `continue-on-error` (on a step or a job, or an expression that may be true) is honoured:
//!   the failure is reported and does not fail the replay, as it does not fail the workflow.
//! - An `if:` that needs GitHub's contexts (`github.event_name == 'push'`) cannot be decided
//!   here: the step runs, and its result records that GitHub might skip it.
//! - The steps see this machine's environment, less the services' variables a fresh runner
//!   would not have (ADDSVC_…, OTEL_…); GitHub's own (CI, GITHUB_…) are not made up.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::Instant;

use anyhow::{Context, Result};

use super::parse::{Action, Condition, Job, Step, Workflow};
use crate::child::KillOnDrop;
use harness::without_service_env;

/// One step of the replay and what became of it.
pub struct StepRun {
    pub job: String,
    pub label: String,
    pub outcome: Outcome,
    /// What the step printed, stdout and stderr interleaved as in a terminal.
    pub output: String,
    pub seconds: f64,
    /// The `if:` of the step or its job that the replay could not decide: GitHub may skip it.
    pub undecided_condition: Option<String>,
}

#[derive(Debug, PartialEq)]
pub enum Outcome {
    Passed,
    /// Failed, and so fails the workflow.
    Failed,
    /// Failed, but `continue-on-error` keeps the workflow green.
    FailureTolerated,
    /// Not run, and why.
    Skipped(String),
}

pub struct Replay {
    pub steps: Vec<StepRun>,
    pub seconds: f64,
}

impl Replay {
    /// Whether the workflow would pass: no step failed in a way that fails it.
    pub fn passed(&self) -> bool {
        self.failure().is_none()
    }

    /// The step that failed the workflow, if one did.
    pub fn failure(&self) -> Option<&StepRun> {
        self.steps
            .iter()
            .find(|step| step.outcome == Outcome::Failed)
    }

    /// One line: how many `run:` steps passed, what was skipped or failed, how long it took.
    pub fn summary(&self) -> String {
        let count = |wanted: fn(&Outcome) -> bool| {
            self.steps
                .iter()
                .filter(|step| wanted(&step.outcome))
                .count()
        };
        let passed = count(|outcome| *outcome == Outcome::Passed);
        let skipped = count(|outcome| matches!(outcome, Outcome::Skipped(_)));
        let tolerated = count(|outcome| *outcome == Outcome::FailureTolerated);
        let mut text = format!("{passed} run: step(s) passed, {skipped} step(s) skipped");
        if tolerated > 0 {
            text.push_str(&format!(", {tolerated} failed under continue-on-error"));
        }
        if let Some(failure) = self.failure() {
            text.push_str(&format!(
                "; FAILED at `{}` in job {}",
                failure.label, failure.job
            ));
        }
        format!("{text}; {:.1} s", self.seconds)
    }
}

/// Replays `workflow` in the tree at `dir`, printing each command, what it prints and how
/// long it took.
pub fn replay(dir: &Path, workflow: &Workflow) -> Result<Replay> {
    let started = Instant::now();
    let mut steps = Vec::new();
    for job in &workflow.jobs {
        let stop = replay_job(dir, job, &mut steps)?;
        if stop {
            break;
        }
    }
    Ok(Replay {
        steps,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Replays one job's steps into `runs`; returns whether a failure of the workflow stops
/// the replay.
fn replay_job(dir: &Path, job: &Job, runs: &mut Vec<StepRun>) -> Result<bool> {
    println!("job {} ({})", job.id, job.name);
    if let Some(reason) = never_runs(&job.condition) {
        println!("  skipped: {reason}");
        return Ok(false);
    }
    let job_condition = undecided(&job.condition);
    let mut failed = false;
    for step in &job.steps {
        let mut run = StepRun {
            job: job.id.clone(),
            label: step.label.clone(),
            outcome: Outcome::Passed,
            output: String::new(),
            seconds: 0.0,
            undecided_condition: job_condition.clone().or_else(|| undecided(&step.condition)),
        };
        let skip = match (&step.action, failed) {
            (_, true) => Some("an earlier step of this job failed".to_owned()),
            (Action::Uses(reference), false) => Some(format!(
                "uses {reference} (an action: it runs only on GitHub)"
            )),
            (Action::Run(_), false) => never_runs(&step.condition),
        };
        if let Some(reason) = skip {
            println!("  skipped: {reason}");
            run.outcome = Outcome::Skipped(reason);
            runs.push(run);
            continue;
        }
        if let Some(condition) = &run.undecided_condition {
            println!(
                "  note: `if: {condition}` needs GitHub's contexts; run here, GitHub may skip it"
            );
        }
        let started = Instant::now();
        let (succeeded, output) = run_step(dir, step)?;
        run.seconds = started.elapsed().as_secs_f64();
        run.output = output;
        run.outcome = match (succeeded, step.may_fail || job.may_fail) {
            (true, _) => Outcome::Passed,
            (false, true) => Outcome::FailureTolerated,
            (false, false) => Outcome::Failed,
        };
        let verdict = match run.outcome {
            Outcome::Passed => "ok",
            Outcome::FailureTolerated => "FAILED, tolerated by continue-on-error",
            _ => "FAILED",
        };
        println!("  {verdict}, {:.1} s", run.seconds);
        // A step's own continue-on-error lets the job go on; any other failure ends the job.
        failed = !succeeded && !step.may_fail;
        let fails_workflow = run.outcome == Outcome::Failed;
        runs.push(run);
        if fails_workflow {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Why a step or job with this condition does not run here, if it does not.
fn never_runs(condition: &Condition) -> Option<String> {
    match condition {
        Condition::Never => Some("`if: false`".to_owned()),
        Condition::AfterFailure => Some("`if: failure()`, and nothing failed".to_owned()),
        _ => None,
    }
}

fn undecided(condition: &Condition) -> Option<String> {
    match condition {
        Condition::Unknown(expression) => Some(expression.clone()),
        _ => None,
    }
}

/// Runs one `run:` step; its success and what it printed. A step the replay cannot run as
/// written fails, with the reason as its output.
fn run_step(dir: &Path, step: &Step) -> Result<(bool, String)> {
    let Action::Run(script) = &step.action else {
        unreachable!("only run: steps are run");
    };
    for line in script.lines() {
        println!("  $ {line}");
    }
    if let Some(reason) = cannot_run(dir, step, script) {
        println!("    {reason}");
        return Ok((false, reason));
    }
    let script_file = ScriptFile::write(script)?;
    let Some(mut command) = shell_command(step.shell.as_deref(), script_file.path()) else {
        unreachable!("cannot_run refuses the shells the replay cannot run");
    };
    let directory = dir.join(step.working_directory.as_deref().unwrap_or("."));
    command.current_dir(&directory);
    // A fresh runner has none of this shell's service settings.
    without_service_env(&mut command);
    command.envs(step.env.iter().map(|(name, value)| (name, value)));
    let (reader, writer) = std::io::pipe()?;
    command
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer);
    let mut child = KillOnDrop(
        command
            .spawn()
            .with_context(|| format!("could not start the shell for `{}`", step.label))?,
    );
    // The command holds the pipe's writing ends: dropped, the pipe ends with the process.
    drop(command);
    let echo = thread::spawn(move || {
        let mut printed = String::new();
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            println!("    {line}");
            printed.push_str(&line);
            printed.push('\n');
        }
        printed
    });
    let status = child.0.wait()?;
    let output = echo.join().unwrap_or_default();
    Ok((status.success(), output))
}

/// Why the replay cannot run `step` as written, if it cannot.
fn cannot_run(dir: &Path, step: &Step, script: &str) -> Option<String> {
    if let Some(shell) = step.shell.as_deref()
        && shell_command(Some(shell), Path::new("script")).is_none()
    {
        return Some(format!(
            "cannot replay `shell: {shell}`: the replay runs bash and sh scripts only"
        ));
    }
    let with_expression = std::iter::once(script)
        .chain(step.env.iter().map(|(_, value)| value.as_str()))
        .any(|text| text.contains("${{"));
    if with_expression {
        return Some(
            "cannot replay a `${{ }}` expression: only GitHub can fill it in. Keep run: steps \
             and their env: plain shell."
                .to_owned(),
        );
    }
    let directory = step.working_directory.as_deref().unwrap_or(".");
    if !dir.join(directory).is_dir() {
        return Some(format!("working-directory `{directory}` does not exist"));
    }
    None
}

/// The command GitHub's runner starts for a `run:` step on Linux, given the step's `shell:`
/// (GitHub's workflow syntax, "jobs.<job_id>.steps[*].shell"): unspecified is `bash -e {0}`,
/// without pipefail; only an explicit `shell: bash` adds `-o pipefail`; `sh` is `sh -e {0}`;
/// a template such as `bash -x {0}` runs as written. None: a shell the replay cannot run.
fn shell_command(shell: Option<&str>, script: &Path) -> Option<Command> {
    let template: Vec<&str> = match shell {
        None => vec!["bash", "-e", "{0}"],
        Some("bash") => vec!["bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"],
        Some("sh") => vec!["sh", "-e", "{0}"],
        Some(template) if template.contains("{0}") => template.split_whitespace().collect(),
        Some(_) => return None,
    };
    let (program, args) = template.split_first()?;
    if !["bash", "sh"].contains(program) {
        return None;
    }
    let mut command = Command::new(program);
    for arg in args {
        if *arg == "{0}" {
            command.arg(script);
        } else {
            command.arg(arg);
        }
    }
    Some(command)
}

/// A step's script in a file of its own, as the runner writes it; removed when dropped.
struct ScriptFile(PathBuf);

impl ScriptFile {
    fn write(script: &str) -> Result<ScriptFile> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let number = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "workshop-ci-step-{}-{number}.sh",
            std::process::id()
        ));
        std::fs::write(&path, script)
            .with_context(|| format!("could not write {}", path.display()))?;
        Ok(ScriptFile(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScriptFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    fn replayed(workflow: &str) -> Replay {
        let dir = std::env::temp_dir().join(format!(
            "workshop-replay-test-{}-{}",
            std::process::id(),
            workflow.len()
        ));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let replay = replay(&dir, &parse(workflow).unwrap()).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        replay
    }

    fn outcomes(replay: &Replay) -> Vec<&Outcome> {
        replay.steps.iter().map(|step| &step.outcome).collect()
    }

    #[test]
    fn run_steps_see_their_env_and_directory_and_uses_steps_are_skipped() {
        let replay = replayed(
            "env: {WHO: workflow}\njobs:\n  a:\n    env: {WHO: job}\n    steps:\n\
             \x20     - uses: actions/checkout@v5\n\
             \x20     - run: echo \"$WHO in ${PWD##*/}\"\n        working-directory: sub\n",
        );
        assert!(replay.passed());
        assert!(matches!(replay.steps[0].outcome, Outcome::Skipped(_)));
        assert_eq!(replay.steps[1].output, "job in sub\n");
    }

    #[test]
    fn a_failed_pipeline_fails_only_where_github_sets_pipefail() {
        // No shell: GitHub runs `bash -e {0}`, and a pipeline is as good as its last command.
        let unspecified = replayed("jobs:\n  a:\n    steps:\n      - run: false | true\n");
        assert_eq!(outcomes(&unspecified), [&Outcome::Passed]);
        let sh =
            replayed("jobs:\n  a:\n    steps:\n      - run: false | true\n        shell: sh\n");
        assert_eq!(outcomes(&sh), [&Outcome::Passed]);
        // An explicit `shell: bash` adds `-o pipefail`: the failure stops the replay.
        let replay = replayed(
            "jobs:\n  a:\n    defaults:\n      run:\n        shell: bash\n    steps:\n\
             \x20     - run: false | true\n  b:\n    steps:\n      - run: echo never\n",
        );
        assert_eq!(outcomes(&replay), [&Outcome::Failed]);
        assert_eq!(replay.failure().unwrap().job, "a");
        let template = replayed(
            "jobs:\n  a:\n    steps:\n      - run: false | true\n        shell: bash -o pipefail {0}\n",
        );
        assert_eq!(outcomes(&template), [&Outcome::Failed]);
    }

    #[test]
    fn continue_on_error_tolerates_a_failure() {
        let replay = replayed(
            "jobs:\n  a:\n    steps:\n      - run: exit 3\n        continue-on-error: true\n\
             \x20     - run: echo next\n  b:\n    continue-on-error: true\n    steps:\n\
             \x20     - run: exit 1\n      - run: echo after\n",
        );
        assert!(replay.passed());
        assert_eq!(
            outcomes(&replay)[..3],
            [
                &Outcome::FailureTolerated,
                &Outcome::Passed,
                &Outcome::FailureTolerated
            ]
        );
        assert!(matches!(replay.steps[3].outcome, Outcome::Skipped(_)));
    }

    #[test]
    fn expressions_fail_and_undecided_conditions_are_recorded() {
        let replay = replayed(
            "jobs:\n  a:\n    steps:\n      - run: echo hi\n        if: github.ref == 'main'\n\
             \x20     - run: echo ${{ github.sha }}\n",
        );
        assert_eq!(
            replay.steps[0].undecided_condition.as_deref(),
            Some("github.ref == 'main'")
        );
        assert_eq!(replay.steps[1].outcome, Outcome::Failed);
        assert!(replay.steps[1].output.contains("expression"));
    }
}
