//! Reading a GitHub Actions workflow file into what a replay needs: its jobs in the order
//! they would run, each job's steps in file order, and for each step what it runs and with
//! which environment, directory, shell and conditions.
//!
//! The file is read as YAML values, not into a fixed schema: keys the replay has no use
//! for (`runs-on`, `permissions`, `with`, …) are simply never looked at. serde_yaml_ng's own
//! `Value` is used rather than serde_json's because its mappings keep the file's order,
//! and the jobs run in that order.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_yaml_ng::{Mapping, Value};

pub struct Workflow {
    /// In the order the replay runs them: file order, each job after the jobs it `needs:`.
    pub jobs: Vec<Job>,
}

pub struct Job {
    pub id: String,
    /// The job's `name:`, or its id.
    pub name: String,
    pub condition: Condition,
    /// `continue-on-error` on the job: its failure does not fail the workflow.
    pub may_fail: bool,
    pub steps: Vec<Step>,
}

pub struct Step {
    /// The step's `name:`, else what it runs or uses.
    pub label: String,
    pub action: Action,
    /// The workflow's, the job's and the step's `env:`, in that order: later ones win.
    pub env: Vec<(String, String)>,
    /// Relative to the tree's root; None: the root.
    pub working_directory: Option<String>,
    /// None: GitHub's default, bash.
    pub shell: Option<String>,
    pub condition: Condition,
    /// `continue-on-error` on the step: the job goes on after it fails.
    pub may_fail: bool,
}

pub enum Action {
    /// A `run:` script.
    Run(String),
    /// A `uses:` action, by its reference (`actions/checkout@v5`).
    Uses(String),
}

/// An `if:`, as far as a replay can tell without GitHub's contexts.
#[derive(Debug, PartialEq)]
pub enum Condition {
    /// No `if:`, or `success()`: runs while everything before it passed.
    WhileSucceeding,
    /// `always()`, `!cancelled()`, `true`: runs even after a failure.
    Always,
    /// `failure()`: runs only after something failed.
    AfterFailure,
    /// `false`: never runs.
    Never,
    /// Anything else (`github.event_name == 'push'`): it depends on GitHub's contexts.
    Unknown(String),
}

impl Condition {
    fn read(value: Option<&Value>) -> Result<Condition> {
        let text = match value {
            None => return Ok(Condition::WhileSucceeding),
            Some(Value::Bool(true)) => return Ok(Condition::Always),
            Some(Value::Bool(false)) => return Ok(Condition::Never),
            Some(Value::String(text)) => text,
            Some(other) => bail!("`if:` is neither text nor a boolean: {other:?}"),
        };
        let bare = text.trim();
        let bare = bare
            .strip_prefix("${{")
            .and_then(|rest| rest.strip_suffix("}}"))
            .unwrap_or(bare)
            .trim();
        Ok(match bare {
            "" | "success()" => Condition::WhileSucceeding,
            "always()" | "!cancelled()" | "true" => Condition::Always,
            "failure()" => Condition::AfterFailure,
            "false" => Condition::Never,
            _ => Condition::Unknown(bare.to_owned()),
        })
    }
}

/// Reads the workflow at `path`.
pub fn read(path: &Path) -> Result<Workflow> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    parse(&text).with_context(|| format!("in {}", path.display()))
}

pub fn parse(text: &str) -> Result<Workflow> {
    let root: Value = serde_yaml_ng::from_str(text).context("not valid YAML")?;
    let workflow_env = env_of(&root)?;
    let workflow_defaults = RunDefaults::of(&root);
    let jobs = root
        .get("jobs")
        .and_then(Value::as_mapping)
        .context("no `jobs:` mapping")?;
    let mut parsed = Vec::new();
    for (id, job) in jobs {
        let id = id.as_str().context("a job id is not text")?;
        let job = read_job(id, job, &workflow_env, &workflow_defaults)
            .with_context(|| format!("in job `{id}`"))?;
        parsed.push(job);
    }
    Ok(Workflow {
        jobs: in_run_order(parsed, jobs)?,
    })
}

fn read_job(
    id: &str,
    job: &Value,
    workflow_env: &[(String, String)],
    workflow_defaults: &RunDefaults,
) -> Result<Job> {
    let mut env = workflow_env.to_vec();
    env.extend(env_of(job)?);
    let defaults = RunDefaults::of(job).or(workflow_defaults);
    let mut steps = Vec::new();
    let listed = job
        .get("steps")
        .and_then(Value::as_sequence)
        .context("no `steps:` list (a job that calls a reusable workflow cannot be replayed)")?;
    for (index, step) in listed.iter().enumerate() {
        let step = read_step(step, &env, &defaults)
            .with_context(|| format!("in step {} of job `{id}`", index + 1))?;
        steps.push(step);
    }
    Ok(Job {
        id: id.to_owned(),
        name: text_of(job.get("name")).unwrap_or_else(|| id.to_owned()),
        condition: Condition::read(job.get("if"))?,
        may_fail: may_fail(job.get("continue-on-error")),
        steps,
    })
}

fn read_step(step: &Value, job_env: &[(String, String)], defaults: &RunDefaults) -> Result<Step> {
    let action = match (text_of(step.get("run")), text_of(step.get("uses"))) {
        (Some(script), None) => Action::Run(script),
        (None, Some(reference)) => Action::Uses(reference),
        _ => bail!("a step needs exactly one of `run:` and `uses:`"),
    };
    let label = text_of(step.get("name")).unwrap_or_else(|| match &action {
        Action::Run(script) => script.lines().next().unwrap_or_default().trim().to_owned(),
        Action::Uses(reference) => reference.clone(),
    });
    let mut env = job_env.to_vec();
    env.extend(env_of(step)?);
    Ok(Step {
        label,
        action,
        env,
        working_directory: text_of(step.get("working-directory"))
            .or_else(|| defaults.working_directory.clone()),
        shell: text_of(step.get("shell")).or_else(|| defaults.shell.clone()),
        condition: Condition::read(step.get("if"))?,
        may_fail: may_fail(step.get("continue-on-error")),
    })
}

/// `defaults: run:` of a workflow or a job.
#[derive(Clone, Default)]
struct RunDefaults {
    shell: Option<String>,
    working_directory: Option<String>,
}

impl RunDefaults {
    fn of(node: &Value) -> RunDefaults {
        let run = node
            .get("defaults")
            .and_then(|defaults| defaults.get("run"));
        RunDefaults {
            shell: text_of(run.and_then(|run| run.get("shell"))),
            working_directory: text_of(run.and_then(|run| run.get("working-directory"))),
        }
    }

    /// Each default of `self`, else the one of `outer`.
    fn or(self, outer: &RunDefaults) -> RunDefaults {
        RunDefaults {
            shell: self.shell.or_else(|| outer.shell.clone()),
            working_directory: self
                .working_directory
                .or_else(|| outer.working_directory.clone()),
        }
    }
}

/// A node's `env:` as (name, value) pairs, in file order; YAML numbers and booleans as text.
fn env_of(node: &Value) -> Result<Vec<(String, String)>> {
    let Some(env) = node.get("env") else {
        return Ok(Vec::new());
    };
    let Some(env) = env.as_mapping() else {
        bail!("`env:` is not a mapping of names to values");
    };
    pairs(env)
}

fn pairs(env: &Mapping) -> Result<Vec<(String, String)>> {
    env.iter()
        .map(|(name, value)| {
            let name = name.as_str().context("an `env:` name is not text")?;
            let value = text_of(Some(value))
                .with_context(|| format!("`env: {name}` is not a text, number or boolean"))?;
            Ok((name.to_owned(), value))
        })
        .collect()
}

fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// `continue-on-error`: `true`, or an expression that may be true, lets a failure pass.
fn may_fail(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Bool(false)) => false,
        Some(Value::String(text)) => text.trim() != "false",
        Some(_) => true,
    }
}

/// File order, except that a job comes after every job it `needs:`.
fn in_run_order(jobs: Vec<Job>, declared: &Mapping) -> Result<Vec<Job>> {
    let needs = |id: &str| -> Vec<String> {
        match declared.get(id).and_then(|job| job.get("needs")) {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Sequence(many)) => many.iter().filter_map(|v| text_of(Some(v))).collect(),
            _ => Vec::new(),
        }
    };
    for job in &jobs {
        if let Some(unknown) = needs(&job.id)
            .into_iter()
            .find(|need| !jobs.iter().any(|other| other.id == *need))
        {
            bail!("job `{}` needs `{unknown}`, which is no job here", job.id);
        }
    }
    let mut waiting = jobs;
    let mut ordered: Vec<Job> = Vec::new();
    while !waiting.is_empty() {
        let ready = waiting.iter().position(|job| {
            needs(&job.id)
                .iter()
                .all(|need| ordered.iter().any(|done| done.id == *need))
        });
        let Some(ready) = ready else {
            let ids: Vec<&str> = waiting.iter().map(|job| job.id.as_str()).collect();
            bail!("the `needs:` of jobs {} form a cycle", ids.join(", "));
        };
        ordered.push(waiting.remove(ready));
    }
    Ok(ordered)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKFLOW: &str = r#"
on: [push, pull_request]
env:
  SHARED: workflow
  LEVEL: workflow
defaults:
  run:
    working-directory: app
jobs:
  test:
    needs: [lint]
    env:
      LEVEL: job
    steps:
      - uses: actions/checkout@v5
      - name: tests
        run: |
          cargo test
          echo done
        env:
          RETRIES: 3
      - run: cargo bench
        working-directory: .
        continue-on-error: true
        if: github.event_name == 'push'
  lint:
    name: Lint
    continue-on-error: ${{ matrix.experimental }}
    steps:
      - run: cargo fmt --check
        if: ${{ always() }}
"#;

    #[test]
    fn jobs_run_after_what_they_need_and_steps_keep_file_order() {
        let workflow = parse(WORKFLOW).unwrap();
        let ids: Vec<&str> = workflow.jobs.iter().map(|job| job.id.as_str()).collect();
        assert_eq!(ids, ["lint", "test"]);
        let test = &workflow.jobs[1];
        assert!(matches!(&test.steps[0].action, Action::Uses(r) if r == "actions/checkout@v5"));
        assert!(matches!(&test.steps[1].action, Action::Run(s) if s == "cargo test\necho done\n"));
        assert_eq!(test.steps[1].label, "tests");
        assert_eq!(test.steps[2].label, "cargo bench");
    }

    #[test]
    fn env_and_directories_combine_from_workflow_to_step() {
        let workflow = parse(WORKFLOW).unwrap();
        let tests = &workflow.jobs[1].steps[1];
        let value = |name: &str| {
            tests
                .env
                .iter()
                .rev()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        assert_eq!(value("SHARED"), Some("workflow"));
        assert_eq!(value("LEVEL"), Some("job"));
        assert_eq!(value("RETRIES"), Some("3"));
        assert_eq!(tests.working_directory.as_deref(), Some("app"));
        assert_eq!(
            workflow.jobs[1].steps[2].working_directory.as_deref(),
            Some(".")
        );
    }

    #[test]
    fn conditions_and_tolerated_failures_are_read() {
        let workflow = parse(WORKFLOW).unwrap();
        let (lint, test) = (&workflow.jobs[0], &workflow.jobs[1]);
        assert!(lint.may_fail, "an expression may be true");
        assert_eq!(lint.name, "Lint");
        assert_eq!(lint.steps[0].condition, Condition::Always);
        assert!(!test.may_fail);
        assert_eq!(test.steps[1].condition, Condition::WhileSucceeding);
        assert!(test.steps[2].may_fail);
        assert_eq!(
            test.steps[2].condition,
            Condition::Unknown("github.event_name == 'push'".to_owned())
        );
    }

    #[test]
    fn a_cycle_or_an_unknown_need_is_refused() {
        let cycle = "jobs:\n  a:\n    needs: b\n    steps: [{run: x}]\n  b:\n    needs: a\n    steps: [{run: y}]\n";
        let error = parse(cycle).err().unwrap();
        assert!(format!("{error:#}").contains("cycle"));
        let unknown = "jobs:\n  a:\n    needs: c\n    steps: [{run: x}]\n";
        let error = parse(unknown).err().unwrap();
        assert!(format!("{error:#}").contains("needs `c`"));
    }
}
