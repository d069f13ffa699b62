//! A stand-in for stringsvc, for addsvc's tests and the checks: it answers
//! `POST /uppercase` as the contract between the two services says stringsvc
//! does (tests/pacts/addsvc-stringsvc.json; stringsvc's provider test holds the
//! real one to it), and a test decides how fast it answers, stops it, and
//! starts it again on its port. It counts the calls it gets and keeps the body
//! and the `traceparent` each carried: what addsvc did, whatever its code
//! looks like.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::background::Background;

/// A running stand-in, stopped when dropped.
pub struct StandIn {
    app: Background,
    base_url: String,
    seen: Arc<Seen>,
}

/// What the stand-in was sent.
#[derive(Default)]
struct Seen {
    calls: AtomicUsize,
    bodies: Mutex<Vec<Value>>,
    traceparents: Mutex<Vec<String>>,
}

impl StandIn {
    /// A stand-in on a free loopback port that answers at once.
    pub fn start() -> StandIn {
        StandIn::slow(Duration::ZERO)
    }

    /// A stand-in that answers each call `delay` after it arrived.
    pub fn slow(delay: Duration) -> StandIn {
        StandIn::launch(SocketAddr::from(([127, 0, 0, 1], 0)), delay)
            .expect("a stand-in stringsvc on a free loopback port")
    }

    /// A stand-in on `addr`, where an earlier one may have run (a restart).
    pub fn at(addr: SocketAddr) -> StandIn {
        StandIn::launch(addr, Duration::ZERO)
            .unwrap_or_else(|error| panic!("a stand-in stringsvc on {addr}: {error}"))
    }

    fn launch(addr: SocketAddr, delay: Duration) -> io::Result<StandIn> {
        let seen = Arc::new(Seen::default());
        let counted = Arc::clone(&seen);
        let app = Background::start(addr, move |config| {
            let seen = web::Data::from(Arc::clone(&counted));
            config
                .app_data(seen)
                .app_data(web::Data::new(delay))
                .route("/uppercase", web::post().to(uppercase));
        })?;
        let base_url = format!("http://{}", app.addr());
        Ok(StandIn {
            app,
            base_url,
            seen,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.app.addr()
    }

    /// Stops the stand-in at once, as a crash would: open connections are
    /// closed and its port refuses new ones. Dropping it does the same.
    pub fn kill(&mut self) {
        self.app.stop();
    }

    /// The calls received so far, answered or not yet.
    pub fn calls(&self) -> usize {
        self.seen.calls.load(Ordering::SeqCst)
    }

    /// The JSON body of each call, in order.
    pub fn bodies(&self) -> Vec<Value> {
        self.seen
            .bodies
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default()
    }

    /// The `traceparent` header of each call that carried one, in order.
    pub fn traceparents(&self) -> Vec<String> {
        self.seen
            .traceparents
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default()
    }
}

/// stringsvc's answer: the string uppercased, or its error for the empty
/// string, in its wire format.
async fn uppercase(
    request: HttpRequest,
    body: web::Json<Value>,
    seen: web::Data<Seen>,
    delay: web::Data<Duration>,
) -> HttpResponse {
    seen.calls.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut bodies) = seen.bodies.lock() {
        bodies.push(body.clone());
    }
    if let Some(traceparent) = request
        .headers()
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        && let Ok(mut traceparents) = seen.traceparents.lock()
    {
        traceparents.push(traceparent.to_owned());
    }
    if !delay.is_zero() {
        actix_web::rt::time::sleep(**delay).await;
    }
    match body["s"].as_str() {
        Some("") => HttpResponse::build(StatusCode::BAD_REQUEST)
            .json(json!({"error": "empty string", "code": "empty_string"})),
        Some(s) => HttpResponse::Ok().json(json!({"v": s.to_uppercase()})),
        None => HttpResponse::BadRequest()
            .json(json!({"error": "s must be a string", "code": "invalid_request"})),
    }
}
