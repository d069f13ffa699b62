//! From step 21 each tree has a CI workflow: actionlint must report nothing on it at every
//! step, and its run: steps must pass when replayed in order where the workflow is new and
//! at the last step (a replay builds in release: twice is enough).

use std::path::Path;

use super::{Verify, lint_row};
use crate::lint;
use crate::proof::Proof;
use crate::tools::ACTIONLINT;
use crate::workflow;

/// The step that adds .github/workflows/ci.yml.
const FIRST_CI_STEP: u32 = 21;

impl Verify {
    pub(super) fn workflow_rows(&mut self, dir: &Path, number: u32) {
        if !workflow::has_workflow(dir) {
            return;
        }
        println!("\n== actionlint at step {number:02}");
        self.row_with_tools(
            format!("actionlint at step {number:02}"),
            &[&ACTIONLINT],
            || lint_row(lint::actionlint(dir), "reports nothing"),
        );
        if number == FIRST_CI_STEP || number == self.last_step {
            println!("\n== workflow replays at step {number:02}");
            self.table
                .row(
                    format!("workflow replays at step {number:02}"),
                    || match workflow::replay_in(dir) {
                        Ok(replay) => Proof::from_bool(replay.passed(), replay.summary()),
                        Err(error) => Proof::Failed(format!("{error:#}")),
                    },
                );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::{Outcome, Table};
    use super::super::{Options, Verify};
    use super::*;

    fn verify_of(last_step: u32) -> Verify {
        Verify {
            table: Table::default(),
            exercises: Vec::new(),
            last_step,
            options: Options {
                skip_demo: true,
                require_tools: false,
            },
            search_path: std::env::var_os("PATH").unwrap_or_default(),
        }
    }

    fn tree_with(workflow: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "workshop-workflow-rows-{}-{}",
            std::process::id(),
            workflow.len()
        ));
        std::fs::create_dir_all(dir.join(".github/workflows")).unwrap();
        std::fs::write(dir.join(workflow::WORKFLOW_FILE), workflow).unwrap();
        dir
    }

    const PASSING: &str = "on: [push]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hello\n";

    #[test]
    fn the_replay_row_runs_where_the_workflow_is_new_or_last() {
        let dir = tree_with(PASSING);
        let mut verify = verify_of(23);
        verify.workflow_rows(&dir, 21);
        verify.workflow_rows(&dir, 22);
        verify.workflow_rows(&dir, 23);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(verify.table.count(Outcome::Failed), 0);
        // One actionlint row per step (run or skipped), one replay at steps 21 and 23.
        let actionlint_rows = 3;
        let replays = 2;
        let rows = verify.table.count(Outcome::Passed) + verify.table.count(Outcome::Skipped);
        assert_eq!(rows, actionlint_rows + replays);
    }

    #[test]
    fn a_failing_run_step_fails_the_replay_row_and_no_workflow_means_no_row() {
        let dir = tree_with(&PASSING.replace("echo hello", "exit 1"));
        let mut verify = verify_of(21);
        verify.workflow_rows(&dir, 21);
        verify.workflow_rows(&std::env::temp_dir().join("workshop-no-such-tree"), 21);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(verify.table.count(Outcome::Failed), 1);
    }
}
