//! The Web Worker that owns training.
//!
//! [`schedule`] decides how many steps to run and when to send a frame; it is plain Rust and
//! tested on the host. `runtime` binds it to the browser (wasm32 only).

pub mod schedule;

#[cfg(target_arch = "wasm32")]
pub mod runtime;
