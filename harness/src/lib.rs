//! The black-box harness: what the services' tests and the workshop tool use to
//! judge a service from the outside, as any client would. You never need to
//! change it to follow the steps; read it when you want to know how a test
//! starts a service.
//!
//! - [`Process`]: a service binary started on a free loopback port, its
//!   output kept, stopped by PID.
//! - [`Server`]: a `Process` with an HTTP client, for async tests.
//! - [`StandIn`]: a stand-in for stringsvc that a test controls (slow, down,
//!   back on its port), counting the calls it gets.
//! - [`otlp::Receiver`]: an OTLP/HTTP receiver that keeps the spans a service
//!   exports.
//! - [`etcd::Etcd`]: a real etcd node on free loopback ports, for the
//!   registration tests.

mod background;
pub mod etcd;
pub mod otlp;
mod process;
mod server;
mod stand_in;

pub use process::{Process, loopback_addr_in, without_service_env};
pub use server::{Server, install_crypto_provider};
pub use stand_in::StandIn;
