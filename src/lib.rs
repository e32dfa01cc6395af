//! Label smoothing, explained live.
//!
//! - [`core`]: the numeric core (kernels, model, losses, metrics, data, twin training). No DOM.
//! - [`protocol`]: the typed messages between the page and the training worker.
//! - [`settings`]: every control of the page, and its round trip through the URL.
//! - [`worker`]: the Web Worker that owns training.
//! - `ui`: the Leptos page that renders frames and sends commands (wasm32 only).

pub mod core;
pub mod protocol;
pub mod settings;
pub mod worker;

#[cfg(target_arch = "wasm32")]
pub mod ui;

/// Speed measurements for the benchmark binary.
pub mod bench;
