//! The speed measurements behind the README's table, shared by the native and wasm runs.
//!
//! Three numbers, all taken in one run on one core:
//!
//! - GFLOP/s of our products at the MLP's real shapes, next to ndarray's `dot` on the same
//!   operands, written into the same preallocated output through `general_mat_mul` (what
//!   `dot` calls, minus the allocation); ndarray calls matrixmultiply, which has its own
//!   simd128 kernel on wasm. Built with the `relaxed-simd` feature (as `scripts/bench.sh`
//!   builds the wasm side), both of our product paths are timed: baseline simd128 and
//!   relaxed SIMD's `f32x4.relaxed_madd`. The feature enables relaxed SIMD only inside our
//!   fused products, so ndarray's code is the same either way;
//! - the single-core f32x4 peak: `acc ← acc·x + y` on 8 to 16 independent accumulators, the
//!   best of the sweep (each step is one multiply and one add per lane, so 8 flops per
//!   vector), once as `f32x4.mul` + `f32x4.add` and, with the feature, once as
//!   `f32x4.relaxed_madd`. The shares of peak use the faster of the two, so a fused kernel is
//!   not measured against the slower unfused ceiling;
//! - twin-training steps per second at several batch sizes on each of our product paths, as
//!   a share of that peak.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2};

use crate::core::kernels::{self, Dims, Write};
use crate::core::model::ModelConfig;
use crate::core::twin::{LiveConfig, RunConfig, Twin};

/// A monotonic clock in milliseconds: `performance.now()` in a browser, `Instant` natively.
pub type Clock = fn() -> f64;

/// Runs `work` repeatedly for at least `min_ms`, and returns milliseconds per call.
pub fn time_per_call(clock: Clock, min_ms: f64, mut work: impl FnMut()) -> f64 {
    work();
    let mut calls = 1u64;
    loop {
        let start = clock();
        for _ in 0..calls {
            work();
        }
        let elapsed = clock() - start;
        if elapsed >= min_ms {
            return elapsed / calls as f64;
        }
        calls *= 2;
    }
}

/// Timing rounds per measurement; each side of a comparison keeps its fastest round. On
/// this shared VM a side's speed jumps between levels from one round to the next (ndarray's
/// rounds of one shape read 26, 14 and 6.5 GFLOP/s in one run), and ndarray's rounds spread
/// wider than ours. With five rounds its best was often not among them: five runs of one
/// build put the whole step's product ratio at 1.36–1.52. With fifteen, five runs read
/// 1.35–1.39: ndarray's mean whole-step figure rose by about 11 %, ours by about 4 %.
const ROUNDS: usize = 15;
/// Minimum length of one timing round, in ms.
const ROUND_MS: f64 = 30.0;

/// Which product a shape is measured with.
#[derive(Clone, Copy, Debug)]
pub enum Product {
    /// `A·B`, the forward pass.
    Plain,
    /// `Aᵀ·B`, the weight gradient.
    TransposeA,
    /// `A·Bᵀ`, the input gradient.
    TransposeB,
}

/// One row of the product table.
#[derive(Clone, Debug)]
pub struct ProductRow {
    pub label: String,
    pub dims: Dims,
    /// Ours, one figure per kernel of [`our_kernels`], in its order.
    pub ours_gflops: Vec<f64>,
    pub ndarray_gflops: f64,
}

/// Our kernels this build can time, as (name, whether it is the relaxed-SIMD one): the
/// active path, and with the `relaxed-simd` feature the simd128 one beside the fused one.
pub fn our_kernels() -> Vec<(&'static str, bool)> {
    let plain = if kernels::SIMD128 {
        "simd128"
    } else {
        "scalar"
    };
    let mut out = vec![(plain, false)];
    if kernels::FUSED_COMPILED {
        out.push(("relaxed madd", true));
    }
    out
}

/// Runs `work` with the relaxed-SIMD products on or off, then restores the default.
fn with_kernel<T>(fused: bool, work: impl FnOnce() -> T) -> T {
    kernels::use_fused(fused);
    let out = work();
    kernels::use_fused(true);
    out
}

/// The products one training step of `config` performs at `batch` rows.
pub fn training_products(config: &ModelConfig, batch: usize) -> Vec<(String, Product, Dims)> {
    let mut widths = vec![config.inputs];
    widths.extend(&config.hidden);
    widths.push(config.classes);

    let mut out = Vec::new();
    for (layer, pair) in widths.windows(2).enumerate() {
        let (inputs, outputs) = (pair[0], pair[1]);
        let name = format!("layer {} {inputs}→{outputs}", layer + 1);
        out.push((
            format!("{name} X·W"),
            Product::Plain,
            Dims::new(batch, inputs, outputs),
        ));
        out.push((
            format!("{name} Xᵀ·dZ"),
            Product::TransposeA,
            Dims::new(inputs, batch, outputs),
        ));
        if layer > 0 {
            let dims = Dims::new(batch, outputs, inputs);
            out.push((format!("{name} dZ·Wᵀ"), Product::TransposeB, dims));
        }
    }
    out
}

/// Times each of our kernels and ndarray's `dot` on the same operands.
pub fn measure_product(clock: Clock, label: String, product: Product, dims: Dims) -> ProductRow {
    let Dims { m, k, n } = dims;
    let fill = |rows, cols, seed: usize| {
        Array2::from_shape_fn((rows, cols), |(i, j)| {
            ((i * 31 + j * 17 + seed) % 13) as f32 * 0.1
        })
    };
    // Operands in the layout each product reads.
    let (a, b) = match product {
        Product::Plain => (fill(m, k, 1), fill(k, n, 2)),
        Product::TransposeA => (fill(k, m, 1), fill(k, n, 2)),
        Product::TransposeB => (fill(m, k, 1), fill(n, k, 2)),
    };
    let mut c = Array2::<f32>::zeros((m, n));
    let (a_s, b_s) = (
        a.as_slice().expect("standard"),
        b.as_slice().expect("standard"),
    );

    // Rounds alternate between the sides, and each side keeps its best round, so a noisy
    // moment of the machine (a shared VM here) penalises no side alone.
    let ours_kernels = our_kernels();
    let mut ours = vec![f64::INFINITY; ours_kernels.len()];
    let mut theirs = f64::INFINITY;
    for _ in 0..ROUNDS {
        for (best, &(_, fused)) in ours.iter_mut().zip(&ours_kernels) {
            let ms = with_kernel(fused, || {
                time_per_call(clock, ROUND_MS, || {
                    let c = c.as_slice_mut().expect("standard");
                    match product {
                        Product::Plain => kernels::matmul(dims, a_s, b_s, c, Write::Overwrite),
                        Product::TransposeA => {
                            kernels::matmul_transpose_a(dims, a_s, b_s, c, Write::Overwrite)
                        }
                        Product::TransposeB => {
                            kernels::matmul_transpose_b(dims, a_s, b_s, c, Write::Overwrite)
                        }
                    }
                })
            });
            *best = best.min(ms);
        }
        theirs = theirs.min(time_per_call(clock, ROUND_MS, || {
            ndarray_product(product, a.view(), b.view(), &mut c);
            std::hint::black_box(&c);
        }));
    }

    let gflops = |ms: f64| dims.flops() / (ms * 1e6);
    ProductRow {
        label,
        dims,
        ours_gflops: ours.into_iter().map(gflops).collect(),
        ndarray_gflops: gflops(theirs),
    }
}

/// ndarray's product into the same preallocated output our kernel writes, so neither side
/// pays for an allocation; `general_mat_mul` is what `dot` calls, minus the allocation.
fn ndarray_product(product: Product, a: ArrayView2<f32>, b: ArrayView2<f32>, c: &mut Array2<f32>) {
    match product {
        Product::Plain => general_mat_mul(1.0, &a, &b, 0.0, c),
        Product::TransposeA => general_mat_mul(1.0, &a.t(), &b, 0.0, c),
        Product::TransposeB => general_mat_mul(1.0, &a, &b.t(), 0.0, c),
    }
}

/// The best f32x4 multiply-add rate over 8..=16 independent accumulators, in GFLOP/s, with
/// the accumulator count that reached it: on `f32x4.mul` then `f32x4.add`, or, with `fused`
/// (where the `relaxed-simd` feature compiled it), on `f32x4.relaxed_madd`.
pub fn simd_peak(clock: Clock, fused: bool) -> (f64, usize) {
    let mut best = (0.0, 0);
    for (accumulators, gflops) in peak::sweep(clock, fused) {
        if gflops > best.0 {
            best = (gflops, accumulators);
        }
    }
    best
}

/// One row of the training table.
#[derive(Clone, Debug)]
pub struct TrainingRow {
    pub batch: usize,
    pub steps_per_second: f64,
    pub gflops: f64,
}

/// Twin steps per second on the digits with the default model at `batch`.
pub fn measure_training(clock: Clock, batch: usize) -> TrainingRow {
    let live = LiveConfig {
        batch_size: batch,
        ..LiveConfig::default()
    };
    let mut twin = Twin::new(RunConfig::default(), live).expect("the default run starts");
    twin.step(20);
    let mut ms = f64::INFINITY;
    for _ in 0..ROUNDS {
        ms = ms.min(time_per_call(clock, 300.0, || twin.step(10)) / 10.0);
    }
    let flops = twin.info_flops_per_example() * batch as f64;
    TrainingRow {
        batch,
        steps_per_second: 1000.0 / ms,
        gflops: flops / (ms * 1e6),
    }
}

/// Runs every measurement and returns the report as lines of text (a Markdown table).
pub fn report(clock: Clock, platform: &str, log: &mut dyn FnMut(&str)) {
    let config = ModelConfig {
        inputs: 64,
        hidden: ModelConfig::DEFAULT_HIDDEN.to_vec(),
        classes: 10,
        head: crate::core::model::Head::Free,
    };
    let ours = our_kernels();
    let names: Vec<&str> = ours.iter().map(|(name, _)| *name).collect();
    log(&format!("# {platform}, our kernels: {}", names.join(", ")));

    // The peak is the faster of the two instruction mixes this build can run (on this
    // machine's EPYC the relaxed madd chains ran about 14 % above the mul+add ones).
    let mut peak = 0.0f64;
    for &(name, fused) in &ours {
        let what = if fused {
            "f32x4.relaxed_madd"
        } else {
            "f32x4 mul+add"
        };
        let (gflops, accumulators) = simd_peak(clock, fused);
        log(&format!(
            "peak {what} ({name}): {gflops:.1} GFLOP/s ({accumulators} accumulators)"
        ));
        peak = peak.max(gflops);
    }
    log(&format!(
        "peak used for the shares below: {peak:.1} GFLOP/s"
    ));
    log("");

    let column = |what: &str| -> String {
        names
            .iter()
            .map(|name| format!(" {what} {name} |"))
            .collect()
    };
    let rule = "---|".repeat(3 + 2 * names.len());
    log(&format!(
        "| product (batch 128) | m×k×n |{} ndarray GFLOP/s |{}",
        column("GFLOP/s"),
        column("ratio")
    ));
    log(&format!("|{rule}"));
    let mut ours_total = vec![0.0; names.len()];
    let mut theirs_total = 0.0;
    let mut flops_total = 0.0;
    // Table cells with `digits` decimals: rates take 1, ratios 2.
    let cells = |values: &mut dyn Iterator<Item = f64>, digits: usize| -> String {
        values.map(|value| format!(" {value:.digits$} |")).collect()
    };
    // No warm-up pass, on purpose. Two untimed rounds of every shape before the table (or
    // of the first shape only) left ndarray at 26–27 GFLOP/s on the shapes after it for the
    // rest of the run, against 30–31 without, while ours did not move: some state of V8's
    // tiering or of the heap that I did not pin down. Without one, ndarray is at its fastest.
    // (Once, with the warm-up absent, ndarray's first two shapes read 7.7 GFLOP/s in every
    // round, as if still on V8's baseline compiler; a run like that shows in the table.)
    for (label, product, dims) in training_products(&config, 128) {
        let row = measure_product(clock, label, product, dims);
        let Dims { m, k, n } = row.dims;
        let rates = cells(&mut row.ours_gflops.iter().copied(), 1);
        let ratios = cells(
            &mut row.ours_gflops.iter().map(|g| g / row.ndarray_gflops),
            2,
        );
        log(&format!(
            "| {} | {m}×{k}×{n} |{rates} {:.1} |{ratios}",
            row.label, row.ndarray_gflops
        ));
        // Time-weighted totals: the whole step's products, as one training step runs them.
        flops_total += dims.flops();
        for (total, g) in ours_total.iter_mut().zip(&row.ours_gflops) {
            *total += dims.flops() / g;
        }
        theirs_total += dims.flops() / row.ndarray_gflops;
    }
    let rates = cells(&mut ours_total.iter().map(|t| flops_total / t), 1);
    let ratios = cells(&mut ours_total.iter().map(|t| theirs_total / t), 2);
    log(&format!(
        "| all products of one step | |{rates} {:.1} |{ratios}",
        flops_total / theirs_total
    ));
    log("");
    log("| batch | kernels | twin steps/s | GFLOP/s | share of peak |");
    log("|---|---|---|---|---|");
    for batch in [32, 64, 128, 256] {
        for &(name, fused) in &ours {
            let row = with_kernel(fused, || measure_training(clock, batch));
            log(&format!(
                "| {} | {name} | {:.0} | {:.1} | {:.0}% |",
                row.batch,
                row.steps_per_second,
                row.gflops,
                100.0 * row.gflops / peak
            ));
        }
    }
}

/// Multiply-add rate of `chains` in GFLOP/s, best of [`ROUNDS`] rounds; `chains(x, y)` runs
/// `peak::STEPS` multiply-adds on each of `N` vectors.
fn peak_rate<const N: usize>(clock: Clock, chains: fn(f32, f32) -> f32) -> f64 {
    // The inputs go through black_box on every call: `chains` is pure, and LLVM would
    // otherwise hoist it out of the timing loop and time nothing.
    let ms = (0..ROUNDS)
        .map(|_| {
            time_per_call(clock, ROUND_MS, || {
                let (x, y) = (std::hint::black_box(0.999), std::hint::black_box(0.001));
                std::hint::black_box(chains(x, y));
            })
        })
        .fold(f64::INFINITY, f64::min);
    (peak::STEPS * N * 8) as f64 / (ms * 1e6)
}

mod peak {
    /// Multiply-add steps per accumulator in one call of `chains`.
    pub const STEPS: usize = 4096;

    /// Rates of 8 to 16 independent accumulators, as (accumulators, GFLOP/s).
    pub fn sweep(clock: super::Clock, fused: bool) -> Vec<(usize, f64)> {
        fn rate<const N: usize>(clock: super::Clock, fused: bool) -> (usize, f64) {
            (N, super::peak_rate::<N>(clock, pick::<N>(fused)))
        }
        vec![
            rate::<8>(clock, fused),
            rate::<9>(clock, fused),
            rate::<10>(clock, fused),
            rate::<11>(clock, fused),
            rate::<12>(clock, fused),
            rate::<13>(clock, fused),
            rate::<14>(clock, fused),
            rate::<15>(clock, fused),
            rate::<16>(clock, fused),
        ]
    }

    /// The chain to time: relaxed madd where asked for and compiled, mul+add otherwise.
    fn pick<const N: usize>(fused: bool) -> fn(f32, f32) -> f32 {
        #[cfg(all(
            target_arch = "wasm32",
            target_feature = "simd128",
            feature = "relaxed-simd"
        ))]
        if fused {
            return fused_chains::<N>;
        }
        let _ = fused;
        chains::<N>
    }

    /// `acc ← relaxed_madd(acc, x, y)` on `N` f32x4 vectors, `STEPS` times.
    #[cfg(all(
        target_arch = "wasm32",
        target_feature = "simd128",
        feature = "relaxed-simd"
    ))]
    #[inline(never)]
    #[target_feature(enable = "relaxed-simd")]
    fn fused_chains<const N: usize>(x: f32, y: f32) -> f32 {
        use core::arch::wasm32::*;
        let (x, y) = (f32x4_splat(x), f32x4_splat(y));
        let mut acc = [f32x4_splat(1.0); N];
        for _ in 0..STEPS {
            for slot in acc.iter_mut() {
                *slot = f32x4_relaxed_madd(*slot, x, y);
            }
        }
        acc.iter().map(|v| f32x4_extract_lane::<0>(*v)).sum()
    }

    /// `acc ← acc·x + y` on `N` f32x4 vectors, `STEPS` times; returns a value that depends on
    /// all of them.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[inline(never)]
    pub fn chains<const N: usize>(x: f32, y: f32) -> f32 {
        use core::arch::wasm32::*;
        let (x, y) = (f32x4_splat(x), f32x4_splat(y));
        let mut acc = [f32x4_splat(1.0); N];
        for _ in 0..STEPS {
            for slot in acc.iter_mut() {
                *slot = f32x4_add(f32x4_mul(*slot, x), y);
            }
        }
        acc.iter().map(|v| f32x4_extract_lane::<0>(*v)).sum()
    }

    /// The host version uses four-lane arrays, which LLVM keeps in SSE registers.
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    #[inline(never)]
    pub fn chains<const N: usize>(x: f32, y: f32) -> f32 {
        let mut acc = [[1.0f32; 4]; N];
        for _ in 0..STEPS {
            for slot in acc.iter_mut() {
                for lane in slot.iter_mut() {
                    *lane = *lane * x + y;
                }
            }
        }
        acc.iter().map(|v| v[0]).sum()
    }
}
