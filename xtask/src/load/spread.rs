//! `cargo workshop load --spread`: /concat again, with addsvc balancing its calls over three
//! stringsvcs (step 24 on), and the ratio of its req/s to the one-instance run. On a machine
//! with few cores more instances add no CPU: the point is that balancing costs nothing, so
//! three instances stay within 10 % of one.

use std::path::Path;

use anyhow::{Context, Result};

use super::process::LoggedService;
use super::report::Measurement;
use super::{CONCAT_BODY, Settings, Target, measure};
use crate::activity::Activity;

const INSTANCES: [&str; 3] = ["stringsvc-1", "stringsvc-2", "stringsvc-3"];

/// Measures /concat with addsvc over three stringsvcs; prints it beside `one_instance`.
pub fn run(
    addsvc: &Path,
    stringsvc: &Path,
    one_instance: &Measurement,
    settings: &Settings,
    scratch: &Path,
    activity: &Activity,
) -> Result<()> {
    let stringsvcs = INSTANCES
        .iter()
        .map(|name| LoggedService::start(name, stringsvc, &[], scratch))
        .collect::<Result<Vec<_>>>()?;
    let urls: Vec<String> = stringsvcs
        .iter()
        .map(|stringsvc| stringsvc.url(""))
        .collect();
    let env = [("ADDSVC_STRINGSVC_URL", urls.join(","))];
    let env: Vec<(&str, &str)> = env
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let spread = LoggedService::start("addsvc-spread", addsvc, &env, scratch)
        .context("addsvc takes several stringsvc URLs from step 24 on")?;
    let mut processes = vec![&spread];
    processes.extend(&stringsvcs);
    let three = measure(
        &Target {
            name: "concat over 3",
            server: &spread,
            path: "/concat",
            body: CONCAT_BODY,
            processes,
            stringsvc_port: None,
        },
        settings,
        scratch,
        activity,
    )?;
    let (one, three) = (
        one_instance.wrk.requests_per_second,
        three.wrk.requests_per_second,
    );
    activity.above(|| {
        println!("\naddsvc /concat over one stringsvc:    {one:>9.0} req/s");
        println!("addsvc /concat over three stringsvcs: {three:>9.0} req/s");
        let ratio = three / one.max(1.0);
        let verdict = if (ratio - 1.0).abs() <= 0.10 {
            "within 10 % of one instance: balancing costs nothing measurable"
        } else if ratio > 1.0 {
            "more than 10 % above one instance: the cores had room for more stringsvc"
        } else {
            "more than 10 % below one instance: balancing or the extra processes cost throughput"
        };
        println!("ratio three/one: {ratio:.2} ({verdict})");
    });
    Ok(())
}
