//! Sharpening, the opposite of smoothing, and the entropy that measures both.
//!
//! Raising a distribution to the power 1/T and renormalising is the same operator as dividing the
//! logits by T (SCIENCE.md §4). MixMatch uses it with T = 0.5 to make confident targets; the app
//! uses it to show how entropy falls as 1/T grows.

/// Sharpens (T < 1) or flattens (T > 1) a probability vector.
///
/// ```text
/// Sharpen(p, T)_i = p_i^(1/T) / Σ_j p_j^(1/T)
///                 = exp((ln p_i − ln p_max)/T) / Σ_j exp((ln p_j − ln p_max)/T)
/// ```
///
/// The second form, used here in f64, cannot underflow to 0/0: the largest term is always
/// exp(0) = 1, even at T = 0.05 on tiny probabilities. The input need not sum to 1; the output
/// does, unless no entry is positive.
///
/// - An entry that is 0 (or negative, or not finite) stays 0.
/// - T ≤ 0 gives the T → 0 limit: one-hot on the argmax, shared equally between tied entries.
/// - T = +∞ gives the uniform distribution over the nonzero entries.
/// - A NaN temperature is read as T = 1, and an input with no positive entry returns all zeros.
pub fn sharpen(p: &[f32], temperature: f32) -> Vec<f32> {
    let log_p: Vec<Option<f64>> = p
        .iter()
        .map(|&v| (v.is_finite() && v > 0.0).then(|| (v as f64).ln()))
        .collect();
    let Some(max) = log_p.iter().flatten().copied().reduce(f64::max) else {
        return vec![0.0; p.len()];
    };

    let temperature = if temperature.is_nan() {
        1.0
    } else {
        temperature as f64
    };
    let inverse = if temperature > 0.0 {
        1.0 / temperature
    } else {
        f64::INFINITY
    };
    let weights: Vec<f64> = log_p
        .iter()
        .map(|entry| match *entry {
            None => 0.0,
            // Kept separate so that 0 · ∞ (T ≤ 0) cannot turn the argmax into NaN.
            Some(l) if l == max => 1.0,
            Some(l) => ((l - max) * inverse).exp(),
        })
        .collect();

    // At least one weight is exactly 1, so the sum is ≥ 1.
    let sum: f64 = weights.iter().sum();
    weights.iter().map(|w| (w / sum) as f32).collect()
}

/// The Shannon entropy of a probability vector, in nats.
///
/// ```text
/// H(p) = −Σ_i p_i ln p_i,     with 0 · ln 0 = 0
/// ```
///
/// Entries that are not positive finite numbers count as 0. The input is not renormalised.
/// Ranges from 0 (one-hot) to ln K (uniform); empty input gives 0.
pub fn entropy(p: &[f32]) -> f32 {
    let sum: f64 = p
        .iter()
        .filter(|v| v.is_finite() && **v > 0.0)
        .map(|&v| {
            let v = v as f64;
            -v * v.ln()
        })
        .sum();
    sum as f32
}

/// The entropy of `sharpen(p, T)` for each temperature in `temperatures`, in the same order.
pub fn entropy_curve(p: &[f32], temperatures: &[f32]) -> Vec<f32> {
    temperatures
        .iter()
        .map(|&t| entropy(&sharpen(p, t)))
        .collect()
}

#[cfg(test)]
mod tests {
    // Under wasm32 the same tests run in Node through wasm-bindgen-test, on the simd128 kernels.
    use super::super::classification::softmax_rows;
    use super::*;
    use ndarray::Array2;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn assert_close(actual: &[f32], expected: &[f32], tolerance: f32) {
        assert_eq!(actual.len(), expected.len());
        for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
            assert!(
                (a - e).abs() <= tolerance,
                "index {i}: {a} vs {e} ({actual:?})"
            );
        }
    }

    #[test]
    fn unit_temperature_is_the_identity() {
        let p = [0.1, 0.2, 0.3, 0.4];
        assert_close(&sharpen(&p, 1.0), &p, 1e-7);
    }

    #[test]
    fn low_temperature_tends_to_one_hot_on_the_argmax() {
        let p = [0.2, 0.5, 0.3];
        // (0.3 / 0.5)^100 ≈ 6e-23, far below f32 resolution near 1.
        assert_close(&sharpen(&p, 0.01), &[0.0, 1.0, 0.0], 1e-7);
        assert_eq!(sharpen(&p, 0.0), vec![0.0, 1.0, 0.0]);
        assert_eq!(sharpen(&[0.4, 0.4, 0.2], -1.0), vec![0.5, 0.5, 0.0]);
    }

    #[test]
    fn low_temperature_on_tiny_probabilities_does_not_underflow() {
        // Naively p^(1/0.05) = p^20 ≈ 1e-600 underflows to 0 and the ratio becomes 0/0.
        let tiny = sharpen(&[1e-30, 3e-30, 2e-30], 0.05);
        let plain = sharpen(&[1.0, 3.0, 2.0], 0.05);
        assert!(tiny.iter().all(|v| v.is_finite()), "{tiny:?}");
        assert_close(&tiny, &plain, 1e-6);
        assert!((tiny.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn high_temperature_tends_to_uniform() {
        assert_close(&sharpen(&[0.7, 0.2, 0.1], 1e4), &[1.0 / 3.0; 3], 1e-3);
        assert_close(
            &sharpen(&[0.7, 0.2, 0.1], f32::INFINITY),
            &[1.0 / 3.0; 3],
            1e-7,
        );
    }

    #[test]
    fn zero_probabilities_stay_zero_at_any_temperature() {
        for t in [0.0, 0.05, 0.5, 1.0, 3.0, f32::INFINITY] {
            let q = sharpen(&[0.0, 0.6, 0.0, 0.4], t);
            assert_eq!((q[0], q[2]), (0.0, 0.0), "T = {t}: {q:?}");
        }
        assert_eq!(sharpen(&[0.0, 0.0], 0.5), vec![0.0, 0.0]);
        assert!(sharpen(&[], 0.5).is_empty());
    }

    #[test]
    fn entropy_falls_as_inverse_temperature_grows() {
        let p = [0.05, 0.1, 0.15, 0.3, 0.4];
        let temperatures = [20.0, 5.0, 2.0, 1.0, 0.7, 0.5, 0.2, 0.1, 0.05];
        let curve = entropy_curve(&p, &temperatures);
        for pair in curve.windows(2) {
            assert!(pair[1] <= pair[0] + 1e-7, "entropy rose: {curve:?}");
        }
        // Hand check: near ln 5 ≈ 1.609 at T = 20; at T = 0.05 the runner-up keeps
        // (0.3/0.4)^20 ≈ 0.003 of the top entry's weight.
        assert!(curve[0] > 1.6 && curve[curve.len() - 1] < 0.05, "{curve:?}");
    }

    #[test]
    fn sharpening_a_softmax_equals_the_softmax_of_scaled_logits() {
        let logits = [2.0f32, -1.0, 0.5, 3.5, 0.0];
        let softmax = |z: Vec<f32>| -> Vec<f32> {
            let row = Array2::from_shape_vec((1, z.len()), z).expect("one row");
            softmax_rows(row.view()).into_raw_vec_and_offset().0
        };
        let p = softmax(logits.to_vec());
        for t in [0.05f32, 0.5, 1.0, 2.0, 10.0] {
            let scaled = softmax(logits.iter().map(|z| z / t).collect());
            assert_close(&sharpen(&p, t), &scaled, 1e-6);
        }
    }

    #[test]
    fn entropy_is_log_k_for_uniform_and_zero_for_one_hot() {
        assert!((entropy(&[0.25; 4]) - 4f32.ln()).abs() < 1e-6);
        assert_eq!(entropy(&[0.0, 1.0, 0.0]), 0.0);
        assert_eq!(entropy(&[]), 0.0);
    }
}
