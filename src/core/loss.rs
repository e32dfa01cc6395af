//! Cross-entropy against hard or label-smoothed targets, and the closed forms the app plots.
//!
//! ```text
//! paper form (default)   q_k = (1 − α)·[k = y] + α/K
//! off-target form        q_y = 1 − α,  q_k = α/(K − 1) for k ≠ y
//! loss                   L = −Σ_k q_k log p_k,   p = softmax(z)
//! gradient               ∂L/∂z = p − q
//! ```

use serde::{Deserialize, Serialize};

use super::kernels;

/// How the smoothing mass α is spread over the classes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SmoothingForm {
    /// Szegedy et al. and Müller et al.: the true class gets `1 − α + α/K`, every class `α/K`.
    #[default]
    Uniform,
    /// Common in blog posts: the true class gets exactly `1 − α`, each other class `α/(K − 1)`.
    OffTarget,
}

/// Label smoothing of strength `alpha` in one of its two forms; `alpha = 0` is plain CE.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Smoothing {
    /// Smoothing strength α in `[0, 1)`. Default 0 (hard targets).
    pub alpha: f32,
    /// Default [`SmoothingForm::Uniform`], the paper's form.
    pub form: SmoothingForm,
}

impl Smoothing {
    /// Hard one-hot targets.
    pub const NONE: Smoothing = Smoothing {
        alpha: 0.0,
        form: SmoothingForm::Uniform,
    };

    pub fn new(alpha: f32, form: SmoothingForm) -> Self {
        Self { alpha, form }
    }

    /// The target mass `(true class, each other class)` for `classes` classes.
    pub fn target(&self, classes: usize) -> (f32, f32) {
        let k = classes as f32;
        match self.form {
            SmoothingForm::Uniform => (1.0 - self.alpha + self.alpha / k, self.alpha / k),
            SmoothingForm::OffTarget => (1.0 - self.alpha, self.alpha / (k - 1.0).max(1.0)),
        }
    }

    /// The highest probability the loss rewards for the true class: `q_y`.
    pub fn ceiling(&self, classes: usize) -> f32 {
        self.target(classes).0
    }

    /// The logit gap where the loss bottoms out, `Δ* = ln(q_y / q_other)`; `None` under hard
    /// targets, whose loss only approaches its infimum as Δ → ∞.
    ///
    /// ```text
    /// paper form: Δ* = ln((1 − α)·K/α + 1)     (ln 91 ≈ 4.51 for α = 0.1, K = 10)
    /// ```
    pub fn optimal_gap(&self, classes: usize) -> Option<f32> {
        let (on, off) = self.target(classes);
        (off > 0.0 && on > off).then(|| (on / off).ln())
    }
}

/// Probability of the true class when the other `K − 1` logits sit level, `Δ` below it.
///
/// ```text
/// p_y(Δ) = e^Δ / (e^Δ + K − 1)
/// ```
pub fn true_probability_at_gap(gap: f32, classes: usize) -> f32 {
    let others = classes as f32 - 1.0;
    1.0 / (1.0 + others * (-gap).exp())
}

/// The loss and its slope `dL/dΔ` at logit gap `Δ`, with the wrong classes level.
///
/// ```text
/// L(Δ)     = −q_y log p_y − (K − 1)·q_o·log p_o,   p_o = (1 − p_y)/(K − 1)
/// dL/dΔ    = p_y − q_y          (only z_y moves with Δ)
/// ```
pub fn loss_at_gap(gap: f32, classes: usize, smoothing: Smoothing) -> (f32, f32) {
    let (on, off) = smoothing.target(classes);
    let others = classes as f32 - 1.0;

    // log p_y = −ln(1 + (K−1)e^{−Δ}); log p_o = log p_y − Δ. Written this way it stays finite
    // for large |Δ| where p_o underflows.
    let log_p_true = -(others * (-gap).exp()).ln_1p();
    let log_p_other = log_p_true - gap;

    let loss = -on * log_p_true - others * off * log_p_other;
    (loss, log_p_true.exp() - on)
}

/// What one loss evaluation over a batch reports.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BatchLoss {
    /// Mean loss against the (smoothed) targets.
    pub loss: f32,
    /// Fraction of rows whose argmax is the label.
    pub accuracy: f32,
    /// Mean predicted probability of the true class.
    pub true_probability: f32,
}

/// Mean smoothed cross-entropy over a batch, with `∂L/∂z = (p − q)/B` written into `gradient`
/// and the probabilities into `probabilities`.
///
/// # Shapes
///
/// `logits`, `probabilities`, `gradient`: `B × K` row-major; `labels`: `B`.
pub fn smoothed_cross_entropy(
    logits: &[f32],
    labels: &[usize],
    classes: usize,
    smoothing: Smoothing,
    probabilities: &mut [f32],
    gradient: &mut [f32],
) -> BatchLoss {
    let rows = labels.len();
    assert_eq!(
        logits.len(),
        rows * classes,
        "logits are not labels × classes"
    );
    let (on, off) = smoothing.target(classes);

    // The gradient buffer holds log p first, then is overwritten with (p − q)/B.
    kernels::log_softmax_rows(logits, classes, gradient);

    let mut total = 0.0f64;
    let mut correct = 0usize;
    let mut true_probability = 0.0f64;
    let inverse_rows = 1.0 / rows.max(1) as f32;

    for (row, &label) in labels.iter().enumerate() {
        let range = row * classes..(row + 1) * classes;
        let log_p = &mut gradient[range.clone()];
        let p = &mut probabilities[range];

        let mut row_loss = 0.0f32;
        for (k, (p_k, log_p_k)) in p.iter_mut().zip(log_p.iter_mut()).enumerate() {
            let q_k = if k == label { on } else { off };
            row_loss -= q_k * *log_p_k;
            *p_k = log_p_k.exp();
            *log_p_k = (*p_k - q_k) * inverse_rows;
        }

        total += row_loss as f64;
        true_probability += p[label] as f64;
        if argmax(p) == label {
            correct += 1;
        }
    }

    let rows = rows.max(1) as f64;
    BatchLoss {
        loss: (total / rows) as f32,
        accuracy: (correct as f64 / rows) as f32,
        true_probability: (true_probability / rows) as f32,
    }
}

/// Index of the largest element (the first one on ties); 0 for an empty slice.
pub fn argmax(x: &[f32]) -> usize {
    let mut best = 0;
    for (i, value) in x.iter().enumerate() {
        if *value > x[best] {
            best = i;
        }
    }
    best
}
