//! The Web Worker that owns training.
//!
//! [`schedule`] decides how many steps to run and when to send a frame; it is plain Rust and
//! tested on the host. `runtime` binds it to the browser (wasm32 only).

pub mod schedule;

#[cfg(target_arch = "wasm32")]
pub mod runtime;

/// The entry point of both worker binaries (`worker` and `worker_relaxed`, which differ only
/// in the `relaxed-simd` feature they are built with).
pub fn main() {
    #[cfg(target_arch = "wasm32")]
    runtime::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("the worker runs in a browser; build it with `trunk build`");
}
