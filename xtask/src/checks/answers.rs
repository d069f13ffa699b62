//! Checks judged by what addsvc answers over HTTP: 03-mult, 05-uppercase, 14-teapot and
//! 17-optional-uppercase. 14-teapot also reads the service's log line and `/metrics`, where
//! the layer that answers shows.

use std::net::TcpListener;
use std::path::Path;

use anyhow::Result;
use serde_json::json;

use super::log_fields::{has_field, has_key};
use super::prometheus::sample_sum;
use super::report::{Report, indent};
use super::{start, start_addsvc};
use crate::service::build_binary;

/// 03-mult: `POST /mult` answers the f64 product, and the old routes still work.
pub fn mult(dir: &Path, report: &mut Report) -> Result<()> {
    let addsvc = start_addsvc(dir)?;
    let products = [
        (r#"{"a":2.5,"b":4}"#, 10.0),
        // Truncating or rounding to an integer answers -1 or -2.
        (r#"{"a":-3,"b":0.5}"#, -1.5),
        (r#"{"a":7,"b":0}"#, 0.0),
        // Exact in neither f32 nor a few decimals: 0.020000000000000004 in f64.
        (r#"{"a":0.1,"b":0.2}"#, 0.1 * 0.2),
        // 4e38 is past f32's largest number; the product is not.
        (r#"{"a":4e38,"b":0.5}"#, 2e38),
    ];
    for (body, product) in products {
        report.expect_value(&addsvc, "/mult", body, json!(product));
    }
    report.expect_value(&addsvc, "/sum", r#"{"a":1,"b":2}"#, json!(3));
    report.expect_value(&addsvc, "/concat", r#"{"a":"1","b":"2"}"#, json!("12"));
    Ok(())
}

/// 05-uppercase: Concat's result comes back uppercased, letters beyond ASCII included;
/// Sum is untouched.
pub fn uppercase(dir: &Path, report: &mut Report) -> Result<()> {
    let addsvc = start_addsvc(dir)?;
    let concats = [
        (r#"{"a":"foo","b":"bar"}"#, "FOOBAR"),
        (r#"{"a":"Rust ","b":"kit"}"#, "RUST KIT"),
        // str::to_uppercase: ß becomes SS; ASCII-only uppercasing leaves both as they are.
        (r#"{"a":"straße","b":" é"}"#, "STRASSE É"),
        (r#"{"a":"1","b":"2"}"#, "12"),
    ];
    for (body, result) in concats {
        report.expect_value(&addsvc, "/concat", body, json!(result));
    }
    report.expect_value(&addsvc, "/sum", r#"{"a":1,"b":2}"#, json!(3));
    Ok(())
}

/// 14-teapot: tea + pot is a business error answered 418, returned by the service: its
/// logging middleware logs the call with the error, and the endpoint counts it as a
/// success (a broken rule is an answer, not a failure). Everything else as before.
pub fn teapot(dir: &Path, report: &mut Report) -> Result<()> {
    const TEAPOT: &str = r#"{"a":"tea","b":"pot"}"#;
    let addsvc = start_addsvc(dir)?;
    let before = addsvc.get("/metrics")?.body;
    let offset = addsvc.output().len();
    report.expect_error(&addsvc, "/concat", TEAPOT, 418);

    // Only the service's logging middleware logs the inputs, and only for calls that
    // reach the service.
    let is_service_line = |line: &str| {
        has_field(line, "a", "tea") && has_field(line, "b", "pot") && has_key(line, "error")
    };
    let output = addsvc.output_after(offset, |new| new.lines().any(is_service_line));
    report.expect(
        output.lines().any(is_service_line),
        format!(
            "the service returns the rule: its logging middleware logs the call (a=tea b=pot) \
             with error=…; new lines were:\n{}",
            indent(&output)
        ),
    );
    let after = addsvc.get("/metrics")?.body;
    let grew = |success: &str| {
        let count = |exposition: &str| {
            sample_sum(
                exposition,
                "addsvc_request_duration_seconds_count",
                &[r#"method="concat""#, &format!(r#"success="{success}""#)],
            )
            .unwrap_or(0.0)
        };
        count(&after) - count(&before)
    };
    let (as_success, as_failure) = (grew("true"), grew("false"));
    report.expect(
        as_success == 1.0 && as_failure == 0.0,
        format!(
            r#"the endpoint answers it, as a success: addsvc_request_duration_seconds_count{{method="concat"}} grows by 1 with success="true" (grew by {as_success}) and not with success="false" (grew by {as_failure})"#
        ),
    );

    report.expect_value(
        &addsvc,
        "/concat",
        r#"{"a":"pot","b":"tea"}"#,
        json!("pottea"),
    );
    report.expect_value(&addsvc, "/sum", r#"{"a":1,"b":2}"#, json!(3));
    report.expect_error(&addsvc, "/sum", r#"{"a":0,"b":0}"#, 400);
    Ok(())
}

/// 17-optional-uppercase: without a stringsvc URL Concat is plain; with one, from the flag
/// or from the environment, uppercased, and a configured stringsvc that is down is a 503.
pub fn optional_uppercase(dir: &Path, report: &mut Report) -> Result<()> {
    const FOOBAR: &str = r#"{"a":"foo","b":"bar"}"#;
    let addsvc_binary = build_binary(dir, "addsvc")?;
    let alone = start(&addsvc_binary, &[], &[])?;
    report.expect_value(&alone, "/concat", FOOBAR, json!("foobar"));
    report.expect_value(&alone, "/sum", r#"{"a":1,"b":2}"#, json!(3));
    drop(alone);

    let stringsvc = start(&build_binary(dir, "stringsvc")?, &[], &[])?;
    println!("  with --stringsvc-url {}:", stringsvc.base_url);
    let by_flag = start(
        &addsvc_binary,
        &["--stringsvc-url", &stringsvc.base_url],
        &[],
    )?;
    report.expect_value(&by_flag, "/concat", FOOBAR, json!("FOOBAR"));
    drop(by_flag);

    println!("  with ADDSVC_STRINGSVC_URL={}:", stringsvc.base_url);
    let by_env = start(
        &addsvc_binary,
        &[],
        &[("ADDSVC_STRINGSVC_URL", &stringsvc.base_url)],
    )?;
    report.expect_value(&by_env, "/concat", FOOBAR, json!("FOOBAR"));
    drop(by_env);

    let down = format!("http://{}", unused_loopback_addr()?);
    println!("  with --stringsvc-url {down}, where nothing listens:");
    let stranded = start(&addsvc_binary, &["--stringsvc-url", &down], &[])?;
    report.expect_error(&stranded, "/concat", FOOBAR, 503);
    Ok(())
}

/// A loopback address nothing listens on: one the OS just handed out, then released.
fn unused_loopback_addr() -> Result<std::net::SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}
