//! The tool's HTTP client for the services it starts: requests to loopback addresses and
//! the replies, status, headers and body, to judge.

use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::Value;

/// An HTTP client for the services the tool starts: loopback, so no proxy; an error
/// status is an answer to judge, not a failure of the call.
pub fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

pub struct Reply {
    pub status: u16,
    pub body: String,
    headers: ureq::http::HeaderMap,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// POST a JSON `body` to `url`, for a service reached at another address than the one it
/// reported (through a port mapping, say).
pub fn post_json_to(url: &str, body: &str) -> Result<Reply> {
    post_json_with(&http_agent(), url, body, &[])
}

/// GET `url`; see [`post_json_to`].
pub fn get_from(url: &str) -> Result<Reply> {
    get_with(&http_agent(), url)
}

pub fn post_json_with(
    agent: &ureq::Agent,
    url: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> Result<Reply> {
    let mut request = agent.post(url).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    reply(request.send(body), url)
}

pub fn get_with(agent: &ureq::Agent, url: &str) -> Result<Reply> {
    reply(agent.get(url).call(), url)
}

fn reply(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    url: &str,
) -> Result<Reply> {
    let mut response = response.with_context(|| format!("no HTTP answer from {url}"))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Ok(Reply {
        status,
        body,
        headers,
    })
}
