//! The twin trainer's promises: one start and one batch order for both models, live changes
//! that keep the weights, and a run that stops being trainable is recognised.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use smoothing_lab::core::loss::{Smoothing, SmoothingForm};
use smoothing_lab::core::optim::{OptimizerConfig, OptimizerKind};
use smoothing_lab::core::twin::{LiveConfig, Projection, RunConfig, Twin, CROSS_ENTROPY, SMOOTHED};

fn weights(twin: &Twin, index: usize) -> Vec<f32> {
    twin.models()[index]
        .layers()
        .iter()
        .flat_map(|layer| layer.weight.iter().chain(layer.bias.iter()).copied())
        .collect()
}

#[test]
fn with_no_smoothing_the_twins_stay_identical_step_for_step() {
    // Same start and same batches: with α = 0 the smoothed twin's loss is cross-entropy, so
    // any difference would come from the trainer, not the loss.
    let live = LiveConfig {
        smoothing: Smoothing::NONE,
        ..LiveConfig::default()
    };
    let mut twin = Twin::new(RunConfig::default(), live).expect("the default run starts");
    assert_eq!(weights(&twin, CROSS_ENTROPY), weights(&twin, SMOOTHED));

    twin.step(25);
    let (ce, ls) = (weights(&twin, CROSS_ENTROPY), weights(&twin, SMOOTHED));
    let first = ce
        .iter()
        .zip(&ls)
        .position(|(a, b)| a.to_bits() != b.to_bits());
    assert_eq!(
        first, None,
        "the twins differ at parameter {first:?} after 25 steps"
    );
}

#[test]
fn smoothing_makes_the_twins_differ() {
    let mut twin = Twin::new(RunConfig::default(), LiveConfig::default()).expect("starts");
    twin.step(5);
    assert_ne!(weights(&twin, CROSS_ENTROPY), weights(&twin, SMOOTHED));
}

#[test]
fn a_live_change_keeps_the_weights_and_the_step() {
    let mut twin = Twin::new(RunConfig::default(), LiveConfig::default()).expect("starts");
    twin.step(10);
    let before = weights(&twin, SMOOTHED);

    let live = LiveConfig {
        smoothing: Smoothing::new(0.4, SmoothingForm::OffTarget),
        optimizer: OptimizerConfig {
            learning_rate: 0.01,
            ..OptimizerConfig::default()
        },
        batch_size: 32,
    };
    twin.set_live(live);
    assert_eq!(weights(&twin, SMOOTHED), before);
    assert_eq!(twin.steps(), 10);
    assert_eq!(twin.live().batch_size, 32);

    twin.step(1);
    assert_ne!(
        weights(&twin, SMOOTHED),
        before,
        "a step after the change trained nothing"
    );
}

#[test]
fn the_default_run_neither_diverges_nor_collapses() {
    let mut twin = Twin::new(RunConfig::default(), LiveConfig::default()).expect("starts");
    twin.step(100);
    assert!(!twin.diverged());
    let snapshot = twin.snapshot(Projection::default());
    assert_eq!(snapshot.collapsed(), Vec::<usize>::new());
}

#[test]
fn a_far_too_high_learning_rate_is_caught() {
    // Adam at η = 1 kills every ReLU of the digits MLP within a few dozen steps (the page
    // then stops and says so); if it diverges to non-finite weights instead, that is caught
    // too. Either way the run must not look healthy.
    let live = LiveConfig {
        optimizer: OptimizerConfig {
            kind: OptimizerKind::ADAM,
            learning_rate: 1.0,
            ..OptimizerConfig::default()
        },
        ..LiveConfig::default()
    };
    let mut twin = Twin::new(RunConfig::default(), live).expect("starts");
    twin.step(200);
    let snapshot = twin.snapshot(Projection::default());
    assert!(
        twin.diverged() || !snapshot.collapsed().is_empty(),
        "mean ‖h‖ after 200 steps at η = 1: {:?}",
        snapshot
            .models
            .iter()
            .map(|m| m.metrics.mean_feature_norm)
            .collect::<Vec<_>>()
    );
}
