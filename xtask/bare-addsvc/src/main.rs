//! addsvc's `POST /sum` with nothing around it: the same JSON in and out on the same actix-web
//! server, but no layers, no logging, no metrics. `cargo workshop load` runs it beside addsvc,
//! so the cost of the workshop's layers reads as a ratio to this baseline.
//!
//! The bare two-hop, for /concat: with `BARE_UPSTREAM` set to another instance's base URL,
//! `POST /concat` joins the strings and has that instance uppercase them (`POST /uppercase`,
//! as stringsvc's), over one pooled reqwest client: a call between two actix-web servers and
//! nothing else.

use std::net::SocketAddr;

use actix_web::{App, HttpResponse, HttpServer, web};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct SumRequest {
    a: i64,
    b: i64,
}

#[derive(Serialize)]
struct SumResponse {
    v: i64,
}

#[derive(Deserialize)]
struct ConcatRequest {
    a: String,
    b: String,
}

#[derive(Serialize, Deserialize)]
struct Text {
    v: String,
}

#[derive(Serialize, Deserialize)]
struct UppercaseRequest {
    s: String,
}

async fn sum(request: web::Json<SumRequest>) -> web::Json<SumResponse> {
    web::Json(SumResponse {
        v: request.a.wrapping_add(request.b),
    })
}

async fn uppercase(request: web::Json<UppercaseRequest>) -> web::Json<Text> {
    web::Json(Text {
        v: request.s.to_uppercase(),
    })
}

/// Where /concat sends its /uppercase call, and the client it sends it with.
struct Upstream {
    url: String,
    client: reqwest::Client,
}

async fn concat(
    request: web::Json<ConcatRequest>,
    upstream: web::Data<Option<Upstream>>,
) -> HttpResponse {
    let Some(upstream) = upstream.as_ref() else {
        return HttpResponse::NotFound().finish();
    };
    let joined = UppercaseRequest {
        s: format!("{}{}", request.a, request.b),
    };
    let answer = upstream
        .client
        .post(&upstream.url)
        .json(&joined)
        .send()
        .await;
    match answer {
        Ok(response) => match response.json::<Text>().await {
            Ok(text) => HttpResponse::Ok().json(text),
            Err(_) => HttpResponse::BadGateway().finish(),
        },
        Err(_) => HttpResponse::BadGateway().finish(),
    }
}

/// `--addr HOST:PORT`, as the workshop's services take it; port 0 lets the OS choose.
fn addr_flag() -> Result<SocketAddr, String> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next()) {
        (None, _) => Ok(SocketAddr::from(([127, 0, 0, 1], 0))),
        (Some("--addr"), Some(addr)) => addr
            .parse()
            .map_err(|error| format!("--addr {addr}: {error}")),
        _ => Err("usage: bare-addsvc [--addr HOST:PORT]".to_owned()),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = addr_flag().map_err(std::io::Error::other)?;
    // reqwest's TLS is compiled in (the workspace's Pact crates enable it) without a crypto
    // provider; choose one before building the client, as addsvc does.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let upstream = match std::env::var("BARE_UPSTREAM") {
        Ok(base) => Some(Upstream {
            url: format!("{}/uppercase", base.trim_end_matches('/')),
            client: reqwest::Client::builder()
                .no_proxy()
                .build()
                .map_err(std::io::Error::other)?,
        }),
        Err(_) => None,
    };
    let upstream = web::Data::new(upstream);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(upstream.clone())
            .route("/sum", web::post().to(sum))
            .route("/uppercase", web::post().to(uppercase))
            .route("/concat", web::post().to(concat))
    })
    .bind(addr)?;
    // The line the workshop tool reads to learn the port, as it does for addsvc.
    for addr in server.addrs() {
        println!("bare-addsvc listening on http://{addr}");
    }
    server.run().await
}
