//! What the app measures about a model: accuracy and NLL, calibration, temperature scaling, the
//! geometry of the penultimate layer, and sharpening.
//!
//! Conventions shared by every function here:
//!
//! - Probabilities and logits are `ArrayView2<f32>` of shape n × K, one example per row; labels
//!   are `&[usize]`, and row `i` is paired with `labels[i]`. If the lengths differ, only the
//!   first `min(n, labels.len())` pairs are used.
//! - Sums are accumulated in f64 and logarithms of probabilities are floored at
//!   [`PROBABILITY_FLOOR`], so the results are finite.
//! - Nothing panics on empty input. Each function's docs say what it returns then (usually 0).
//!
//! These are plain scalar reference implementations; the fast kernels live in `core::kernels`.

pub mod calibration;
pub mod classification;
pub mod geometry;
pub mod pca;
pub mod sharpen;
pub mod temperature;
pub mod template_plane;

pub use self::calibration::{reliability, Reliability, ReliabilityBin, DEFAULT_BINS};
pub use self::classification::{
    accuracy, mean_true_probability, nll, softmax_rows, PROBABILITY_FLOOR,
};
pub use self::geometry::{cluster_tightness, effective_logit_gaps, feature_norms};
pub use self::pca::{pca_2d, Pca2};
pub use self::sharpen::{entropy, entropy_curve, sharpen};
pub use self::temperature::{
    fit_temperature, nll_at_temperature, scale_logits, TemperatureFit, MAX_TEMPERATURE,
    MIN_TEMPERATURE,
};
pub use self::template_plane::{template_plane, GeometryError, TemplatePlane};
