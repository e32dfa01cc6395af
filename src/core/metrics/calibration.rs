//! Calibration: the reliability diagram and the expected calibration error (ECE).
//!
//! A model is calibrated when, among the examples it predicts with confidence c, a fraction c is
//! right. The reliability diagram checks this bin by bin; the ECE sums the gaps.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use super::classification::argmax;

/// The number of equal-width confidence bins used by Guo et al. (2017) and Müller et al. (2019).
pub const DEFAULT_BINS: usize = 15;

/// One bar of the reliability diagram: the examples whose confidence fell in `[lower, upper)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Left edge of the bin, `m / M`.
    pub lower: f32,
    /// Right edge of the bin, `(m + 1) / M`. The last bin also holds confidence exactly 1.
    pub upper: f32,
    /// How many examples fell in the bin.
    pub count: u32,
    /// Mean confidence (maximum probability) of those examples; 0 when `count` is 0.
    pub confidence: f32,
    /// Fraction of those examples whose argmax is the label; 0 when `count` is 0.
    pub accuracy: f32,
}

/// A reliability diagram together with its expected calibration error.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Reliability {
    /// The `M` bins, in order from confidence 0 to 1. Empty bins are kept, with `count` 0, so
    /// that the diagram always has `M` slots; a plot should skip them.
    pub bins: Vec<ReliabilityBin>,
    /// The expected calibration error, in `[0, 1]`.
    pub ece: f32,
}

/// Bins the examples by confidence and measures how far each bin's accuracy is from its
/// confidence.
///
/// ```text
/// confidence_i = max_k p_ik          prediction_i = argmax_k p_ik
/// bin(c)       = min(⌊c·M⌋, M − 1)    (so c = 1 lands in the last bin)
/// ECE          = Σ_m (|B_m| / n) · |acc(B_m) − conf(B_m)|
/// ```
///
/// Confidences are clamped into `[0, 1]` before binning, and a row with no usable entry counts
/// as confidence 0 and wrong. A label outside `0..K` is always wrong. `bins = 0` is treated as 1.
/// Rows and labels are paired up to the shorter of the two; empty input gives `M` empty bins and
/// an ECE of 0.
///
/// # Shapes
///
/// `probs`: n × K, `labels`: n.
pub fn reliability(probs: ArrayView2<f32>, labels: &[usize], bins: usize) -> Reliability {
    let bin_count = bins.max(1);
    let mut counts = vec![0u32; bin_count];
    let mut confidence_sums = vec![0.0f64; bin_count];
    let mut correct_counts = vec![0u32; bin_count];

    let mut total = 0usize;
    for (row, &label) in probs.rows().into_iter().zip(labels) {
        let prediction = argmax(row);
        let confidence = prediction.map_or(0.0, |k| row[k].clamp(0.0, 1.0)) as f64;

        // The `as usize` cast saturates, and the `min` puts confidence 1 in the last bin.
        let bin = ((confidence * bin_count as f64).floor() as usize).min(bin_count - 1);
        counts[bin] += 1;
        confidence_sums[bin] += confidence;
        if prediction == Some(label) {
            correct_counts[bin] += 1;
        }
        total += 1;
    }

    let mut ece = 0.0f64;
    let mut out = Vec::with_capacity(bin_count);
    for m in 0..bin_count {
        let count = counts[m];
        let (confidence, accuracy) = if count == 0 {
            (0.0, 0.0)
        } else {
            let n = count as f64;
            (confidence_sums[m] / n, correct_counts[m] as f64 / n)
        };
        if total > 0 {
            ece += (count as f64 / total as f64) * (accuracy - confidence).abs();
        }

        out.push(ReliabilityBin {
            lower: (m as f64 / bin_count as f64) as f32,
            upper: ((m + 1) as f64 / bin_count as f64) as f32,
            count,
            confidence: confidence as f32,
            accuracy: accuracy as f32,
        });
    }

    Reliability {
        bins: out,
        ece: ece as f32,
    }
}

#[cfg(test)]
mod tests {
    // Under wasm32 the same tests run in Node through wasm-bindgen-test, on the simd128 kernels.
    use super::*;
    use ndarray::{array, Array2};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A K = 10 row whose top probability `c` sits on class 0, the rest spread evenly.
    fn row_with_confidence(c: f32) -> Vec<f32> {
        let mut row = vec![(1.0 - c) / 9.0; 10];
        row[0] = c;
        row
    }

    #[test]
    fn perfectly_calibrated_predictions_have_near_zero_ece() {
        // In each group of 10 examples with confidence c, exactly 10·c are right (label 0).
        let mut values = Vec::new();
        let mut labels = Vec::new();
        for (c, right) in [(0.3f32, 3), (0.5, 5), (0.7, 7), (0.9, 9)] {
            for i in 0..10 {
                values.extend(row_with_confidence(c));
                labels.push(if i < right { 0 } else { 1 });
            }
        }
        let probs = Array2::from_shape_vec((labels.len(), 10), values).expect("40 × 10 values");

        let result = reliability(probs.view(), &labels, DEFAULT_BINS);
        assert!(result.ece < 1e-6, "ece = {}", result.ece);
        assert_eq!(result.bins.iter().map(|b| b.count).sum::<u32>(), 40);
    }

    #[test]
    fn four_examples_give_the_hand_computed_ece() {
        // Five bins of width 0.2. Hand computation:
        //   bin 4: conf 0.9 (right), 0.85 (wrong) → conf 0.875, acc 0.5, gap 0.375, weight 2/4
        //   bin 3: conf 0.7 (right)               → gap 0.3, weight 1/4
        //   bin 2: conf 0.5 (wrong)               → gap 0.5, weight 1/4
        //   ECE = 0.5·0.375 + 0.25·0.3 + 0.25·0.5 = 0.3875
        let probs = array![
            [0.9, 0.05, 0.05],
            [0.1, 0.85, 0.05],
            [0.2, 0.1, 0.7],
            [0.5, 0.3, 0.2]
        ];
        let result = reliability(probs.view(), &[0, 0, 2, 1], 5);

        assert!((result.ece - 0.3875).abs() < 1e-6, "ece = {}", result.ece);
        let counts: Vec<u32> = result.bins.iter().map(|b| b.count).collect();
        assert_eq!(counts, vec![0, 0, 1, 1, 2]);
        assert!((result.bins[4].confidence - 0.875).abs() < 1e-6);
        assert_eq!(result.bins[4].accuracy, 0.5);
    }

    #[test]
    fn confident_wrong_predictions_have_ece_one() {
        let probs = array![[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]];
        let result = reliability(probs.view(), &[1, 0, 1], DEFAULT_BINS);

        assert_eq!(result.ece, 1.0);
        // Confidence exactly 1 goes into the last bin, not past it.
        assert_eq!(result.bins.len(), DEFAULT_BINS);
        assert_eq!(result.bins[DEFAULT_BINS - 1].count, 3);
    }

    #[test]
    fn bin_edges_tile_the_unit_interval() {
        let result = reliability(Array2::<f32>::zeros((0, 3)).view(), &[], 4);
        let edges: Vec<(f32, f32)> = result.bins.iter().map(|b| (b.lower, b.upper)).collect();
        assert_eq!(
            edges,
            vec![(0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.0)]
        );
        assert_eq!(result.ece, 0.0);
    }

    #[test]
    fn zero_bins_is_treated_as_one_bin() {
        let probs = array![[0.8, 0.2], [0.6, 0.4]];
        let result = reliability(probs.view(), &[0, 1], 0);
        assert_eq!(result.bins.len(), 1);
        // One bin: conf 0.7, acc 0.5.
        assert!((result.ece - 0.2).abs() < 1e-6, "ece = {}", result.ece);
    }

    #[test]
    fn reliability_round_trips_through_serde() {
        let probs = array![[0.9, 0.1], [0.3, 0.7]];
        let result = reliability(probs.view(), &[0, 0], DEFAULT_BINS);
        let bytes = postcard::to_allocvec(&result).expect("serialises");
        let back: Reliability = postcard::from_bytes(&bytes).expect("deserialises");
        assert_eq!(back, result);
    }
}
