//! Temperature scaling (Guo et al. 2017): divide the logits by one fitted number T at evaluation
//! time so that the model's confidence matches its accuracy.
//!
//! Dividing every logit of a row by the same positive T never reorders them, so the argmax, and
//! hence the accuracy, is unchanged; only the confidence moves.

use ndarray::{Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::classification::PROBABILITY_FLOOR;

/// The smallest temperature that is used or fitted; smaller requests are clamped up to it.
pub const MIN_TEMPERATURE: f32 = 1e-3;

/// The largest temperature that is used or fitted; larger requests are clamped down to it.
pub const MAX_TEMPERATURE: f32 = 1e3;

/// The outcome of [`fit_temperature`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TemperatureFit {
    /// The fitted temperature, within `[MIN_TEMPERATURE, MAX_TEMPERATURE]`.
    pub temperature: f32,
    /// Mean NLL at T = 1, in nats.
    pub nll_before: f32,
    /// Mean NLL at the fitted temperature, in nats; never above `nll_before`.
    pub nll_after: f32,
}

/// Clamps a requested temperature into the supported range; NaN means "no scaling", T = 1.
fn clamp_temperature(temperature: f32) -> f32 {
    if temperature.is_nan() {
        return 1.0;
    }
    temperature.clamp(MIN_TEMPERATURE, MAX_TEMPERATURE)
}

/// Divides every logit by the temperature.
///
/// ```text
/// z'_ik = z_ik / T
/// ```
///
/// T is clamped into `[MIN_TEMPERATURE, MAX_TEMPERATURE]`, and a NaN temperature is read as 1.
///
/// # Shapes
///
/// `logits`: n × K → returns n × K.
pub fn scale_logits(logits: ArrayView2<f32>, temperature: f32) -> Array2<f32> {
    let temperature = clamp_temperature(temperature);
    logits.mapv(|z| z / temperature)
}

/// Mean loss and its first two derivatives with respect to β, over the usable rows.
#[derive(Default)]
struct Totals {
    loss: f64,
    slope: f64,
    curvature: f64,
    rows: usize,
}

impl Totals {
    fn mean(&self) -> (f64, f64, f64) {
        if self.rows == 0 {
            return (0.0, 0.0, 0.0);
        }
        let n = self.rows as f64;
        (self.loss / n, self.slope / n, self.curvature / n)
    }
}

/// Adds one example's loss, slope and curvature at inverse temperature β.
///
/// ```text
/// loss      = logsumexp(β z) − β z_y
/// slope     = E_p[z] − z_y          with p = softmax(β z)
/// curvature = Var_p[z] ≥ 0
/// ```
///
/// Rows holding a non-finite logit, and empty rows, are skipped. A label outside `0..K` scores
/// the floored `−ln(1e-12)` whatever β is, so it adds no slope or curvature.
fn add_row(totals: &mut Totals, row: ArrayView1<f32>, label: usize, beta: f64) {
    if row.is_empty() || !row.iter().all(|z| z.is_finite()) {
        return;
    }
    totals.rows += 1;
    let Some(&true_logit) = row.get(label) else {
        totals.loss -= (PROBABILITY_FLOOR as f64).ln();
        return;
    };

    let max = row
        .iter()
        .fold(f64::NEG_INFINITY, |m, &z| m.max(beta * z as f64));
    let mut sum = 0.0f64;
    let mut weighted = 0.0f64;
    for &z in row {
        let e = (beta * z as f64 - max).exp();
        sum += e;
        weighted += e * z as f64;
    }
    let mean = weighted / sum;

    // A second pass for the variance avoids the cancellation in E[z²] − E[z]².
    let mut spread = 0.0f64;
    for &z in row {
        let deviation = z as f64 - mean;
        spread += (beta * z as f64 - max).exp() * deviation * deviation;
    }

    totals.loss += max + sum.ln() - beta * true_logit as f64;
    totals.slope += mean - true_logit as f64;
    totals.curvature += spread / sum;
}

fn totals_at(logits: ArrayView2<f32>, labels: &[usize], beta: f64) -> Totals {
    let mut totals = Totals::default();
    for (row, &label) in logits.rows().into_iter().zip(labels) {
        add_row(&mut totals, row, label, beta);
    }
    totals
}

/// The mean negative log-likelihood of the labels under `softmax(logits / T)`, in nats.
///
/// ```text
/// NLL(T) = (1/n) Σ_i [ logsumexp(z_i / T) − z_i,y_i / T ]
/// ```
///
/// Computed in log space in f64, so it needs no floor and can exceed the `≈ 27.6` nats at which
/// [`nll`](super::classification::nll) clamps a zero probability. A label outside `0..K` is
/// scored at that floor. Rows with a non-finite logit are skipped. T is clamped as in
/// [`scale_logits`]. Empty input gives 0.
pub fn nll_at_temperature(logits: ArrayView2<f32>, labels: &[usize], temperature: f32) -> f64 {
    let beta = 1.0 / clamp_temperature(temperature) as f64;
    totals_at(logits, labels, beta).mean().0
}

/// Fits the temperature that minimises the NLL of the labels.
///
/// The search runs over the inverse temperature β = 1/T, in which the NLL is convex:
///
/// ```text
/// dNLL/dβ   = (1/n) Σ_i ( E_p[z_i] − z_i,y_i )
/// d²NLL/dβ² = (1/n) Σ_i Var_p[z_i]  ≥ 0,      p = softmax(β z_i)
/// ```
///
/// so the slope is non-decreasing and the optimum is where it crosses zero. The method is a
/// safeguarded Newton iteration on that slope: it keeps a bracket `[β_lo, β_hi]` inside
/// `[1/MAX_TEMPERATURE, 1/MIN_TEMPERATURE]` with the slope negative at the left end and positive
/// at the right, takes a Newton step when it lands inside the bracket, and otherwise bisects the
/// bracket geometrically (in log β, since the range spans six decades). A bisection is also
/// forced after any Newton step that fails to halve the bracket, so it converges in at most about
/// 90 steps even when Newton is slow.
///
/// Edge cases, none of which panic:
/// - If the slope is negative over the whole range (for instance every example right by a huge
///   margin, so sharper is always better), T is clamped to `MIN_TEMPERATURE`.
/// - If it is positive over the whole range, T is clamped to `MAX_TEMPERATURE`.
/// - If it is zero everywhere (K = 1, or every row's logits level), or there is no usable row, T
///   stays at 1.
/// - If rounding ever made the fitted NLL worse than at T = 1, T = 1 is returned instead.
pub fn fit_temperature(logits: ArrayView2<f32>, labels: &[usize]) -> TemperatureFit {
    let before = totals_at(logits, labels, 1.0);
    if before.rows == 0 {
        return TemperatureFit {
            temperature: 1.0,
            nll_before: 0.0,
            nll_after: 0.0,
        };
    }
    let nll_before = before.mean().0;

    let beta = optimal_beta(logits, labels);
    let nll_after = nll_at_temperature(logits, labels, (1.0 / beta) as f32);

    if nll_after > nll_before {
        return TemperatureFit {
            temperature: 1.0,
            nll_before: nll_before as f32,
            nll_after: nll_before as f32,
        };
    }
    TemperatureFit {
        temperature: clamp_temperature((1.0 / beta) as f32),
        nll_before: nll_before as f32,
        nll_after: nll_after as f32,
    }
}

/// The safeguarded Newton search described on [`fit_temperature`]; returns β.
fn optimal_beta(logits: ArrayView2<f32>, labels: &[usize]) -> f64 {
    const MAX_STEPS: usize = 200;
    let slope_at = |beta: f64| totals_at(logits, labels, beta).mean().1;

    let mut low = 1.0 / MAX_TEMPERATURE as f64;
    let mut high = 1.0 / MIN_TEMPERATURE as f64;
    let slope_low = slope_at(low);
    let slope_high = slope_at(high);
    match (slope_low >= 0.0, slope_high <= 0.0) {
        (true, true) => return 1.0,
        (true, false) => return low,
        (false, true) => return high,
        (false, false) => {}
    }

    let mut beta = 1.0f64;
    let mut last_was_newton = false;
    for _ in 0..MAX_STEPS {
        let (_, slope, curvature) = totals_at(logits, labels, beta).mean();
        if slope == 0.0 {
            return beta;
        }
        let newton_step = if curvature > 0.0 {
            slope / curvature
        } else {
            f64::INFINITY
        };
        if newton_step.abs() <= 1e-10 * beta {
            return beta;
        }

        let width_before = (high / low).ln();
        if slope < 0.0 {
            low = beta;
        } else {
            high = beta;
        }
        let width_after = (high / low).ln();
        if width_after < 1e-12 {
            break;
        }

        // A Newton step that did not halve the bracket is too slow: bisect once instead.
        let too_slow = last_was_newton && width_after > 0.5 * width_before;
        let newton = beta - newton_step;
        if newton > low && newton < high && !too_slow {
            beta = newton;
            last_was_newton = true;
        } else {
            beta = (low * high).sqrt();
            last_was_newton = false;
        }
    }
    beta
}

#[cfg(test)]
mod tests {
    // Under wasm32 the same tests run in Node through wasm-bindgen-test, on the simd128 kernels.
    use super::super::classification::{accuracy, nll, softmax_rows};
    use super::*;
    use ndarray::{array, Array2};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A small deterministic generator (Knuth's MMIX LCG), uniform in [0, 1).
    struct Lcg(u64);
    impl Lcg {
        fn next_unit(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Logits uniform in [−4, 4], labels drawn from softmax(z / true_temperature).
    fn sampled_problem(n: usize, k: usize, true_temperature: f32) -> (Array2<f32>, Vec<usize>) {
        let mut rng = Lcg(2024);
        let logits = Array2::from_shape_fn((n, k), |_| (8.0 * rng.next_unit() - 4.0) as f32);
        let probs = softmax_rows(scale_logits(logits.view(), true_temperature).view());
        let labels = probs
            .rows()
            .into_iter()
            .map(|row| {
                let u = rng.next_unit();
                let mut cumulative = 0.0f64;
                for (k, &p) in row.iter().enumerate() {
                    cumulative += p as f64;
                    if u < cumulative {
                        return k;
                    }
                }
                row.len() - 1
            })
            .collect();
        (logits, labels)
    }

    #[test]
    fn fit_recovers_the_temperature_that_generated_the_labels() {
        let (logits, labels) = sampled_problem(20_000, 5, 2.0);
        let fit = fit_temperature(logits.view(), &labels);
        assert!(
            (fit.temperature - 2.0).abs() < 0.2,
            "fitted T = {}",
            fit.temperature
        );
    }

    #[test]
    fn fitted_temperature_never_changes_accuracy_and_never_raises_nll() {
        let (logits, labels) = sampled_problem(2_000, 7, 0.5);
        let fit = fit_temperature(logits.view(), &labels);

        let before = accuracy(softmax_rows(logits.view()).view(), &labels);
        let scaled = scale_logits(logits.view(), fit.temperature);
        let after = accuracy(softmax_rows(scaled.view()).view(), &labels);
        assert_eq!(before, after);
        assert!(fit.nll_after <= fit.nll_before, "{fit:?}");
        assert!(
            (fit.temperature - 0.5).abs() < 0.1,
            "fitted T = {}",
            fit.temperature
        );
    }

    #[test]
    fn fitted_temperature_is_a_stationary_point_of_the_nll() {
        let (logits, labels) = sampled_problem(1_000, 4, 1.5);
        let fit = fit_temperature(logits.view(), &labels);
        let at = |t: f32| nll_at_temperature(logits.view(), &labels, t);
        let best = at(fit.temperature);
        assert!(best <= at(fit.temperature * 1.01));
        assert!(best <= at(fit.temperature * 0.99));
    }

    #[test]
    fn slope_and_curvature_match_finite_differences() {
        let (logits, labels) = sampled_problem(200, 6, 1.0);
        let beta = 0.7;
        let h = 1e-5;
        let (_, slope, curvature) = totals_at(logits.view(), &labels, beta).mean();
        let (loss_plus, slope_plus, _) = totals_at(logits.view(), &labels, beta + h).mean();
        let (loss_minus, slope_minus, _) = totals_at(logits.view(), &labels, beta - h).mean();

        let numeric_slope = (loss_plus - loss_minus) / (2.0 * h);
        let numeric_curvature = (slope_plus - slope_minus) / (2.0 * h);
        assert!(
            (slope - numeric_slope).abs() < 1e-6,
            "{slope} vs {numeric_slope}"
        );
        assert!(
            (curvature - numeric_curvature).abs() < 1e-5,
            "{curvature} vs {numeric_curvature}"
        );
    }

    #[test]
    fn nll_at_unit_temperature_matches_nll_of_the_softmax() {
        let (logits, labels) = sampled_problem(500, 3, 1.0);
        let from_logits = nll_at_temperature(logits.view(), &labels, 1.0);
        let from_probs = nll(softmax_rows(logits.view()).view(), &labels);
        assert!((from_logits as f32 - from_probs).abs() < 1e-5);
    }

    #[test]
    fn all_correct_with_huge_margins_clamps_to_the_smallest_temperature() {
        let logits = array![[60.0f32, 0.0, 0.0], [0.0, 55.0, 0.0], [0.0, 0.0, 70.0]];
        let fit = fit_temperature(logits.view(), &[0, 1, 2]);
        assert_eq!(fit.temperature, MIN_TEMPERATURE);
        assert!(fit.nll_after.is_finite() && fit.nll_after <= fit.nll_before);
    }

    #[test]
    fn single_examples_do_not_panic() {
        let right = fit_temperature(array![[2.0f32, 1.0]].view(), &[0]);
        assert_eq!(right.temperature, MIN_TEMPERATURE);

        // The label's logit is below the row mean, so flatter is always better.
        let wrong = fit_temperature(array![[2.0f32, 1.0, -1.0]].view(), &[2]);
        assert_eq!(wrong.temperature, MAX_TEMPERATURE);
    }

    #[test]
    fn level_logits_and_empty_input_keep_unit_temperature() {
        let level = fit_temperature(array![[3.0f32, 3.0], [1.0, 1.0]].view(), &[0, 1]);
        assert_eq!(level.temperature, 1.0);
        assert!((level.nll_after - std::f32::consts::LN_2).abs() < 1e-6);

        let empty = fit_temperature(Array2::<f32>::zeros((0, 3)).view(), &[]);
        assert_eq!(
            empty,
            TemperatureFit {
                temperature: 1.0,
                nll_before: 0.0,
                nll_after: 0.0
            }
        );
    }

    #[test]
    fn scale_logits_clamps_bad_temperatures() {
        let logits = array![[1.0f32, -2.0]];
        assert_eq!(scale_logits(logits.view(), 2.0), array![[0.5, -1.0]]);
        assert_eq!(scale_logits(logits.view(), f32::NAN), logits);
        // T = 0 is clamped to MIN_TEMPERATURE = 1e-3 (not exact in f32, hence the tolerance).
        let clamped = scale_logits(logits.view(), 0.0);
        assert!((clamped[[0, 0]] - 1000.0).abs() < 1e-2 && (clamped[[0, 1]] + 2000.0).abs() < 1e-2);
    }
}
