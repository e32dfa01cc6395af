//! The geometry of the penultimate layer: feature norms, the effective logit gap, and how
//! tightly classes cluster in the template plane.
//!
//! The template plane itself lives in [`mod@super::template_plane`] and the all-class PCA view in
//! [`super::pca`]; both are re-exported here so the geometry API sits in one place.

use ndarray::{ArrayView1, ArrayView2};

pub use super::pca::{pca_2d, Pca2};
pub use super::template_plane::{template_plane, GeometryError, TemplatePlane};

pub(super) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// True when a length is at most `tolerance`, or NaN (from non-finite input).
pub(super) fn is_negligible(length: f64, tolerance: f64) -> bool {
    length.is_nan() || length <= tolerance
}

/// The L2 norm ‖h_i‖ of each row.
///
/// # Shapes
///
/// `features`: n × d → returns n values. d = 0 gives zeros.
pub fn feature_norms(features: ArrayView2<f32>) -> Vec<f32> {
    let norm = |row: ArrayView1<f32>| row.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt();
    features
        .rows()
        .into_iter()
        .map(|row| norm(row) as f32)
        .collect()
}

/// The per-example logit gap Δ that makes the level-wrong-classes formula exact.
///
/// SCIENCE.md §1 gives `p_y = e^Δ / (e^Δ + K − 1)` for logits whose wrong classes are level.
/// Real logits are not level, so this picks the one Δ that reproduces the real `p_y`:
///
/// ```text
/// Δ_i = z_y − ln( (1/(K − 1)) Σ_{k≠y} exp z_k )
/// ```
///
/// When the wrong logits are all equal to `z_other` this is exactly `z_y − z_other`. The log-mean
/// is computed with the maximum subtracted, in f64. With K < 2 there is no wrong class and no gap,
/// and a label outside `0..K` or a non-finite logit leaves the gap undefined too: all give 0.
///
/// # Shapes
///
/// `logits`: n × K, `labels`: n → returns one gap per (row, label) pair.
pub fn effective_logit_gaps(logits: ArrayView2<f32>, labels: &[usize]) -> Vec<f32> {
    let gap = |row: ArrayView1<f32>, label: usize| -> f32 {
        if row.len() < 2 || !row.iter().all(|z| z.is_finite()) {
            return 0.0;
        }
        let Some(&true_logit) = row.get(label) else {
            return 0.0;
        };
        let others = || row.iter().enumerate().filter(move |&(k, _)| k != label);
        let max = others().fold(f64::NEG_INFINITY, |m, (_, &z)| m.max(z as f64));
        let sum: f64 = others().map(|(_, &z)| (z as f64 - max).exp()).sum();
        let log_mean = max + sum.ln() - ((row.len() - 1) as f64).ln();
        (true_logit as f64 - log_mean) as f32
    };
    logits
        .rows()
        .into_iter()
        .zip(labels)
        .map(|(row, &label)| gap(row, label))
        .collect()
}

/// How tightly the three chosen classes cluster in the template plane; lower is tighter.
///
/// ```text
/// spread_k   = sqrt( mean_{i : y_i = k} ‖p_i − centroid_k‖² )     (within-class RMS distance)
/// tightness  = mean_k spread_k  /  mean pairwise distance between the three templates
/// ```
///
/// Dividing by the template spacing makes the number independent of the overall scale, so CE
/// and LS models can be compared. `templates` is indexed by class id (all K projected
/// templates, as [`TemplatePlane::project_templates`] returns them). Classes without points are
/// left out of the mean. The result is 0 when it is undefined: no points of the three classes,
/// a class without a template, or templates that coincide.
pub fn cluster_tightness(
    points: &[[f32; 2]],
    labels: &[usize],
    templates: &[[f32; 2]],
    classes: [usize; 3],
) -> f32 {
    let Some(corners) = classes
        .iter()
        .map(|&k| templates.get(k))
        .collect::<Option<Vec<_>>>()
    else {
        return 0.0;
    };
    let distance = |p: &[f32; 2], q: &[f32; 2]| {
        ((p[0] as f64 - q[0] as f64).powi(2) + (p[1] as f64 - q[1] as f64).powi(2)).sqrt()
    };
    let spacing = (distance(corners[0], corners[1])
        + distance(corners[1], corners[2])
        + distance(corners[0], corners[2]))
        / 3.0;
    if is_negligible(spacing, 0.0) {
        return 0.0;
    }

    let mut spreads = Vec::with_capacity(3);
    for &class in &classes {
        let members: Vec<&[f32; 2]> = points
            .iter()
            .zip(labels)
            .filter(|&(_, &y)| y == class)
            .map(|(p, _)| p)
            .collect();
        if members.is_empty() {
            continue;
        }
        let n = members.len() as f64;
        let cx = members.iter().map(|p| p[0] as f64).sum::<f64>() / n;
        let cy = members.iter().map(|p| p[1] as f64).sum::<f64>() / n;
        let square = |p: &&[f32; 2]| (p[0] as f64 - cx).powi(2) + (p[1] as f64 - cy).powi(2);
        let mean_square = members.iter().map(square).sum::<f64>() / n;
        spreads.push(mean_square.sqrt());
    }

    if spreads.is_empty() {
        return 0.0;
    }
    let mean_spread = spreads.iter().sum::<f64>() / spreads.len() as f64;
    (mean_spread / spacing) as f32
}

#[cfg(test)]
mod tests {
    // Under wasm32 the same tests run in Node through wasm-bindgen-test, on the simd128 kernels.
    use super::*;
    use ndarray::{array, Array2};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A small deterministic generator (Knuth's MMIX LCG), uniform in [−1, 1).
    struct Lcg(u64);
    impl Lcg {
        fn next_signed(&mut self) -> f32 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        }
    }

    #[test]
    fn feature_norms_are_row_lengths() {
        let features = array![[3.0f32, 4.0], [0.0, 0.0], [-1.0, 0.0]];
        assert_eq!(feature_norms(features.view()), vec![5.0, 0.0, 1.0]);
    }

    #[test]
    fn effective_gap_equals_the_plain_gap_when_wrong_logits_are_level() {
        let logits = array![[1.5f32, 6.0, 1.5, 1.5], [-2.0, -2.0, -2.0, 0.5]];
        let gaps = effective_logit_gaps(logits.view(), &[1, 3]);
        assert!(
            (gaps[0] - 4.5).abs() < 1e-6 && (gaps[1] - 2.5).abs() < 1e-6,
            "{gaps:?}"
        );
    }

    #[test]
    fn effective_gap_reproduces_the_true_class_probability() {
        let mut rng = Lcg(7);
        let k = 6;
        let logits = Array2::from_shape_fn((20, k), |_| 5.0 * rng.next_signed());
        let labels: Vec<usize> = (0..20).map(|i| i % k).collect();
        let gaps = effective_logit_gaps(logits.view(), &labels);

        for (i, (row, &y)) in logits.rows().into_iter().zip(&labels).enumerate() {
            let denominator: f64 = row.iter().map(|&z| (z as f64).exp()).sum();
            let p_y = (row[y] as f64).exp() / denominator;
            let e = (gaps[i] as f64).exp();
            let from_gap = e / (e + (k - 1) as f64);
            assert!(
                (p_y - from_gap).abs() < 1e-6,
                "row {i}: {p_y} vs {from_gap}"
            );
        }
    }

    #[test]
    fn effective_gap_is_zero_where_undefined() {
        assert_eq!(
            effective_logit_gaps(array![[3.0f32]].view(), &[0]),
            vec![0.0]
        );
        assert_eq!(
            effective_logit_gaps(array![[3.0f32, 1.0]].view(), &[5]),
            vec![0.0]
        );
    }

    #[test]
    fn cluster_tightness_matches_a_hand_computed_case() {
        // Class 0: points (±1, 0), RMS distance 1. Classes 1 and 2: one point each, RMS 0.
        // Templates form a 3-4-5 triangle, mean side 4. Tightness = (1/3) / 4 = 1/12.
        let points = [[1.0, 0.0], [-1.0, 0.0], [3.0, 0.0], [0.0, 4.0]];
        let templates = [[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]];
        let value = cluster_tightness(&points, &[0, 0, 1, 2], &templates, [0, 1, 2]);
        assert!((value - 1.0 / 12.0).abs() < 1e-7, "{value}");
    }

    #[test]
    fn cluster_tightness_is_zero_when_undefined() {
        let templates = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]];
        assert_eq!(cluster_tightness(&[], &[], &templates, [0, 1, 2]), 0.0);
        assert_eq!(
            cluster_tightness(&[[1.0, 1.0]], &[0], &templates, [0, 1, 5]),
            0.0
        );
    }
}
