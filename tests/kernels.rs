//! Every kernel against a naive f64 reference, over odd shapes.
//!
//! Natively this checks the scalar path; under `cargo test --target wasm32-unknown-unknown`
//! (simd128 on) it checks the simd128 path and the scalar twin side by side, and built with
//! `--features relaxed-simd` (in Chromium, stage wasm-chrome of `scripts/test.sh`) the
//! products it checks are the fused ones.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use smoothing_lab::core::kernels::{self, scalar, Dims, Write};

const SIZES: [usize; 5] = [1, 3, 17, 63, 130];

fn random(len: usize, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..len).map(|_| rng.gen_range(-1.0f32..1.0)).collect()
}

/// Asserts two slices agree within `tolerance[i]`, naming the first index that does not.
fn assert_close(what: &str, got: &[f32], want: &[f64], tolerance: impl Fn(usize) -> f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let tol = tolerance(i);
        assert!(
            ((*g as f64) - w).abs() <= tol,
            "{what}: index {i} is {g}, reference {w} (tolerance {tol:e})"
        );
    }
}

/// `C[i, j] = Σ_p A(i, p)·B(p, j)` in f64, with `A(i, p)` and `B(p, j)` read through closures,
/// plus the sum of absolute terms for a rounding bound.
fn reference(
    dims: Dims,
    a: impl Fn(usize, usize) -> f32,
    b: impl Fn(usize, usize) -> f32,
) -> (Vec<f64>, Vec<f64>) {
    let Dims { m, k, n } = dims;
    let mut c = vec![0.0; m * n];
    let mut magnitude = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            for p in 0..k {
                let term = a(i, p) as f64 * b(p, j) as f64;
                c[i * n + j] += term;
                magnitude[i * n + j] += term.abs();
            }
        }
    }
    (c, magnitude)
}

type Product = fn(Dims, &[f32], &[f32], &mut [f32], Write);
/// Reads element (row, col) of an operand stored in some layout, given the product's dims.
type At = fn(&[f32], Dims, usize, usize) -> f32;

/// Runs `product` over every shape in `SIZES`³, overwriting and accumulating.
fn check_product(name: &str, product: Product, a_at: At, b_at: At) {
    for &m in &SIZES {
        for &k in &SIZES {
            for &n in &SIZES {
                let dims = Dims::new(m, k, n);
                let a = random(m * k, (m * 1000 + k * 10 + n) as u64);
                let b = random(k * n, (n * 1000 + k * 10 + m) as u64);
                let start = random(m * n, 7);
                let (want, magnitude) = reference(
                    dims,
                    |i, p| a_at(&a, dims, i, p),
                    |p, j| b_at(&b, dims, p, j),
                );
                let tolerance = |i: usize| 1e-5 * (magnitude[i] + 1.0);

                let mut c = vec![f32::NAN; m * n];
                product(dims, &a, &b, &mut c, Write::Overwrite);
                assert_close(&format!("{name} {m}×{k}×{n}"), &c, &want, tolerance);

                let mut c = start.clone();
                product(dims, &a, &b, &mut c, Write::Accumulate);
                let want: Vec<f64> = want
                    .iter()
                    .zip(&start)
                    .map(|(w, s)| w + *s as f64)
                    .collect();
                assert_close(&format!("{name} += {m}×{k}×{n}"), &c, &want, tolerance);
            }
        }
    }
}

/// `A` stored m×k: A(i, p) = a[i·k + p].
fn a_plain(a: &[f32], d: Dims, i: usize, p: usize) -> f32 {
    a[i * d.k + p]
}

/// `A` stored k×m (the product reads Aᵀ): A(i, p) = a[p·m + i].
fn a_transposed(a: &[f32], d: Dims, i: usize, p: usize) -> f32 {
    a[p * d.m + i]
}

/// `B` stored k×n: B(p, j) = b[p·n + j].
fn b_plain(b: &[f32], d: Dims, p: usize, j: usize) -> f32 {
    b[p * d.n + j]
}

/// `B` stored n×k (the product reads Bᵀ): B(p, j) = b[j·k + p].
fn b_transposed(b: &[f32], d: Dims, p: usize, j: usize) -> f32 {
    b[j * d.k + p]
}

#[test]
fn matmul_matches_reference_over_odd_shapes() {
    check_product("matmul", kernels::matmul, a_plain, b_plain);
    check_product("scalar matmul", scalar_matmul, a_plain, b_plain);
}

#[test]
fn matmul_transpose_b_matches_reference_over_odd_shapes() {
    check_product("A·Bᵀ", kernels::matmul_transpose_b, a_plain, b_transposed);
    check_product("scalar A·Bᵀ", scalar_transpose_b, a_plain, b_transposed);
}

#[test]
fn matmul_transpose_a_matches_reference_over_odd_shapes() {
    check_product("Aᵀ·B", kernels::matmul_transpose_a, a_transposed, b_plain);
    check_product("scalar Aᵀ·B", scalar_transpose_a, a_transposed, b_plain);
}

// The scalar twin is called directly so the wasm run checks it too, not only the SIMD path.
fn scalar_matmul(d: Dims, a: &[f32], b: &[f32], c: &mut [f32], w: Write) {
    scalar::matmul(d, a, b, c, w)
}

fn scalar_transpose_b(d: Dims, a: &[f32], b: &[f32], c: &mut [f32], w: Write) {
    scalar::matmul_transpose_b(d, a, b, c, w)
}

fn scalar_transpose_a(d: Dims, a: &[f32], b: &[f32], c: &mut [f32], w: Write) {
    scalar::matmul_transpose_a(d, a, b, c, w)
}

#[test]
fn products_with_an_empty_inner_dimension_are_zero() {
    type Kernel = fn(Dims, &[f32], &[f32], &mut [f32], Write);
    let kernels: [(&str, Kernel); 6] = [
        ("matmul", kernels::matmul),
        ("matmul_transpose_a", kernels::matmul_transpose_a),
        ("matmul_transpose_b", kernels::matmul_transpose_b),
        ("scalar matmul", scalar_matmul),
        ("scalar matmul_transpose_a", scalar_transpose_a),
        ("scalar matmul_transpose_b", scalar_transpose_b),
    ];
    let dims = Dims::new(5, 0, 9);
    for (name, kernel) in kernels {
        let mut c = vec![2.5f32; 45];
        kernel(dims, &[], &[], &mut c, Write::Accumulate);
        assert!(c.iter().all(|&v| v == 2.5), "{name}: accumulate changed C");
        kernel(dims, &[], &[], &mut c, Write::Overwrite);
        let stray = c.iter().position(|&v| v != 0.0);
        assert!(stray.is_none(), "{name}: C[{stray:?}] is not zero");
    }
}

#[test]
fn bias_and_column_sums_match_reference() {
    for &rows in &SIZES {
        for &cols in &SIZES {
            let a = random(rows * cols, (rows * 31 + cols) as u64);
            let bias = random(cols, 3);

            let mut with_bias = a.clone();
            kernels::add_bias(&mut with_bias, &bias);
            let want: Vec<f64> = (0..rows * cols)
                .map(|i| a[i] as f64 + bias[i % cols] as f64)
                .collect();
            assert_close(
                &format!("add_bias {rows}×{cols}"),
                &with_bias,
                &want,
                |_| 1e-6,
            );

            let mut sums = vec![0.5; cols];
            kernels::column_sums(&a, &mut sums, Write::Accumulate);
            let want: Vec<f64> = (0..cols)
                .map(|j| 0.5 + (0..rows).map(|i| a[i * cols + j] as f64).sum::<f64>())
                .collect();
            assert_close(&format!("column_sums {rows}×{cols}"), &sums, &want, |_| {
                1e-4 * rows as f64
            });
        }
    }
}

#[test]
fn relu_and_its_backward_match_reference() {
    for &len in &SIZES {
        let x = random(len, len as u64);
        let mut y = x.clone();
        kernels::relu(&mut y);
        let want: Vec<f64> = x.iter().map(|&v| v.max(0.0) as f64).collect();
        assert_close(&format!("relu {len}"), &y, &want, |_| 0.0);

        let mut grad = random(len, 99);
        let original = grad.clone();
        kernels::relu_backward(&mut grad, &y);
        let want: Vec<f64> = original
            .iter()
            .zip(&y)
            .map(|(&g, &a)| if a > 0.0 { g as f64 } else { 0.0 })
            .collect();
        assert_close(&format!("relu_backward {len}"), &grad, &want, |_| 0.0);
    }
}

#[test]
fn softmax_and_log_softmax_match_reference() {
    for &rows in &SIZES {
        for &cols in &SIZES {
            // Large logits check the max subtraction: exp(80) overflows f32 without it.
            let z: Vec<f32> = random(rows * cols, 5).iter().map(|v| v * 80.0).collect();
            let mut p = vec![0.0; z.len()];
            let mut log_p = vec![0.0; z.len()];
            kernels::softmax_rows(&z, cols, &mut p);
            kernels::log_softmax_rows(&z, cols, &mut log_p);

            let mut want_p = Vec::new();
            let mut want_log = Vec::new();
            for row in z.chunks(cols) {
                let top = row.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b as f64));
                let total: f64 = row.iter().map(|&v| (v as f64 - top).exp()).sum();
                want_p.extend(row.iter().map(|&v| (v as f64 - top).exp() / total));
                want_log.extend(row.iter().map(|&v| v as f64 - top - total.ln()));
            }
            assert_close(&format!("softmax {rows}×{cols}"), &p, &want_p, |_| 1e-6);
            assert_close(
                &format!("log_softmax {rows}×{cols}"),
                &log_p,
                &want_log,
                |i| 1e-5 * (1.0 + want_log[i].abs()),
            );
        }
    }
}

#[test]
fn reductions_match_reference() {
    for &len in &SIZES {
        let x = random(len, 11);
        let y = random(len, 12);
        let tol = 1e-5 * len as f64;

        let sum: f64 = x.iter().map(|&v| v as f64).sum();
        assert_close(&format!("sum {len}"), &[kernels::sum(&x)], &[sum], |_| tol);
        let dot: f64 = x.iter().zip(&y).map(|(&a, &b)| a as f64 * b as f64).sum();
        assert_close(
            &format!("dot {len}"),
            &[kernels::dot(&x, &y)],
            &[dot],
            |_| tol,
        );
        let max = x.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b as f64));
        assert_close(&format!("max {len}"), &[kernels::max(&x)], &[max], |_| 0.0);

        let mut z = y.clone();
        kernels::axpy(0.5, &x, &mut z);
        let want: Vec<f64> = x
            .iter()
            .zip(&y)
            .map(|(&a, &b)| b as f64 + 0.5 * a as f64)
            .collect();
        assert_close(&format!("axpy {len}"), &z, &want, |_| 1e-6);

        let mut norms = vec![0.0; 1];
        kernels::row_norms(&x, len, &mut norms);
        assert_close(&format!("row_norms {len}"), &norms, &[dot_self(&x)], |_| {
            tol
        });
    }
}

fn dot_self(x: &[f32]) -> f64 {
    x.iter().map(|&v| v as f64 * v as f64).sum::<f64>().sqrt()
}
