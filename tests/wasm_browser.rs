//! The numeric core inside headless Chromium, the engine the app really runs in.
//!
//! `tests/kernels.rs` checks every kernel against an f64 reference in Node; this file checks
//! that Chromium's V8 runs the same simd128 code to the same numbers as the scalar twin, that
//! the relaxed-SIMD products (the `worker_relaxed` build's) agree with it too and really fuse,
//! that the page's relaxed-SIMD probe passes here, and that a frame survives the worker → page
//! wire format.
//!
//! Run by `scripts/test.sh` (stage wasm-chrome) as `cargo test --target
//! wasm32-unknown-unknown --features relaxed-simd --test wasm_browser` with ChromeDriver;
//! under Node (`WASM_BINDGEN_TEST_ONLY_NODE`) the runner skips it.

#![cfg(target_arch = "wasm32")]

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use smoothing_lab::core::kernels::{self, scalar, Dims, Write};
use smoothing_lab::core::twin::{ModelFrame, Projection, Snapshot};
use smoothing_lab::protocol::{self, Event, Pace};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

// Comparing the simd128 kernels with their scalar twin means nothing if this binary has no
// simd128 in it, so a build without the feature does not compile at all.
const _: () = assert!(
    kernels::SIMD128,
    "tests/wasm_browser.rs must be built with +simd128"
);

/// Odd sizes, so every kernel runs its vector body, its row blocks and its scalar tails.
const SIZES: [usize; 5] = [1, 3, 17, 63, 130];

fn random(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..len).map(|_| rng.gen_range(-1.0f32..1.0)).collect()
}

/// Asserts `simd` and `scalar` agree within `tolerance[i]`, naming the first index that does not.
fn assert_agree(what: &str, simd: &[f32], scalar: &[f32], tolerance: impl Fn(usize) -> f32) {
    assert_eq!(simd.len(), scalar.len(), "{what}: lengths differ");
    for (i, (s, r)) in simd.iter().zip(scalar).enumerate() {
        let tol = tolerance(i);
        assert!(
            (s - r).abs() <= tol,
            "{what}: index {i} is {s} (simd128), {r} (scalar), tolerance {tol:e}"
        );
    }
}

type Product = fn(Dims, &[f32], &[f32], &mut [f32], Write);

/// Runs `check` on the simd128 products, then, where this build has them, on the relaxed-SIMD
/// ones, naming each in its failures.
fn on_each_product_path(check: impl Fn(&str)) {
    for fused in [false, true] {
        if kernels::use_fused(fused) != fused {
            continue;
        }
        check(kernels::name());
    }
    kernels::use_fused(true);
}

/// Runs one product through the dispatching kernel and through the scalar twin over every
/// shape in `SIZES`³, overwriting and then accumulating.
fn check_product(name: &str, simd: Product, reference: Product) {
    for &m in &SIZES {
        for &k in &SIZES {
            for &n in &SIZES {
                let dims = Dims::new(m, k, n);
                let a = random(m * k, 1);
                let b = random(k * n, 2);
                let start = random(m * n, 3);
                let a_abs: Vec<f32> = a.iter().map(|x| x.abs()).collect();
                let b_abs: Vec<f32> = b.iter().map(|x| x.abs()).collect();

                // Different summation orders differ by at most about k·ε·Σ|terms|.
                let mut magnitude = vec![0.0; m * n];
                reference(dims, &a_abs, &b_abs, &mut magnitude, Write::Overwrite);
                let tolerance = |i: usize| (k as f32 + 2.0) * f32::EPSILON * (magnitude[i] + 1.0);

                for write in [Write::Overwrite, Write::Accumulate] {
                    let (mut got, mut want) = (start.clone(), start.clone());
                    simd(dims, &a, &b, &mut got, write);
                    reference(dims, &a, &b, &mut want, write);
                    assert_agree(
                        &format!("{name} {m}×{k}×{n} {write:?}"),
                        &got,
                        &want,
                        tolerance,
                    );
                }
            }
        }
    }
}

#[wasm_bindgen_test]
fn simd_matmul_agrees_with_scalar_twin() {
    on_each_product_path(|path| {
        check_product(&format!("matmul ({path})"), kernels::matmul, scalar::matmul)
    });
}

#[wasm_bindgen_test]
fn simd_matmul_transpose_a_agrees_with_scalar_twin() {
    on_each_product_path(|path| {
        check_product(
            &format!("matmul_transpose_a ({path})"),
            kernels::matmul_transpose_a,
            scalar::matmul_transpose_a,
        )
    });
}

#[wasm_bindgen_test]
fn simd_matmul_transpose_b_agrees_with_scalar_twin() {
    on_each_product_path(|path| {
        check_product(
            &format!("matmul_transpose_b ({path})"),
            kernels::matmul_transpose_b,
            scalar::matmul_transpose_b,
        )
    });
}

/// The relaxed products are in this build and round once per term in this Chromium (x64 with
/// FMA), and the probe the page uses to pick the worker build accepts relaxed SIMD here.
///
/// `A = [−1, 1 + 2⁻¹²]`, `B = [1, 1 + 2⁻¹²]ᵀ`: the second term is `1 + 2⁻¹¹ + 2⁻²⁴`, one bit
/// finer than an f32 near 1 holds. Rounded on its own it loses the `2⁻²⁴`, so mul-then-add
/// gives `2⁻¹¹`; fused into the running `−1` it keeps it, `2⁻¹¹ + 2⁻²⁴`.
#[wasm_bindgen_test]
fn relaxed_products_fuse_and_the_page_detects_relaxed_simd() {
    assert!(
        kernels::use_fused(true),
        "build this test with --features relaxed-simd (scripts/test.sh does)"
    );
    assert!(
        smoothing_lab::ui::worker_bridge::relaxed_simd_supported(),
        "the page's probe rejects relaxed SIMD in this Chromium"
    );
    let x = 1.0 + 2.0f32.powi(-12);
    let (a, b) = ([-1.0, x], [1.0, x]);
    let product = |fused: bool| {
        kernels::use_fused(fused);
        let mut c = [f32::NAN];
        kernels::matmul(Dims::new(1, 2, 1), &a, &b, &mut c, Write::Overwrite);
        c[0]
    };
    let (separate, fused) = (product(false), product(true));
    kernels::use_fused(true);
    assert_eq!(separate, 2.0f32.powi(-11), "mul then add");
    assert_eq!(fused, 2.0f32.powi(-11) + 2.0f32.powi(-24), "relaxed madd");
}

#[wasm_bindgen_test]
fn simd_row_kernels_agree_with_scalar_twin() {
    for &cols in &SIZES {
        for &rows in &[1, 5, 33] {
            let what = format!("{rows}×{cols}");
            // Spread the logits wide enough that exp() underflows in some rows.
            let logits: Vec<f32> = random(rows * cols, 4).iter().map(|x| 40.0 * x).collect();

            let (mut got, mut want) = (vec![0.0; rows * cols], vec![0.0; rows * cols]);
            kernels::softmax_rows(&logits, cols, &mut got);
            scalar::softmax_rows(&logits, cols, &mut want);
            assert_agree(&format!("softmax_rows {what}"), &got, &want, |_| 4e-6);

            kernels::log_softmax_rows(&logits, cols, &mut got);
            scalar::log_softmax_rows(&logits, cols, &mut want);
            assert_agree(&format!("log_softmax_rows {what}"), &got, &want, |i| {
                4e-6 * (1.0 + want[i].abs())
            });

            let bias = random(cols, 5);
            let (mut got, mut want) = (logits.clone(), logits.clone());
            kernels::add_bias(&mut got, &bias);
            scalar::add_bias(&mut want, &bias);
            assert_agree(&format!("add_bias {what}"), &got, &want, |_| 0.0);

            let (mut got, mut want) = (random(cols, 6), random(cols, 6));
            kernels::column_sums(&logits, &mut got, Write::Accumulate);
            scalar::column_sums(&logits, &mut want, Write::Accumulate);
            assert_agree(&format!("column_sums {what}"), &got, &want, |_| {
                rows as f32 * 40.0 * f32::EPSILON * 4.0
            });
        }
    }
}

#[wasm_bindgen_test]
fn simd_vector_kernels_agree_with_scalar_twin() {
    for len in [0, 1, 3, 4, 17, 63, 130, 1001] {
        let x = random(len, 7);
        let y = random(len, 8);
        let bound = (len as f32 + 2.0) * f32::EPSILON * len as f32;

        assert!(
            (kernels::sum(&x) - scalar::sum(&x)).abs() <= bound,
            "sum of {len}"
        );
        assert!(
            (kernels::dot(&x, &y) - scalar::dot(&x, &y)).abs() <= bound,
            "dot of {len}"
        );
        assert_eq!(kernels::max(&x), scalar::max(&x), "max of {len}");

        let (mut got, mut want) = (y.clone(), y.clone());
        kernels::axpy(0.37, &x, &mut got);
        scalar::axpy(0.37, &x, &mut want);
        assert_agree(&format!("axpy of {len}"), &got, &want, |_| 0.0);

        kernels::scale(-1.5, &mut got);
        scalar::scale(-1.5, &mut want);
        assert_agree(&format!("scale of {len}"), &got, &want, |_| 0.0);

        let (mut got, mut want) = (x.clone(), x.clone());
        kernels::relu(&mut got);
        scalar::relu(&mut want);
        assert_agree(&format!("relu of {len}"), &got, &want, |_| 0.0);

        let (mut got_grad, mut want_grad) = (y.clone(), y.clone());
        kernels::relu_backward(&mut got_grad, &got);
        scalar::relu_backward(&mut want_grad, &want);
        assert_agree(
            &format!("relu_backward of {len}"),
            &got_grad,
            &want_grad,
            |_| 0.0,
        );
    }
}

/// A frame with every per-example array filled, the size of a digits frame (K = 10).
fn filled_frame(seed: u64) -> ModelFrame {
    let examples = 1000;
    let points = |s| {
        random(2 * examples, s)
            .chunks_exact(2)
            .map(|p| [p[0], p[1]])
            .collect()
    };
    let mut frame = ModelFrame {
        train_points: points(seed),
        validation_points: points(seed + 1),
        templates: points(seed + 2).into_iter().take(10).collect(),
        train_gaps: random(examples, seed + 3),
        train_norms: random(examples, seed + 4),
        train_probabilities: random(10 * examples, seed + 5),
        validation_logits: random(10 * examples, seed + 6),
        ..ModelFrame::default()
    };
    frame.metrics.validation_accuracy = 0.93;
    frame.metrics.ece = 0.021;
    frame.metrics.train_loss = f32::MIN_POSITIVE;
    frame
}

#[wasm_bindgen_test]
fn frame_event_survives_encode_and_decode() {
    let snapshot = Snapshot {
        step: 12_345,
        epoch: 7.5,
        projection: Projection::TemplatePlane { classes: [3, 5, 8] },
        live: None,
        models: [filled_frame(10), filled_frame(20)],
    };
    let event = Event::Frame {
        snapshot: Box::new(snapshot),
        playing: true,
        pace: Pace {
            steps_per_second: 812.5,
            gflops: 3.25,
            busy: 0.9,
        },
    };

    let bytes = protocol::encode(&event);
    let decoded: Event = protocol::decode(&bytes).expect("a frame we just encoded decodes");
    assert_eq!(decoded, event);

    // A truncated message must be reported, not read as a shorter frame.
    let truncated = protocol::decode::<Event>(&bytes[..bytes.len() / 2]);
    assert!(truncated.is_err(), "half a frame decoded as {truncated:?}");
}
