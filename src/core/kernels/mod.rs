//! The dense kernels that training and evaluation run on.
//!
//! Every kernel works on contiguous row-major `f32` slices (the `as_slice()` of an ndarray in
//! standard layout) and has two implementations:
//!
//! - [`simd128`]: hand-written with `core::arch::wasm32` intrinsics, compiled when the target is
//!   wasm32 with the `simd128` feature (this crate turns it on in `.cargo/config.toml`);
//! - [`scalar`]: plain Rust, always compiled, used on the host and as the reference twin.
//!
//! The free functions in this module pick the SIMD path when it exists and the scalar one
//! otherwise, so callers never name a platform. With the `relaxed-simd` feature the three
//! products run on [`simd128::fused`] instead, relaxed SIMD's multiply-add; see [`use_fused`].
//!
//! ```text
//! matmul             C ← A·B   (+ C)     A: m×k, B: k×n, C: m×n
//! matmul_transpose_b C ← A·Bᵀ  (+ C)     A: m×k, B: n×k
//! matmul_transpose_a C ← Aᵀ·B  (+ C)     A: k×m, B: k×n
//! ```

pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd128;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use scalar as active;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use simd128 as active;

/// The three matrix products, which alone have a relaxed-SIMD variant: here, without one.
#[cfg(not(all(
    target_arch = "wasm32",
    target_feature = "simd128",
    feature = "relaxed-simd"
)))]
mod products {
    pub use super::active::{matmul, matmul_transpose_a, matmul_transpose_b};

    pub fn set_fused(_on: bool) {}

    pub fn fused() -> bool {
        false
    }
}

/// With the `relaxed-simd` feature, the products run on [`simd128::fused`] unless
/// [`use_fused`] turned it off (the bench and the tests compare both in one build). One
/// relaxed atomic load per product: nothing at these sizes.
#[cfg(all(
    target_arch = "wasm32",
    target_feature = "simd128",
    feature = "relaxed-simd"
))]
mod products {
    use core::sync::atomic::{AtomicBool, Ordering};

    use super::{simd128, Dims, Write};

    static FUSED: AtomicBool = AtomicBool::new(true);

    pub fn set_fused(on: bool) {
        FUSED.store(on, Ordering::Relaxed);
    }

    pub fn fused() -> bool {
        FUSED.load(Ordering::Relaxed)
    }

    type Product = fn(Dims, &[f32], &[f32], &mut [f32], Write);

    /// The fused product while [`FUSED`] is on, the plain one otherwise.
    fn pick(fused_product: Product, plain: Product) -> Product {
        if fused() {
            fused_product
        } else {
            plain
        }
    }

    pub fn matmul(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
        pick(simd128::fused::matmul, simd128::matmul)(dims, a, b, c, write)
    }

    pub fn matmul_transpose_a(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
        let run = pick(
            simd128::fused::matmul_transpose_a,
            simd128::matmul_transpose_a,
        );
        run(dims, a, b, c, write)
    }

    pub fn matmul_transpose_b(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
        let run = pick(
            simd128::fused::matmul_transpose_b,
            simd128::matmul_transpose_b,
        );
        run(dims, a, b, c, write)
    }
}

/// Whether the hand-written simd128 path is compiled into this build.
pub const SIMD128: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// Whether this build has the products on relaxed SIMD's `f32x4.relaxed_madd` (the
/// `relaxed-simd` feature on wasm32 with simd128). They are on by default where compiled.
pub const FUSED_COMPILED: bool = SIMD128 && cfg!(feature = "relaxed-simd");

/// Turns the relaxed-SIMD products on or off, where they are compiled; returns whether they
/// are now in use. For comparing both paths in one build: the bench and the browser tests.
pub fn use_fused(on: bool) -> bool {
    products::set_fused(on);
    fused()
}

/// Whether the products currently run on `f32x4.relaxed_madd`.
pub fn fused() -> bool {
    products::fused()
}

/// The kernels in use, as the app and the bench name them.
pub fn name() -> &'static str {
    if fused() {
        "simd128 + relaxed madd"
    } else if SIMD128 {
        "simd128"
    } else {
        "scalar"
    }
}

/// Whether a product overwrites its output or adds to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    /// `C ← A·B`
    Overwrite,
    /// `C ← C + A·B`
    Accumulate,
}

/// Shape of a matrix product: `A` is `m×k`, `B` is `k×n`, `C` is `m×n` (before any transpose).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dims {
    pub m: usize,
    pub k: usize,
    pub n: usize,
}

impl Dims {
    pub const fn new(m: usize, k: usize, n: usize) -> Self {
        Self { m, k, n }
    }

    /// Floating-point operations in one product (a multiply and an add per term).
    pub fn flops(&self) -> f64 {
        2.0 * self.m as f64 * self.k as f64 * self.n as f64
    }

    fn check(&self, a: usize, b: usize, c: usize) {
        let Dims { m, k, n } = *self;
        assert!(a == m * k, "A has {a} elements, expected {m}×{k}");
        assert!(b == k * n, "B has {b} elements, expected {k}×{n}");
        assert!(c == m * n, "C has {c} elements, expected {m}×{n}");
    }
}

/// `C ← A·B` (or `C += A·B`), with `A: m×k`, `B: k×n`, `C: m×n`, all row-major.
pub fn matmul(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
    dims.check(a.len(), b.len(), c.len());
    products::matmul(dims, a, b, c, write);
}

/// `C ← A·Bᵀ` (or `C += A·Bᵀ`), with `A: m×k`, `B: n×k`, `C: m×n`, all row-major.
pub fn matmul_transpose_b(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
    dims.check(a.len(), b.len(), c.len());
    products::matmul_transpose_b(dims, a, b, c, write);
}

/// `C ← Aᵀ·B` (or `C += Aᵀ·B`), with `A: k×m`, `B: k×n`, `C: m×n`, all row-major.
pub fn matmul_transpose_a(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
    dims.check(a.len(), b.len(), c.len());
    products::matmul_transpose_a(dims, a, b, c, write);
}

/// Adds `bias` to every row of the row-major `rows × bias.len()` matrix `c`.
pub fn add_bias(c: &mut [f32], bias: &[f32]) {
    assert!(
        !bias.is_empty() && c.len().is_multiple_of(bias.len()),
        "bias does not divide the matrix"
    );
    active::add_bias(c, bias);
}

/// `out[j] (+)= Σ_i a[i, j]` over the rows of the row-major matrix `a` with `out.len()` columns.
pub fn column_sums(a: &[f32], out: &mut [f32], write: Write) {
    assert!(
        !out.is_empty() && a.len().is_multiple_of(out.len()),
        "columns do not divide the matrix"
    );
    active::column_sums(a, out, write);
}

/// `x ← max(x, 0)` in place.
pub fn relu(x: &mut [f32]) {
    active::relu(x);
}

/// Zeroes `grad` wherever the ReLU output `activation` is not positive.
pub fn relu_backward(grad: &mut [f32], activation: &[f32]) {
    assert_eq!(
        grad.len(),
        activation.len(),
        "gradient and activation differ in length"
    );
    active::relu_backward(grad, activation);
}

/// Row-wise softmax of the row-major `logits` with `cols` columns, written to `out`.
///
/// ```text
/// out[i, k] = exp(z[i, k] − max_j z[i, j]) / Σ_j exp(z[i, j] − max_j z[i, j])
/// ```
pub fn softmax_rows(logits: &[f32], cols: usize, out: &mut [f32]) {
    check_rows(logits, cols, out);
    active::softmax_rows(logits, cols, out);
}

/// Panics unless `logits` is whole rows of `cols` and `out` is as long.
fn check_rows(logits: &[f32], cols: usize, out: &[f32]) {
    assert!(
        cols > 0 && logits.len().is_multiple_of(cols),
        "columns do not divide the logits"
    );
    assert_eq!(
        logits.len(),
        out.len(),
        "output differs in length from the logits"
    );
}

/// Row-wise log-softmax: `out[i, k] = z[i, k] − max_j z[i, j] − log Σ_j exp(z[i, j] − max)`.
pub fn log_softmax_rows(logits: &[f32], cols: usize, out: &mut [f32]) {
    check_rows(logits, cols, out);
    active::log_softmax_rows(logits, cols, out);
}

/// `Σ x_i`, accumulated in several lanes (so it may differ from a serial sum in the last bits).
pub fn sum(x: &[f32]) -> f32 {
    active::sum(x)
}

/// `Σ x_i y_i`.
pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    assert_eq!(x.len(), y.len(), "dot of slices with different lengths");
    active::dot(x, y)
}

/// `max_i x_i`, or −∞ for an empty slice.
pub fn max(x: &[f32]) -> f32 {
    active::max(x)
}

/// `y ← y + α·x`.
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "axpy of slices with different lengths");
    active::axpy(alpha, x, y);
}

/// `x ← α·x`.
pub fn scale(alpha: f32, x: &mut [f32]) {
    active::scale(alpha, x);
}

/// The Euclidean norm of each row of the row-major matrix `a` with `cols` columns.
pub fn row_norms(a: &[f32], cols: usize, out: &mut [f32]) {
    assert!(
        cols > 0 && a.len() == out.len() * cols,
        "row norms: shape mismatch"
    );
    for (row, norm) in a.chunks_exact(cols).zip(out.iter_mut()) {
        *norm = dot(row, row).sqrt();
    }
}
