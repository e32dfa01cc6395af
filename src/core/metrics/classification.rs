//! Plain classification scores: accuracy, negative log-likelihood, the probability given to the
//! true class, and a scalar reference softmax.
//!
//! Every function here reads `probs` (or `logits`) as an n × K matrix with one example per row,
//! and pairs row `i` with `labels[i]`.

use ndarray::{Array2, ArrayView1, ArrayView2};

/// The smallest probability that is ever passed to `ln`, so that a true class given probability
/// 0 costs a large but finite `−ln(1e-12) ≈ 27.6` nats instead of infinity.
pub const PROBABILITY_FLOOR: f32 = 1e-12;

/// The index of the largest entry of a row, or `None` for a row with no comparable entry.
///
/// Ties go to the lowest index, and NaN entries are never chosen, so the prediction is stable
/// from frame to frame.
pub(super) fn argmax(row: ArrayView1<f32>) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for (index, &value) in row.iter().enumerate() {
        if value.is_nan() {
            continue;
        }
        match best {
            Some((_, best_value)) if value <= best_value => {}
            _ => best = Some((index, value)),
        }
    }
    best.map(|(index, _)| index)
}

/// The probability a row gives its label, or 0 when the label is not a column of the row.
fn true_class_probability(row: ArrayView1<f32>, label: usize) -> f32 {
    row.get(label).copied().unwrap_or(0.0)
}

/// The fraction of examples whose argmax is their label.
///
/// A label outside `0..K` always counts as wrong. Rows and labels are paired up to the shorter of
/// the two; no pairs (empty input) gives 0.
pub fn accuracy(probs: ArrayView2<f32>, labels: &[usize]) -> f32 {
    let mut correct = 0usize;
    let mut total = 0usize;
    for (row, &label) in probs.rows().into_iter().zip(labels) {
        total += 1;
        if argmax(row) == Some(label) {
            correct += 1;
        }
    }

    if total == 0 {
        return 0.0;
    }
    (correct as f64 / total as f64) as f32
}

/// The mean negative log-likelihood of the labels, in nats.
///
/// ```text
/// NLL = −(1/n) Σ_i ln max(p_i,y_i , 1e-12)
/// ```
///
/// A label outside `0..K` is scored as probability 0, i.e. at the floor. Rows and labels are
/// paired up to the shorter of the two; empty input gives 0.
pub fn nll(probs: ArrayView2<f32>, labels: &[usize]) -> f32 {
    let mut sum = 0.0f64;
    let mut total = 0usize;
    for (row, &label) in probs.rows().into_iter().zip(labels) {
        let p = true_class_probability(row, label);
        // `max` also maps a NaN probability to the floor.
        let p = p.max(PROBABILITY_FLOOR) as f64;
        sum -= p.ln();
        total += 1;
    }

    if total == 0 {
        return 0.0;
    }
    (sum / total as f64) as f32
}

/// The mean probability given to the true class, `(1/n) Σ_i p_i,y_i`.
///
/// Under label smoothing this settles near the ceiling `1 − α + α/K`, not near 1. A label outside
/// `0..K` contributes 0. Rows and labels are paired up to the shorter of the two; empty input
/// gives 0.
pub fn mean_true_probability(probs: ArrayView2<f32>, labels: &[usize]) -> f32 {
    let mut sum = 0.0f64;
    let mut total = 0usize;
    for (row, &label) in probs.rows().into_iter().zip(labels) {
        sum += true_class_probability(row, label) as f64;
        total += 1;
    }

    if total == 0 {
        return 0.0;
    }
    (sum / total as f64) as f32
}

/// Row-wise softmax, the scalar reference that the fast kernels are tested against.
///
/// ```text
/// p_k = exp(z_k − m) / Σ_j exp(z_j − m),   m = max_j z_j
/// ```
///
/// Subtracting the row maximum keeps every exponent ≤ 0, so nothing overflows; the sum is
/// accumulated in f64. A row whose entries are all `−∞` (or NaN) has no maximum and becomes
/// uniform. If a row holds `+∞`, the mass is split evenly between its `+∞` entries.
///
/// # Shapes
///
/// `logits`: n × K → returns n × K. An n × 0 input gives an n × 0 output.
pub fn softmax_rows(logits: ArrayView2<f32>) -> Array2<f32> {
    let mut out = Array2::<f32>::zeros(logits.raw_dim());
    for (row, mut out_row) in logits.rows().into_iter().zip(out.rows_mut()) {
        let width = row.len();
        if width == 0 {
            continue;
        }

        let max = row
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .fold(f32::NEG_INFINITY, f32::max);
        if max == f32::NEG_INFINITY {
            out_row.fill(1.0 / width as f32);
            continue;
        }
        if max == f32::INFINITY {
            let winners = row.iter().filter(|&&v| v == f32::INFINITY).count();
            for (o, &z) in out_row.iter_mut().zip(row) {
                *o = if z == f32::INFINITY {
                    1.0 / winners as f32
                } else {
                    0.0
                };
            }
            continue;
        }

        let max = max as f64;
        let mut sum = 0.0f64;
        for (o, &z) in out_row.iter_mut().zip(row) {
            // NaN logits get no mass rather than poisoning the whole row.
            let e = if z.is_nan() {
                0.0
            } else {
                (z as f64 - max).exp()
            };
            *o = e as f32;
            sum += e;
        }
        // sum ≥ 1 because the maximum contributes exp(0).
        let inverse = 1.0 / sum;
        for o in out_row.iter_mut() {
            *o = (*o as f64 * inverse) as f32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    // Under wasm32 the same tests run in Node through wasm-bindgen-test, on the simd128 kernels.
    use super::*;
    use ndarray::{array, Array2};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn accuracy_counts_rows_whose_argmax_is_the_label() {
        let probs = array![
            [0.7, 0.2, 0.1],
            [0.1, 0.3, 0.6],
            [0.4, 0.5, 0.1],
            [0.2, 0.2, 0.6]
        ];
        // Predictions are 0, 2, 1, 2; labels 0, 2, 0, 9 → two right, and 9 is out of range.
        assert_eq!(accuracy(probs.view(), &[0, 2, 0, 9]), 0.5);
    }

    #[test]
    fn accuracy_breaks_ties_towards_the_lowest_index() {
        let probs = array![[0.5, 0.5], [0.4, 0.4]];
        assert_eq!(accuracy(probs.view(), &[0, 1]), 0.5);
    }

    #[test]
    fn nll_is_the_mean_negative_log_of_the_true_class_probability() {
        let probs = array![[0.5, 0.5], [0.25, 0.75]];
        // Hand-computed: (ln 2 + ln 4) / 2 = 1.5 ln 2.
        let expected = 1.5 * std::f32::consts::LN_2;
        assert!((nll(probs.view(), &[0, 0]) - expected).abs() < 1e-6);
    }

    #[test]
    fn nll_of_a_zero_probability_is_floored_not_infinite() {
        let probs = array![[1.0, 0.0]];
        let value = nll(probs.view(), &[1]);
        assert!(value.is_finite());
        let expected = -(1e-12f64.ln()) as f32;
        assert!(
            (value - expected).abs() < 1e-4,
            "got {value}, expected {expected}"
        );
    }

    #[test]
    fn mean_true_probability_averages_the_label_column() {
        let probs = array![[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]];
        let value = mean_true_probability(probs.view(), &[0, 1, 1]);
        assert!((value - (0.9 + 0.7 + 0.4) / 3.0).abs() < 1e-6);
    }

    #[test]
    fn empty_input_scores_zero_everywhere() {
        let probs = Array2::<f32>::zeros((0, 4));
        assert_eq!(accuracy(probs.view(), &[]), 0.0);
        assert_eq!(nll(probs.view(), &[]), 0.0);
        assert_eq!(mean_true_probability(probs.view(), &[]), 0.0);
        assert_eq!(softmax_rows(probs.view()).dim(), (0, 4));
    }

    #[test]
    fn softmax_rows_sum_to_one_and_match_the_closed_form() {
        let logits = array![[1.0f32, 2.0, 3.0], [0.0, 0.0, 0.0]];
        let p = softmax_rows(logits.view());
        let denominator = 1.0f64.exp() + 2.0f64.exp() + 3.0f64.exp();
        for k in 0..3 {
            let expected = ((k as f64 + 1.0).exp() / denominator) as f32;
            assert!(
                (p[[0, k]] - expected).abs() < 1e-7,
                "k={k}: {} vs {expected}",
                p[[0, k]]
            );
            assert!((p[[1, k]] - 1.0 / 3.0).abs() < 1e-7);
        }
    }

    #[test]
    fn softmax_rows_survives_huge_logits() {
        let logits = array![[1000.0f32, 999.0, -1000.0]];
        let p = softmax_rows(logits.view());
        let expected = 1.0 / (1.0 + (-1.0f32).exp());
        assert!((p[[0, 0]] - expected).abs() < 1e-6);
        assert!(p.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn softmax_rows_handles_infinite_rows_without_nan() {
        let logits = array![[f32::NEG_INFINITY, f32::NEG_INFINITY], [f32::INFINITY, 0.0]];
        let p = softmax_rows(logits.view());
        assert_eq!(p, array![[0.5, 0.5], [1.0, 0.0]]);
    }
}
