//! bedrock-connect's core: builds the HTTP requests that assume a customer's IAM role and call
//! Amazon Bedrock, signs them (SigV4), and parses the answers.
//!
//! It does **no I/O and reads no clock**: every function takes what it needs (`now` in epoch
//! milliseconds, credentials, jitter) and returns values; the wasm layer (`src/wasm/`, compiled
//! only for `wasm32`) sends requests with `fetch` and feeds the responses back.
//!
//! ```text
//!  JS options ──▶ validate ──▶ build_*() ──▶ HttpRequest ──▶ (wasm: fetch) ──▶ HttpResponse
//!                                  ▲                                              │
//!       credential cache ◀── parse_*() ◀──────────────────────────────────────────┘
//! ```

// `Error` carries a message, hint, field and request ID (~150 bytes): boxing it in every
// `Result` would be churn across the core for no measured gain.
#![allow(clippy::result_large_err)]

pub mod api_key;
pub mod bedrock;
pub mod call_options;
pub mod client;
pub mod clock;
pub mod config;
pub mod count_tokens;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod eventstream;
pub mod guardrail;
pub mod http;
pub mod iregexp;
pub mod mapping;
pub mod model_id;
pub mod policy;
pub mod preset;
pub mod profile;
pub mod retry;
pub mod sign;
pub mod stream;
pub mod sts;
pub mod template;
pub mod test_call;

/// The byte loops and the JSON lexer live in crates/scan, built for speed.
pub use bedrock_connect_scan::{jsonlex, swar};

#[cfg(test)]
mod testing;
#[cfg(target_arch = "wasm32")]
mod wasm;

/// Sent as `x-amz-user-agent` on every request.
pub const USER_AGENT: &str = concat!("bedrock-connect/", env!("CARGO_PKG_VERSION"));
