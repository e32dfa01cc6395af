//! The loss and the network's gradients, against the identity ∂L/∂z = p − q and against
//! central finite differences.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use smoothing_lab::core::loss::{self, Smoothing, SmoothingForm};
use smoothing_lab::core::model::{Activations, Head, Mlp, ModelConfig};

const FORMS: [SmoothingForm; 2] = [SmoothingForm::Uniform, SmoothingForm::OffTarget];

fn batch_loss(logits: &[f32], labels: &[usize], classes: usize, smoothing: Smoothing) -> f32 {
    let mut p = vec![0.0; logits.len()];
    let mut g = vec![0.0; logits.len()];
    loss::smoothed_cross_entropy(logits, labels, classes, smoothing, &mut p, &mut g).loss
}

#[test]
fn smoothing_gradient_is_p_minus_q() {
    let (rows, classes) = (5, 7);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let logits: Vec<f32> = (0..rows * classes)
        .map(|_| rng.gen_range(-4.0..4.0))
        .collect();
    let labels: Vec<usize> = (0..rows).map(|r| (r * 3) % classes).collect();

    for form in FORMS {
        for alpha in [0.0, 0.1, 0.5, 0.9] {
            let smoothing = Smoothing::new(alpha, form);
            let mut p = vec![0.0; logits.len()];
            let mut g = vec![0.0; logits.len()];
            loss::smoothed_cross_entropy(&logits, &labels, classes, smoothing, &mut p, &mut g);

            // q written out from the definitions in SCIENCE.md §1, independently of the code.
            for (i, &y) in labels.iter().enumerate() {
                for k in 0..classes {
                    let q = match form {
                        SmoothingForm::Uniform => {
                            (1.0 - alpha) * (k == y) as u8 as f32 + alpha / classes as f32
                        }
                        SmoothingForm::OffTarget if k == y => 1.0 - alpha,
                        SmoothingForm::OffTarget => alpha / (classes - 1) as f32,
                    };
                    let want = (p[i * classes + k] - q) / rows as f32;
                    let got = g[i * classes + k];
                    assert!(
                        (got - want).abs() < 1e-6,
                        "{form:?} α={alpha} row {i} class {k}: gradient {got}, p − q gives {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn smoothing_gradient_matches_finite_differences() {
    let (rows, classes) = (3, 10);
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let logits: Vec<f32> = (0..rows * classes)
        .map(|_| rng.gen_range(-3.0..3.0))
        .collect();
    let labels = [2, 0, 9];

    for form in FORMS {
        let smoothing = Smoothing::new(0.2, form);
        let mut p = vec![0.0; logits.len()];
        let mut g = vec![0.0; logits.len()];
        loss::smoothed_cross_entropy(&logits, &labels, classes, smoothing, &mut p, &mut g);

        for i in 0..logits.len() {
            let h = 1e-2;
            let mut up = logits.clone();
            up[i] += h;
            let mut down = logits.clone();
            down[i] -= h;
            let numeric = (batch_loss(&up, &labels, classes, smoothing)
                - batch_loss(&down, &labels, classes, smoothing))
                / (2.0 * h);
            assert!(
                (numeric - g[i]).abs() < 1e-3,
                "{form:?} logit {i}: analytic {}, finite difference {numeric}",
                g[i]
            );
        }
    }
}

#[test]
fn the_two_forms_are_one_family_with_rescaled_alpha() {
    // SCIENCE.md §1: the off-target form at α equals the paper's form at α' = α·K/(K − 1).
    let classes = 10;
    let alpha = 0.1;
    let off = Smoothing::new(alpha, SmoothingForm::OffTarget).target(classes);
    let rescaled = alpha * classes as f32 / (classes - 1) as f32;
    let paper = Smoothing::new(rescaled, SmoothingForm::Uniform).target(classes);
    assert!(
        (off.0 - paper.0).abs() < 1e-6 && (off.1 - paper.1).abs() < 1e-6,
        "{off:?} vs {paper:?}"
    );
}

#[test]
fn ceiling_and_optimal_gap_match_the_published_numbers() {
    // SCIENCE.md §7: 0.91 and ln 91 for α = 0.1, K = 10; ln 41 for α = 0.2.
    let ls = Smoothing::new(0.1, SmoothingForm::Uniform);
    assert!(
        (ls.ceiling(10) - 0.91).abs() < 1e-6,
        "ceiling {}",
        ls.ceiling(10)
    );
    let gap = ls.optimal_gap(10).expect("smoothing has a finite optimum");
    assert!((gap - 91f32.ln()).abs() < 1e-5, "Δ* = {gap}");
    let gap = Smoothing::new(0.2, SmoothingForm::Uniform)
        .optimal_gap(10)
        .expect("finite");
    assert!((gap - 41f32.ln()).abs() < 1e-5, "Δ* = {gap} for α = 0.2");
    assert_eq!(Smoothing::NONE.optimal_gap(10), None);
}

#[test]
fn loss_curve_bottoms_out_at_the_optimal_gap() {
    let classes = 10;
    let ls = Smoothing::new(0.1, SmoothingForm::Uniform);
    let star = ls.optimal_gap(classes).expect("finite");

    let (at_star, slope) = loss::loss_at_gap(star, classes, ls);
    assert!(slope.abs() < 1e-5, "slope at Δ* is {slope}");
    for delta in [star - 1.0, star + 1.0, star + 5.0] {
        let (value, _) = loss::loss_at_gap(delta, classes, ls);
        assert!(
            value > at_star,
            "L({delta}) = {value} is not above L(Δ*) = {at_star}"
        );
    }
    let p = loss::true_probability_at_gap(star, classes);
    assert!(
        (p - ls.ceiling(classes)).abs() < 1e-5,
        "p_y(Δ*) = {p}, ceiling 0.91"
    );

    // Past Δ* the smoothed slope pushes back; cross-entropy's stays negative (and flat).
    assert!(loss::loss_at_gap(star + 3.0, classes, ls).1 > 0.0);
    let (_, ce_slope) = loss::loss_at_gap(star + 3.0, classes, Smoothing::NONE);
    assert!(
        ce_slope < 0.0 && ce_slope > -0.02,
        "CE slope far out is {ce_slope}"
    );
}

fn tiny_model(head: Head) -> (Mlp, Array2<f32>, Vec<usize>) {
    let config = ModelConfig {
        inputs: 5,
        hidden: vec![7, 6],
        classes: 4,
        head,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let input = Array2::from_shape_simple_fn((3, 5), || rng.gen_range(-1.5f32..1.5));
    (Mlp::new(config, 21), input, vec![1, 3, 0])
}

fn model_loss(model: &Mlp, input: &Array2<f32>, labels: &[usize], smoothing: Smoothing) -> f32 {
    let mut act = Activations::new(model.config(), input.nrows());
    model.forward(input.view(), &mut act);
    let logits = act.logits.as_slice().expect("contiguous");
    batch_loss(logits, labels, model.config().classes, smoothing)
}

fn check_network_gradients(head: Head) {
    let (mut model, input, labels) = tiny_model(head);
    let smoothing = Smoothing::new(0.1, SmoothingForm::Uniform);
    let classes = model.config().classes;

    let mut act = Activations::new(model.config(), input.nrows());
    model.forward(input.view(), &mut act);
    let mut p = vec![0.0; input.nrows() * classes];
    let mut g = vec![0.0; p.len()];
    let logits = act.logits.as_slice().expect("contiguous").to_vec();
    loss::smoothed_cross_entropy(&logits, &labels, classes, smoothing, &mut p, &mut g);
    model.backward(input.view(), &mut act, &g);
    let analytic: Vec<_> = model.gradients().to_vec();

    for (layer, expected) in analytic.iter().enumerate() {
        let (rows, cols) = expected.weight.dim();
        for (r, c) in [(0, 0), (rows - 1, cols - 1), (rows / 2, cols / 3)] {
            let numeric = central_difference(&mut model, &input, &labels, smoothing, |m| {
                &mut m.layers_mut()[layer].weight[[r, c]]
            });
            let got = expected.weight[[r, c]];
            assert!(
                (numeric - got).abs() < 2e-3 + 2e-2 * got.abs(),
                "{head:?} layer {layer} weight ({r}, {c}): analytic {got}, finite difference {numeric}"
            );
        }
        for j in [0, cols - 1] {
            let numeric = central_difference(&mut model, &input, &labels, smoothing, |m| {
                &mut m.layers_mut()[layer].bias[j]
            });
            let got = expected.bias[j];
            assert!(
                (numeric - got).abs() < 2e-3 + 2e-2 * got.abs(),
                "{head:?} layer {layer} bias {j}: analytic {got}, finite difference {numeric}"
            );
        }
    }
}

/// (L(θ + h) − L(θ − h)) / 2h for the one parameter `parameter` points at; restores it.
fn central_difference(
    model: &mut Mlp,
    input: &Array2<f32>,
    labels: &[usize],
    smoothing: Smoothing,
    parameter: impl Fn(&mut Mlp) -> &mut f32,
) -> f32 {
    let h = 1e-2;
    let original = *parameter(model);
    *parameter(model) = original + h;
    let up = model_loss(model, input, labels, smoothing);
    *parameter(model) = original - h;
    let down = model_loss(model, input, labels, smoothing);
    *parameter(model) = original;
    (up - down) / (2.0 * h)
}

#[test]
fn free_head_gradients_match_finite_differences() {
    check_network_gradients(Head::Free);
}

#[test]
fn cosine_head_gradients_match_finite_differences() {
    check_network_gradients(Head::Cosine { scale: 8.0 });
}

#[test]
fn cosine_head_logits_are_bounded_by_the_scale() {
    let (model, input, _) = tiny_model(Head::Cosine { scale: 5.0 });
    let mut act = Activations::new(model.config(), input.nrows());
    model.forward(input.view(), &mut act);
    for z in act.logits.iter() {
        assert!(
            z.abs() <= 5.0 + 1e-4,
            "a cosine logit {z} exceeds the scale 5"
        );
    }
}

#[test]
fn templates_reproduce_the_logits() {
    // SCIENCE.md §3: with x = [h ; 1], z_k = xᵀ[W_k ; b_k]. For the cosine head h is ĥ.
    for head in [Head::Free, Head::Cosine { scale: 6.0 }] {
        let (model, input, _) = tiny_model(head);
        let mut act = Activations::new(model.config(), input.nrows());
        model.forward(input.view(), &mut act);
        let templates = model.templates();
        let d = model.config().feature_width();

        for (i, x) in act.head_input.rows().into_iter().enumerate() {
            for (k, template) in templates.rows().into_iter().enumerate() {
                let z = x.dot(&template.slice(ndarray::s![..d])) + template[d];
                let want = act.logits[[i, k]];
                assert!(
                    (z - want).abs() < 1e-4,
                    "{head:?} row {i} class {k}: {z} vs logit {want}"
                );
            }
        }
    }
}

#[test]
fn initial_weights_are_identical_on_every_platform() {
    // The sum below was computed natively; the same test runs under wasm32, so a platform
    // difference in seeding or initialisation fails one of the two runs.
    let config = ModelConfig {
        inputs: 64,
        hidden: vec![128, 64],
        classes: 10,
        head: Head::Free,
    };
    let model = Mlp::new(config, 1);
    let checksum: f64 = model
        .layers()
        .iter()
        .flat_map(|l| l.weight.iter())
        .enumerate()
        .map(|(i, &w)| w as f64 * ((i % 97) as f64 + 1.0))
        .sum();
    let first = model.layers()[0].weight[[0, 0]];
    assert_eq!(format!("{checksum:.6} {first:.9}"), INITIAL_CHECKSUM);
}

const INITIAL_CHECKSUM: &str = "-186.006483 0.030237824";
