//! The six drawing panels. Each draws one model (or both) of a [`Scene`](super::scene::Scene)
//! onto a canvas whose `width` and `height` are already in device pixels.
//!
//! Every panel module has `draw(canvas, scene, model)`, where `model` is
//! [`CROSS_ENTROPY`](crate::core::twin::CROSS_ENTROPY) (0) or
//! [`SMOOTHED`](crate::core::twin::SMOOTHED) (1); the training-curves panel draws both and
//! ignores it. When `view.shared_scale` is on, the two models' canvases of a panel use axis
//! ranges computed from both models, so sizes compare honestly. Drawing goes straight to the
//! 2D context (see [`canvas`] and [`chart`]) and never panics on empty or non-finite data.

pub mod calibration;
pub mod canvas;
pub mod chart;
pub mod clusters;
pub mod curves;
pub mod norms;
pub mod sharpen;
pub mod training;
