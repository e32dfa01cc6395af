//! The paper's claims, checked on the live twins trained on the bundled digits with the
//! app's default settings and α = 0.1. The twins are trained once and shared by every test.
//!
//! They run on the host (scalar kernels) and, through wasm-bindgen-test in Node, on the
//! simd128 kernels, so both paths are held to the same science. Run with `--nocapture` to
//! see the measured numbers.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::sync::OnceLock;

use smoothing_lab::core::loss::{Smoothing, SmoothingForm};
use smoothing_lab::core::metrics;
use smoothing_lab::core::twin::{LiveConfig, RunConfig, Twin, CROSS_ENTROPY, SMOOTHED};

/// About 100 epochs of the 1,438 training digits at batch 128.
const STEPS: u32 = 1200;
const ALPHA: f32 = 0.1;

/// What the tests assert on, per model (cross-entropy first).
#[derive(Debug)]
struct Measured {
    validation_accuracy: [f32; 2],
    mean_feature_norm: [f32; 2],
    mean_true_probability: [f32; 2],
    /// Mean over several class triples of within-class spread / template distance.
    tightness: [f32; 2],
    classes: usize,
}

const TRIPLES: [[usize; 3]; 4] = [[0, 1, 2], [3, 5, 8], [1, 7, 4], [6, 9, 0]];

fn measured() -> &'static Measured {
    static RESULT: OnceLock<Measured> = OnceLock::new();
    RESULT.get_or_init(|| {
        let live = LiveConfig {
            smoothing: Smoothing::new(ALPHA, SmoothingForm::Uniform),
            ..LiveConfig::default()
        };
        let mut twin = Twin::new(RunConfig::default(), live).expect("the default run starts");
        twin.step(STEPS);

        let data = twin.data();
        let mut out = Measured {
            validation_accuracy: [0.0; 2],
            mean_feature_norm: [0.0; 2],
            mean_true_probability: [0.0; 2],
            tightness: [0.0; 2],
            classes: data.train.classes,
        };
        for index in [CROSS_ENTROPY, SMOOTHED] {
            let model = &twin.models()[index];
            let train = model.evaluate(data.train.features.view());
            let validation = model.evaluate(data.validation.features.view());
            let train_p = metrics::softmax_rows(train.logits.view());
            let val_p = metrics::softmax_rows(validation.logits.view());
            let norms = metrics::feature_norms(train.features.view());

            out.validation_accuracy[index] =
                metrics::accuracy(val_p.view(), &data.validation.labels);
            out.mean_feature_norm[index] = norms.iter().sum::<f32>() / norms.len() as f32;
            out.mean_true_probability[index] =
                metrics::mean_true_probability(train_p.view(), &data.train.labels);

            let templates = model.templates();
            let mut total = 0.0;
            for triple in TRIPLES {
                let plane = metrics::template_plane(templates.view(), triple).expect("distinct");
                let points = plane.project_features(train.head_input.view());
                let marks = plane.project_templates(templates.view());
                total += metrics::cluster_tightness(&points, &data.train.labels, &marks, triple);
            }
            out.tightness[index] = total / TRIPLES.len() as f32;
        }
        eprintln!("science: after {STEPS} steps at α = {ALPHA}: {out:#?}");
        out
    })
}

#[test]
fn both_models_reach_93_percent_validation_accuracy() {
    let m = measured();
    for (name, accuracy) in ["cross-entropy", "smoothed"]
        .iter()
        .zip(m.validation_accuracy)
    {
        assert!(
            accuracy >= 0.93,
            "{name} reached only {accuracy:.4} validation accuracy"
        );
    }
}

#[test]
fn smoothing_shrinks_the_penultimate_feature_norm() {
    let [ce, ls] = measured().mean_feature_norm;
    assert!(
        ls < ce,
        "mean ‖h‖: smoothed {ls:.3} is not below cross-entropy {ce:.3}"
    );
}

#[test]
fn smoothed_true_class_probability_stays_under_the_ceiling_and_cross_entropy_passes_it() {
    let m = measured();
    let ceiling = Smoothing::new(ALPHA, SmoothingForm::Uniform).ceiling(m.classes);
    let [ce, ls] = m.mean_true_probability;
    assert!(
        ls <= ceiling + 0.01,
        "smoothed mean p_y {ls:.4} is above the ceiling {ceiling}"
    );
    assert!(
        ce > ceiling,
        "cross-entropy mean p_y {ce:.4} did not pass the ceiling {ceiling}"
    );
}

#[test]
fn smoothing_tightens_clusters_in_the_template_plane() {
    // Müller et al. Fig. 1: with LS each class is a tight cluster; without, a broad spread.
    let [ce, ls] = measured().tightness;
    assert!(
        ls < ce,
        "tightness (lower is tighter): smoothed {ls:.3}, cross-entropy {ce:.3}"
    );
}
