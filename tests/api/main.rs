//! Black-box tests: each test starts the real `addsvc` binary on a free local
//! port and talks to it over HTTP, as any client would.

mod addsvc;
mod support;
