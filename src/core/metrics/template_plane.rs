//! The template plane of Müller, Kornblith & Hinton (2019, Fig. 1): an exact 2-D view of what
//! the last layer sees for three chosen classes.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::geometry::{dot, is_negligible};

/// Why a template plane could not be built.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum GeometryError {
    /// The same class was chosen twice.
    #[error("the template plane needs three distinct classes, got {classes:?}")]
    RepeatedClass { classes: [usize; 3] },
    /// A chosen class has no template row.
    #[error("class {class} is out of range: there are only {num_classes} templates")]
    ClassOutOfRange { class: usize, num_classes: usize },
    /// `w_a − w_c` and `w_b − w_c` do not span a plane (one is zero, or they are parallel).
    #[error(
        "the templates of classes {classes:?} are collinear or coincide, so they span no plane"
    )]
    DegenerateDirections { classes: [usize; 3] },
}

/// An orthonormal basis (u1, u2) of the plane through three class templates.
///
/// Both vectors live in the augmented space of `x = [h ; 1]`, so they have d + 1 entries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplatePlane {
    /// Unit vector along `w_a − w_c`.
    pub u1: Vec<f32>,
    /// Unit vector completing the plane of `w_a − w_c` and `w_b − w_c`, orthogonal to `u1`.
    pub u2: Vec<f32>,
    /// The classes `[a, b, c]` the plane was built from.
    pub classes: [usize; 3],
}

/// Builds the template plane of SCIENCE.md §3 for three classes `[a, b, c]`.
///
/// ```text
/// w_k = [W_k ; b_k]          (the class weight with its bias appended)
/// d1  = w_a − w_c,   d2 = w_b − w_c
/// u1  = d1 / ‖d1‖
/// u2  = r / ‖r‖,     r = d2 − (d2·u1) u1        (Gram–Schmidt)
/// ```
///
/// Since `z_a − z_c = x·d1` and `z_b − z_c = x·d2`, and both d's lie in span(u1, u2), the plotted
/// coordinates `(x·u1, x·u2)` map to those two logit differences by a fixed invertible 2 × 2
/// matrix: the picture is exact, not an embedding.
///
/// A direction counts as degenerate when its length is below `1e-5` times the largest of the
/// three template norms, which is about the rounding of f32 weights.
///
/// # Shapes
///
/// `templates`: K × (d + 1), one row per class.
pub fn template_plane(
    templates: ArrayView2<f32>,
    classes: [usize; 3],
) -> Result<TemplatePlane, GeometryError> {
    let [a, b, c] = classes;
    if a == b || b == c || a == c {
        return Err(GeometryError::RepeatedClass { classes });
    }
    let num_classes = templates.nrows();
    if let Some(&class) = classes.iter().find(|&&k| k >= num_classes) {
        return Err(GeometryError::ClassOutOfRange { class, num_classes });
    }

    let row = |k: usize| -> Vec<f64> { templates.row(k).iter().map(|&v| v as f64).collect() };
    let (w_a, w_b, w_c) = (row(a), row(b), row(c));
    let scale = [&w_a, &w_b, &w_c]
        .iter()
        .map(|w| dot(w, w).sqrt())
        .fold(0.0, f64::max);
    let tolerance = 1e-5 * scale;
    let degenerate = Err(GeometryError::DegenerateDirections { classes });

    let d1: Vec<f64> = w_a.iter().zip(&w_c).map(|(x, y)| x - y).collect();
    let d2: Vec<f64> = w_b.iter().zip(&w_c).map(|(x, y)| x - y).collect();
    let d1_norm = dot(&d1, &d1).sqrt();
    if is_negligible(d1_norm, tolerance) {
        return degenerate;
    }
    let u1: Vec<f64> = d1.iter().map(|v| v / d1_norm).collect();

    let along = dot(&d2, &u1);
    let residual: Vec<f64> = d2.iter().zip(&u1).map(|(v, u)| v - along * u).collect();
    let residual_norm = dot(&residual, &residual).sqrt();
    if is_negligible(residual_norm, tolerance) {
        return degenerate;
    }

    Ok(TemplatePlane {
        u1: u1.iter().map(|&v| v as f32).collect(),
        u2: residual
            .iter()
            .map(|v| (v / residual_norm) as f32)
            .collect(),
        classes,
    })
}

impl TemplatePlane {
    /// Projects augmented vectors: `(v·u1, v·u2)` in f64.
    fn project_row(&self, row: impl Iterator<Item = f64> + Clone) -> [f32; 2] {
        let along = |u: &[f32]| row.clone().zip(u).map(|(x, &w)| x * w as f64).sum::<f64>();
        [along(&self.u1) as f32, along(&self.u2) as f32]
    }

    /// Plots features in the plane: `(x·u1, x·u2)` with `x = [h ; 1]`.
    ///
    /// The 1 is appended here, so pass the raw penultimate activations. They should have one
    /// column fewer than the templates; extra columns are ignored and missing ones count as 0.
    ///
    /// # Shapes
    ///
    /// `features`: n × d → returns n points.
    pub fn project_features(&self, features: ArrayView2<f32>) -> Vec<[f32; 2]> {
        let d = self.u1.len().saturating_sub(1);
        features
            .rows()
            .into_iter()
            .map(|h| {
                let x = h.iter().take(d).map(|&v| v as f64);
                let padding = std::iter::repeat_n(0.0, d.saturating_sub(h.len()));
                self.project_row(x.chain(padding).chain(std::iter::once(1.0)))
            })
            .collect()
    }

    /// Marks the templates in the plane: `(w_k·u1, w_k·u2)` for every class k.
    ///
    /// # Shapes
    ///
    /// `templates`: K × (d + 1) → returns K points.
    pub fn project_templates(&self, templates: ArrayView2<f32>) -> Vec<[f32; 2]> {
        templates
            .rows()
            .into_iter()
            .map(|w| self.project_row(w.iter().map(|&v| v as f64)))
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

    fn to_f64(v: &[f32]) -> Vec<f64> {
        v.iter().map(|&x| x as f64).collect()
    }

    #[test]
    fn template_plane_coordinates_are_an_exact_linear_image_of_logit_differences() {
        let (k, d) = (5, 4);
        let mut rng = Lcg(11);
        let templates = Array2::from_shape_fn((k, d + 1), |_| rng.next_signed());
        let features = Array2::from_shape_fn((12, d), |_| 3.0 * rng.next_signed());
        let classes = [3, 0, 4];
        let plane = template_plane(templates.view(), classes).expect("random templates span");

        let (u1, u2) = (to_f64(&plane.u1), to_f64(&plane.u2));
        assert!((dot(&u1, &u1) - 1.0).abs() < 1e-6 && (dot(&u2, &u2) - 1.0).abs() < 1e-6);
        assert!(dot(&u1, &u2).abs() < 1e-6);

        let w = |c: usize| to_f64(templates.row(c).as_slice().expect("contiguous row"));
        let diff =
            |p: &[f64], q: &[f64]| -> Vec<f64> { p.iter().zip(q).map(|(a, b)| a - b).collect() };
        let d1 = diff(&w(classes[0]), &w(classes[2]));
        let d2 = diff(&w(classes[1]), &w(classes[2]));
        // d1 and d2 lie in the plane: nothing is left after removing their u1, u2 parts.
        for dv in [&d1, &d2] {
            let (a, b) = (dot(dv, &u1), dot(dv, &u2));
            let rest: f64 = dv
                .iter()
                .zip(&u1)
                .zip(&u2)
                .map(|((v, p), q)| (v - a * p - b * q).powi(2))
                .sum();
            assert!(rest.sqrt() < 1e-5, "residual {}", rest.sqrt());
        }

        // The fixed 2 × 2 matrix: rows are d1 and d2 expressed in the (u1, u2) basis.
        let matrix = [
            [dot(&d1, &u1), dot(&d1, &u2)],
            [dot(&d2, &u1), dot(&d2, &u2)],
        ];
        let points = plane.project_features(features.view());
        for (i, h) in features.rows().into_iter().enumerate() {
            let mut x = to_f64(h.as_slice().expect("contiguous row"));
            x.push(1.0);
            let logit_differences = [dot(&x, &d1), dot(&x, &d2)];
            let [p, q] = [points[i][0] as f64, points[i][1] as f64];
            for r in 0..2 {
                let mapped = matrix[r][0] * p + matrix[r][1] * q;
                let expected = logit_differences[r];
                assert!(
                    (mapped - expected).abs() < 1e-5,
                    "point {i}, row {r}: {mapped} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn projected_templates_put_the_first_difference_on_the_first_axis() {
        let templates = array![[1.0f32, 0.0, 2.0], [0.0, 3.0, 2.0], [0.0, 0.0, 1.0]];
        let plane = template_plane(templates.view(), [0, 1, 2]).expect("non-degenerate");
        let marks = plane.project_templates(templates.view());
        let along = [marks[0][0] - marks[2][0], marks[0][1] - marks[2][1]];
        // w_a − w_c = (1, 0, 1), of length √2, lies along u1 by construction.
        assert!(
            (along[0] - 2f32.sqrt()).abs() < 1e-6 && along[1].abs() < 1e-6,
            "{along:?}"
        );
    }

    #[test]
    fn template_plane_rejects_bad_class_choices() {
        let templates = array![
            [1.0f32, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [2.0, 0.0, 0.0],
            [3.0, 0.0, 0.0]
        ];
        let plane = |classes| template_plane(templates.view(), classes);
        assert_eq!(
            plane([0, 0, 1]),
            Err(GeometryError::RepeatedClass { classes: [0, 0, 1] })
        );
        assert_eq!(
            plane([0, 1, 7]),
            Err(GeometryError::ClassOutOfRange {
                class: 7,
                num_classes: 4
            })
        );
        // Templates 0, 2 and 3 are on one line through the origin.
        let collinear = GeometryError::DegenerateDirections { classes: [0, 2, 3] };
        assert_eq!(plane([0, 2, 3]), Err(collinear));
        let message = plane([0, 1, 9]).expect_err("out of range").to_string();
        assert!(message.contains('9'), "{message}");
    }
}
