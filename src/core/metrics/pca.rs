//! A two-component PCA of penultimate features: the secondary, all-class view next to the
//! template plane.
//!
//! The covariance is small (d × d), so the two leading eigenvectors come from power iteration
//! with deflation. Everything is deterministic and each axis has a fixed sign, so the picture does
//! not jump or mirror between animation frames.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use super::geometry::{dot, is_negligible};

/// Power-iteration steps allowed per component; ample for the feature sizes the app uses.
const MAX_ITERATIONS: usize = 1000;

/// A fitted two-component PCA.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pca2 {
    /// The mean feature vector, d entries.
    pub mean: Vec<f32>,
    /// The two leading principal axes, unit length and orthogonal, d entries each. Each is signed
    /// so that its largest-magnitude entry is positive. With d < 2 the second is all zeros.
    pub components: [Vec<f32>; 2],
    /// The sample variance (divisor n − 1) along each axis, largest first.
    pub explained_variance: [f32; 2],
}

fn normalised(mut v: Vec<f64>) -> Option<Vec<f64>> {
    let norm = dot(&v, &v).sqrt();
    if is_negligible(norm, 1e-300) {
        return None;
    }
    v.iter_mut().for_each(|x| *x /= norm);
    Some(v)
}

/// Removes from `v` its part along the unit vector `u`.
fn remove_component(v: &mut [f64], u: &[f64]) {
    let along = dot(v, u);
    v.iter_mut().zip(u).for_each(|(x, w)| *x -= along * w);
}

/// Flips `v` so that its largest-magnitude entry (the first, on ties) is positive.
fn fix_sign(v: &mut [f64]) {
    let largest = v.iter().fold(
        0.0f64,
        |best, &x| if x.abs() > best.abs() { x } else { best },
    );
    if largest < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
}

/// `covariance · v` for a row-major d × d matrix.
fn multiply(covariance: &[f64], v: &[f64]) -> Vec<f64> {
    covariance
        .chunks_exact(v.len())
        .map(|row| dot(row, v))
        .collect()
}

/// The leading unit eigenvector of `covariance` within the complement of `exclude`, starting from
/// `start`, a unit vector in that complement.
///
/// An image shorter than `negligible` means v is (to rounding) in the null space, whose
/// eigenvalue 0 is then the largest left, so v itself is returned.
fn leading_eigenvector(
    covariance: &[f64],
    start: Vec<f64>,
    exclude: Option<&[f64]>,
    negligible: f64,
) -> Vec<f64> {
    let mut v = start;
    for _ in 0..MAX_ITERATIONS {
        let mut next = multiply(covariance, &v);
        // Deflation already removed `exclude`; this keeps rounding from bringing it back.
        if let Some(u) = exclude {
            remove_component(&mut next, u);
        }
        if is_negligible(dot(&next, &next).sqrt(), negligible) {
            break;
        }
        let Some(next) = normalised(next) else {
            break;
        };
        let converged = 1.0 - dot(&next, &v).abs() < 1e-15;
        v = next;
        if converged {
            break;
        }
    }
    v
}

/// Fits a two-component PCA to the rows of `features`.
///
/// ```text
/// μ = mean_i h_i
/// C = (1/(n − 1)) Σ_i (h_i − μ)(h_i − μ)ᵀ
/// c1 = leading eigenvector of C,          λ1 = c1ᵀ C c1
/// c2 = leading eigenvector of C − λ1 c1 c1ᵀ (kept orthogonal to c1),   λ2 = c2ᵀ C c2
/// ```
///
/// Power iteration starts from a fixed vector, so equal inputs give equal outputs. Rows with a
/// non-finite entry are skipped. With fewer than two usable rows the variances are 0 and the
/// axes are an arbitrary but fixed orthonormal pair; with d = 0 every vector is empty.
///
/// # Shapes
///
/// `features`: n × d.
pub fn pca_2d(features: ArrayView2<f32>) -> Pca2 {
    let d = features.ncols();
    let rows: Vec<_> = features
        .rows()
        .into_iter()
        .filter(|row| row.iter().all(|v| v.is_finite()))
        .collect();

    let mut mean = vec![0.0f64; d];
    for row in &rows {
        mean.iter_mut().zip(row).for_each(|(m, &v)| *m += v as f64);
    }
    if !rows.is_empty() {
        mean.iter_mut().for_each(|m| *m /= rows.len() as f64);
    }

    let mut covariance = vec![0.0f64; d * d];
    if rows.len() >= 2 {
        let mut centred = vec![0.0f64; d];
        for row in &rows {
            centred
                .iter_mut()
                .zip(row)
                .zip(&mean)
                .for_each(|((c, &v), m)| *c = v as f64 - m);
            for (i, &ci) in centred.iter().enumerate() {
                let out = &mut covariance[i * d..(i + 1) * d];
                out.iter_mut()
                    .zip(&centred)
                    .for_each(|(o, &cj)| *o += ci * cj);
            }
        }
        let divisor = (rows.len() - 1) as f64;
        covariance.iter_mut().for_each(|c| *c /= divisor);
    }

    // A fixed, irregular start (fractional parts of multiples of the golden ratio) is very
    // unlikely to be orthogonal to the answer, unlike the all-ones vector.
    let start: Vec<f64> = (0..d)
        .map(|i| 1.0 + ((i + 1) as f64 * 0.618_033_988_75).fract())
        .collect();
    let rayleigh = |v: &[f64]| dot(v, &multiply(&covariance, v)).max(0.0);

    // Rounding noise in a deflated, rank-deficient covariance must not pick a random axis.
    let trace: f64 = (0..d).map(|i| covariance[i * d + i]).sum();
    let negligible = 1e-12 * trace;

    let Some(start_first) = normalised(start.clone()) else {
        return Pca2 {
            mean: vec![],
            components: [vec![], vec![]],
            explained_variance: [0.0; 2],
        };
    };
    let mut first = leading_eigenvector(&covariance, start_first, None, negligible);
    fix_sign(&mut first);
    let first_variance = rayleigh(&first);

    let mut deflated = covariance.clone();
    for i in 0..d {
        for j in 0..d {
            deflated[i * d + j] -= first_variance * first[i] * first[j];
        }
    }
    let mut second = vec![0.0f64; d];
    if d >= 2 {
        let mut start_second = start;
        let start_norm = dot(&start_second, &start_second).sqrt();
        remove_component(&mut start_second, &first);
        // If the start was (nearly) parallel to the first axis, what is left is rounding noise;
        // the basis vector the first axis leans on least is safely far from parallel.
        if dot(&start_second, &start_second).sqrt() < 1e-6 * start_norm {
            let weakest = (0..d)
                .min_by(|&i, &j| first[i].abs().total_cmp(&first[j].abs()))
                .expect("d >= 2");
            start_second = vec![0.0; d];
            start_second[weakest] = 1.0;
            remove_component(&mut start_second, &first);
        }
        let start_second = normalised(start_second)
            .expect("a basis vector is never parallel to a unit vector when d >= 2");
        second = leading_eigenvector(&deflated, start_second, Some(&first), negligible);
        fix_sign(&mut second);
    }
    let second_variance = if d >= 2 { rayleigh(&second) } else { 0.0 };

    let to_f32 = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
    Pca2 {
        mean: to_f32(&mean),
        components: [to_f32(&first), to_f32(&second)],
        explained_variance: [first_variance as f32, second_variance as f32],
    }
}

impl Pca2 {
    /// Coordinates of each row along the two axes: `((h − μ)·c1, (h − μ)·c2)`.
    ///
    /// Rows should have d columns; extra columns are ignored and missing ones count as the mean.
    ///
    /// # Shapes
    ///
    /// `features`: n × d → returns n points.
    pub fn project(&self, features: ArrayView2<f32>) -> Vec<[f32; 2]> {
        let along = |h: &ndarray::ArrayView1<f32>, c: &[f32]| -> f64 {
            h.iter()
                .zip(&self.mean)
                .zip(c)
                .map(|((&v, &m), &w)| (v as f64 - m as f64) * w as f64)
                .sum()
        };
        features
            .rows()
            .into_iter()
            .map(|h| {
                [
                    along(&h, &self.components[0]) as f32,
                    along(&h, &self.components[1]) as f32,
                ]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    // Under wasm32 the same tests run in Node through wasm-bindgen-test, on the simd128 kernels.
    use super::*;
    use ndarray::{array, Array2};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Points on a 4 × 2 grid along two known orthogonal axes in 3-D, around a known mean.
    ///
    /// Expected variances by hand: along e1, Σ (2t)² over t ∈ {±1, ±3}, twice = 160, over
    /// n − 1 = 7; along e2, Σ s² = 8, over 7. The third direction has no spread.
    fn grid() -> (Array2<f32>, [f32; 3], [f32; 3], [f32; 3]) {
        let (sin, cos) = (30f32.to_radians().sin(), 30f32.to_radians().cos());
        let e1 = [cos, sin, 0.0];
        let e2 = [-sin, cos, 0.0];
        let centre = [5.0, -2.0, 7.0];
        let mut values = Vec::new();
        for t in [-3.0f32, -1.0, 1.0, 3.0] {
            for s in [-1.0f32, 1.0] {
                values.extend((0..3).map(|i| centre[i] + 2.0 * t * e1[i] + s * e2[i]));
            }
        }
        let features = Array2::from_shape_vec((8, 3), values).expect("8 × 3 values");
        (features, e1, e2, centre)
    }

    #[test]
    fn pca_finds_known_principal_axes_and_variances() {
        let (features, e1, e2, centre) = grid();
        let pca = pca_2d(features.view());

        for i in 0..3 {
            assert!(
                (pca.mean[i] - centre[i]).abs() < 1e-5,
                "mean[{i}] = {}",
                pca.mean[i]
            );
            // Both expected axes already have a positive largest entry.
            assert!((pca.components[0][i] - e1[i]).abs() < 1e-5, "c1[{i}]");
            assert!((pca.components[1][i] - e2[i]).abs() < 1e-5, "c2[{i}]");
        }
        assert!((pca.explained_variance[0] - 160.0 / 7.0).abs() < 1e-4);
        assert!((pca.explained_variance[1] - 8.0 / 7.0).abs() < 1e-5);
    }

    #[test]
    fn pca_projection_recovers_the_grid_coordinates() {
        let (features, ..) = grid();
        let points = pca_2d(features.view()).project(features.view());
        assert!((points[0][0] - -6.0).abs() < 1e-4 && (points[0][1] - -1.0).abs() < 1e-4);
        assert!((points[7][0] - 6.0).abs() < 1e-4 && (points[7][1] - 1.0).abs() < 1e-4);
    }

    #[test]
    fn pca_axes_do_not_flip_when_the_data_is_mirrored() {
        let (features, ..) = grid();
        let mirrored = features.mapv(|v| -v);
        let (a, b) = (pca_2d(features.view()), pca_2d(mirrored.view()));
        for c in 0..2 {
            for i in 0..3 {
                let (x, y) = (a.components[c][i], b.components[c][i]);
                assert!((x - y).abs() < 1e-5, "component {c}, entry {i}: {x} vs {y}");
            }
        }
    }

    #[test]
    fn pca_of_degenerate_input_does_not_panic() {
        let empty = pca_2d(Array2::<f32>::zeros((0, 3)).view());
        assert_eq!(empty.explained_variance, [0.0, 0.0]);
        let (c1, c2) = (to_f64(&empty.components[0]), to_f64(&empty.components[1]));
        assert!((dot(&c1, &c1) - 1.0).abs() < 1e-6 && dot(&c1, &c2).abs() < 1e-6);

        let single = pca_2d(array![[1.0f32, 2.0]].view());
        assert_eq!(single.mean, vec![1.0, 2.0]);
        assert_eq!(single.explained_variance, [0.0, 0.0]);

        let one_column = pca_2d(array![[1.0f32], [3.0]].view());
        assert_eq!(one_column.components, [vec![1.0], vec![0.0]]);
        assert!((one_column.explained_variance[0] - 2.0).abs() < 1e-6);

        let no_columns = pca_2d(Array2::<f32>::zeros((4, 0)).view());
        assert!(
            no_columns.mean.is_empty()
                && no_columns.project(Array2::zeros((2, 0)).view()).len() == 2
        );
    }

    fn to_f64(v: &[f32]) -> Vec<f64> {
        v.iter().map(|&x| x as f64).collect()
    }
}
