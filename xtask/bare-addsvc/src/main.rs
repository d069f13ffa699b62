//! addsvc's `POST /sum` with nothing around it: the same JSON in and out on the same actix-web
//! server, but no layers, no logging, no metrics. `cargo workshop load` runs it beside addsvc,
//! so the cost of the workshop's layers reads as a ratio to this baseline.

use std::net::SocketAddr;

use actix_web::{App, HttpServer, web};
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

async fn sum(request: web::Json<SumRequest>) -> web::Json<SumResponse> {
    web::Json(SumResponse {
        v: request.a.wrapping_add(request.b),
    })
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
    let server = HttpServer::new(|| App::new().route("/sum", web::post().to(sum))).bind(addr)?;
    // The line the workshop tool reads to learn the port, as it does for addsvc.
    for addr in server.addrs() {
        println!("bare-addsvc listening on http://{addr}");
    }
    server.run().await
}
