//! Check 19-unit-tests: good unit tests notice when a business rule breaks. The check
//! copies the tree, breaks one rule at a time (a mutant) and runs the service's unit tests
//! on each copy: a mutant that survives is a rule no test guards. The mutants follow what
//! the exercise calls a good test: each edge from both sides (the limit itself and one
//! past it, an overflow in both directions, 0 + 0 and a single zero), and the exact error
//! (a rule that answers another variant is broken too).

use std::path::Path;

use anyhow::Result;

use super::report::{Report, tail};
use super::test_run::{passed_tests, run_tests};
use super::tree_copy::copy_tree;
use crate::series;

/// A change to one business rule that good unit tests notice.
struct Mutant {
    rule: &'static str,
    original: &'static str,
    mutated: &'static str,
}

const SERVICE_MUTANTS: [Mutant; 10] = [
    Mutant {
        rule: "Sum refuses an i64 overflow",
        original: OVERFLOW_RULE,
        mutated: "Ok(a.wrapping_add(b))",
    },
    Mutant {
        rule: "Sum refuses an overflow below i64::MIN too",
        original: OVERFLOW_RULE,
        mutated: "if b < 0 { Ok(a.wrapping_add(b)) } else { a.checked_add(b).ok_or(ServiceError::IntegerOverflow) }",
    },
    Mutant {
        rule: "Sum allows results of exactly i64::MAX and i64::MIN",
        original: OVERFLOW_RULE,
        mutated: "a.checked_add(b).filter(|v| *v != i64::MAX && *v != i64::MIN).ok_or(ServiceError::IntegerOverflow)",
    },
    Mutant {
        rule: "an overflow is answered IntegerOverflow",
        original: OVERFLOW_RULE,
        mutated: "a.checked_add(b).ok_or(ServiceError::TwoZeroes)",
    },
    Mutant {
        rule: "Sum refuses two zeroes",
        original: TWO_ZEROES_RULE,
        mutated: "if a == 0 && b == 0 && a != b {",
    },
    Mutant {
        rule: "Sum allows a single zero",
        original: TWO_ZEROES_RULE,
        mutated: "if a == 0 || b == 0 {",
    },
    Mutant {
        rule: "two zeroes are answered TwoZeroes",
        original: "return Err(ServiceError::TwoZeroes);",
        mutated: "return Err(ServiceError::IntegerOverflow);",
    },
    Mutant {
        rule: "Concat refuses one byte more than MAX_CONCAT_LEN",
        original: CONCAT_LIMIT_RULE,
        mutated: "if a.len() + b.len() > MAX_CONCAT_LEN + 1 {",
    },
    Mutant {
        rule: "Concat allows exactly MAX_CONCAT_LEN bytes",
        original: CONCAT_LIMIT_RULE,
        mutated: "if a.len() + b.len() >= MAX_CONCAT_LEN {",
    },
    Mutant {
        rule: "a result too long is answered MaxSizeExceeded",
        original: "return Err(ServiceError::MaxSizeExceeded);",
        mutated: "return Err(ServiceError::IntegerOverflow);",
    },
];

/// The code of each rule, as step 19 writes it; the mutants look for it by its text.
const OVERFLOW_RULE: &str = "a.checked_add(b).ok_or(ServiceError::IntegerOverflow)";
const TWO_ZEROES_RULE: &str = "if a == 0 && b == 0 {";
const CONCAT_LIMIT_RULE: &str = "if a.len() + b.len() > MAX_CONCAT_LEN {";

/// The unit tests of src/service.rs, by their module path.
const FILTER: &str = "service::";

/// 19-unit-tests: unit tests of the business rules in src/service.rs exist, pass, and
/// fail when a rule is broken.
pub fn unit_tests(dir: &Path, report: &mut Report) -> Result<()> {
    let copy = std::env::temp_dir().join(format!("workshop-mutants-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    copy_tree(dir, &copy)?;
    let result = check_mutants(&copy, report);
    let _ = std::fs::remove_dir_all(&copy);
    result
}

fn check_mutants(copy: &Path, report: &mut Report) -> Result<()> {
    let result = run_mutants(copy, report);
    // The copy shares the target dir, and cargo judges freshness by file times: leave the
    // artifacts built from the attendee's code, not from the last mutant.
    run_tests(copy, &["-p", "addsvc", "--lib", "--no-run"], "")?;
    result
}

fn run_mutants(copy: &Path, report: &mut Report) -> Result<()> {
    let (passed, output) = run_tests(copy, &["-p", "addsvc", "--lib"], FILTER)?;
    let count = passed_tests(&output);
    report.expect(
        passed && count >= 3,
        format!(
            "at least 3 unit tests under src/service.rs ({FILTER}…) pass: {count} passed{}",
            if passed {
                String::new()
            } else {
                format!("\n{}", tail(&output, 20))
            }
        ),
    );
    if !passed || count < 3 {
        return Ok(());
    }
    let service_rs = copy.join("src/service.rs");
    let pristine = series::read(&service_rs)?;
    for mutant in &SERVICE_MUTANTS {
        if !pristine.contains(mutant.original) {
            report.expect(
                false,
                format!(
                    "mutant for \"{}\": `{}` is no longer in src/service.rs; keep the rule's code as it was and test it",
                    mutant.rule, mutant.original
                ),
            );
            continue;
        }
        std::fs::write(
            &service_rs,
            pristine.replacen(mutant.original, mutant.mutated, 1),
        )?;
        let (survived, output) = run_tests(copy, &["-p", "addsvc", "--lib"], FILTER)?;
        // A mutant that does not build kills nothing: it proves no test.
        let built = !output.contains("could not compile");
        report.expect(
            !survived && built,
            format!(
                "breaking \"{}\" (`{}` -> `{}`) makes a unit test fail{}",
                mutant.rule,
                mutant.original,
                mutant.mutated,
                if built {
                    String::new()
                } else {
                    format!(
                        " (this mutant did not even build: keep the rule's code as it was)\n{}",
                        tail(&output, 20)
                    )
                }
            ),
        );
    }
    std::fs::write(&service_rs, pristine)?;
    Ok(())
}
