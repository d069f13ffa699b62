//! addsvc: a minimal microservice that sums integers and concatenates strings.
//!
//! This is where the workshop starts: one file, one trait for the business
//! logic, and two HTTP handlers. The steps in `patches/` grow it into a
//! layered service.

use std::net::SocketAddr;

use actix_web::{App, HttpServer, post, web};
use clap::Parser;
use serde::{Deserialize, Serialize};

/// The business logic, written without any knowledge of HTTP.
pub trait AddService {
    fn sum(&self, a: i64, b: i64) -> i64;
    fn concat(&self, a: &str, b: &str) -> String;
}

/// A naive implementation: no validation, no limits.
pub struct BasicAddService;

impl AddService for BasicAddService {
    fn sum(&self, a: i64, b: i64) -> i64 {
        a + b
    }

    fn concat(&self, a: &str, b: &str) -> String {
        format!("{a}{b}")
    }
}

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

#[derive(Serialize)]
struct ConcatResponse {
    v: String,
}

#[post("/sum")]
async fn sum(
    service: web::Data<BasicAddService>,
    request: web::Json<SumRequest>,
) -> web::Json<SumResponse> {
    web::Json(SumResponse {
        v: service.sum(request.a, request.b),
    })
}

#[post("/concat")]
async fn concat(
    service: web::Data<BasicAddService>,
    request: web::Json<ConcatRequest>,
) -> web::Json<ConcatResponse> {
    web::Json(ConcatResponse {
        v: service.concat(&request.a, &request.b),
    })
}

/// Command-line flags; each one can also be set from the environment.
#[derive(Parser)]
#[command(version, about)]
struct Flags {
    /// Address to listen on.
    #[arg(long, env = "ADDSVC_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let flags = Flags::parse();
    let service = web::Data::new(BasicAddService);

    let server = HttpServer::new(move || {
        App::new()
            .app_data(service.clone())
            .service(sum)
            .service(concat)
    })
    .bind(flags.addr)?;

    for addr in server.addrs() {
        println!("addsvc listening on http://{addr}");
    }
    server.run().await
}
