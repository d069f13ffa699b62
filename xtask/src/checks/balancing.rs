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

/// addsvc's ejection cool-down, and a margin for the instance to be tried again after it.
const COOL_DOWN_AND_MARGIN: Duration = Duration::from_millis(1500);
/// Concats sent one at a time once a failed instance is back.
const AFTER_RETURN: usize = 40;

/// 25-least-loaded: with two fast instances and a slow one, and several calls at a time,
/// the slow one gets few calls (at most 20 %; round robin gives it a third) and the fast ones share the rest evenly
/// (at least 35 % each); every Concat is answered. Then an instance that failed a call and
/// came back gets its share again: a call that ended in a failure was counted out too.
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
        share(slow.calls()) <= 20,
        format!(
            "the slow instance gets at most 20 % of the calls ({} of {total})",
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
    back_after_a_failure(&addsvc_binary, report)
}

/// Three instances; one is stopped until a call to it fails, then started again. Once its
/// ejection is over, Concats sent one at a time (nothing else in flight) must reach it as
/// often as the others: a count left in flight by the failed call would make it look busy
/// for ever.
fn back_after_a_failure(addsvc_binary: &Path, report: &mut Report) -> Result<()> {
    let steady = [StandIn::start(), StandIn::start()];
    let mut returning = StandIn::start();
    let addr = returning.addr();
    let urls = [
        steady[0].base_url(),
        steady[1].base_url(),
        returning.base_url(),
    ];
    let addsvc = start(addsvc_binary, &["--stringsvc-url", &urls.join(",")], &[])?;
    println!("  an instance stopped until a call to it fails, then started again:");
    returning.kill();
    let concat = || addsvc.post_json("/concat", r#"{"a":"foo","b":"bar"}"#);
    let failed = (0..6)
        .filter_map(|_| concat().ok())
        .any(|reply| reply.status != 200);
    report.expect(
        failed,
        "a call to the stopped instance fails (Concat answers other than 200)",
    );
    let returned = StandIn::at(addr);
    thread::sleep(COOL_DOWN_AND_MARGIN);
    let answered = (0..AFTER_RETURN)
        .filter(|_| concat().is_ok_and(|reply| reply.status == 200))
        .count();
    let calls = returned.calls();
    report.expect(
        answered == AFTER_RETURN && calls * 100 >= AFTER_RETURN * 10,
        format!(
            "back after its ejection, it gets at least 10 % of {AFTER_RETURN} Concats sent one \
             at a time ({calls}; {answered} answered): a call that failed is no longer in \
             flight"
        ),
    );
    Ok(())
}
