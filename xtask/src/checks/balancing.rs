//! Checks of how addsvc spreads its calls over stringsvc's instances, judged by what each
//! instance receives: stand-ins the check starts take stringsvc's place and count their calls.

use std::path::Path;
use std::thread;
use std::time::Duration;

use anyhow::Result;
use harness::StandIn;

use super::report::Report;
use super::start;
use crate::service::build_binary;

/// How long the slow instance takes to answer: far longer than a fast one.
const SLOW: Duration = Duration::from_millis(200);
/// Concats sent, and how many at a time.
const CALLS: usize = 120;
const CLIENTS: usize = 6;

/// 25-least-loaded: with two fast instances and a slow one, and several calls at a time,
/// the slow one gets few calls (at most 15 %) and the fast ones share the rest evenly
/// (at least 35 % each); every Concat is answered.
pub fn least_loaded(dir: &Path, report: &mut Report) -> Result<()> {
    let addsvc_binary = build_binary(dir, "addsvc")?;
    let fast = [StandIn::start(), StandIn::start()];
    let slow = StandIn::slow(SLOW);
    let urls = [fast[0].base_url(), fast[1].base_url(), slow.base_url()];
    println!(
        "  addsvc over two fast instances and one that answers in {SLOW:?}; {CALLS} Concats, {CLIENTS} at a time:"
    );
    let addsvc = start(&addsvc_binary, &["--stringsvc-url", &urls.join(",")], &[])?;
    let answered: usize = thread::scope(|scope| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                scope.spawn(|| {
                    (0..CALLS / CLIENTS)
                        .filter(|_| {
                            addsvc
                                .post_json("/concat", r#"{"a":"foo","b":"bar"}"#)
                                .is_ok_and(|reply| {
                                    reply.status == 200 && reply.body.contains("FOOBAR")
                                })
                        })
                        .count()
                })
            })
            .collect();
        clients
            .into_iter()
            .map(|client| client.join().unwrap_or(0))
            .sum()
    });
    report.expect(
        answered == CALLS,
        format!("every Concat is answered 200 FOOBAR ({answered} of {CALLS})"),
    );
    let total = (fast[0].calls() + fast[1].calls() + slow.calls()).max(1);
    let share = |calls: usize| calls * 100 / total;
    report.expect(
        share(slow.calls()) <= 15,
        format!(
            "the slow instance gets at most 15 % of the calls ({} of {total})",
            slow.calls()
        ),
    );
    for (index, instance) in fast.iter().enumerate() {
        report.expect(
            share(instance.calls()) >= 35,
            format!(
                "fast instance {} gets at least 35 % of the calls ({} of {total})",
                index + 1,
                instance.calls()
            ),
        );
    }
    Ok(())
}
