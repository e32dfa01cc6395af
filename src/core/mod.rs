//! The numeric core: kernels, model, losses, optimisers, metrics, data and twin training.
//!
//! Nothing here touches the DOM or `web-sys`; it builds and is tested on the host (scalar
//! kernels) and on wasm32 (simd128 kernels) alike.

pub mod data;
pub mod kernels;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod optim;
pub mod twin;
