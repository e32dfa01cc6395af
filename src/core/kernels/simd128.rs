//! The kernels written with wasm simd128 intrinsics.
//!
//! Baseline wasm SIMD has no fused multiply-add, so every product term is an `f32x4.mul`
//! followed by an `f32x4.add`; the relaxed-SIMD `madd` is not used because its rounding is
//! allowed to differ between engines, and the scalar twin must agree with it.
//!
//! The matrix products share one register-blocked micro-kernel. It keeps a block of
//! `MR` rows × `4·NV` columns of `C` in registers (6 × 8: twelve accumulators, the count at
//! which the f32x4 peak is reached on this machine) while it walks `k`, loading a row of `B`
//! once per step and broadcasting one element of `A` per row:
//!
//! ```text
//! C[i..i+MR, j..j+4·NV] (+)= Σ_p A[i..i+MR, p] ⊗ B[p, j..j+4·NV]
//! ```
//!
//! `A` is read through two strides, so the same kernel computes `A·B` (A row-major) and `Aᵀ·B`
//! (A stored k×m). For `A·Bᵀ` the kernel first transposes `B` into a scratch buffer; that costs
//! `n·k` copies against `2·m·n·k` flops of the product.

use core::arch::wasm32::*;
use std::cell::RefCell;

use super::{Dims, Write};

/// Rows of `C` in one register block.
const MR: usize = 6;

/// Where `A(i, p)` lives: `a[i * row + p * col]`.
#[derive(Clone, Copy)]
struct Layout {
    row: usize,
    col: usize,
}

pub fn matmul(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
    let layout = Layout {
        row: dims.k,
        col: 1,
    };
    // SAFETY: `Dims::check` in the caller proved a, b and c hold m·k, k·n and m·n elements,
    // and `layout` addresses A(i, p) at i·k + p < m·k.
    unsafe { gemm(dims, a.as_ptr(), layout, b.as_ptr(), c.as_mut_ptr(), write) }
}

pub fn matmul_transpose_a(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
    let layout = Layout {
        row: 1,
        col: dims.m,
    };
    // SAFETY: as in `matmul`; A is stored k×m, so A(i, p) sits at p·m + i < k·m.
    unsafe { gemm(dims, a.as_ptr(), layout, b.as_ptr(), c.as_mut_ptr(), write) }
}

thread_local! {
    /// Holds `Bᵀ` for `matmul_transpose_b`; grows to the largest product seen, then stays.
    static TRANSPOSED: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

pub fn matmul_transpose_b(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
    let Dims { k, n, .. } = dims;
    TRANSPOSED.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        scratch.resize(k * n, 0.0);
        for (j, b_row) in b.chunks_exact(k.max(1)).enumerate().take(n) {
            for (p, value) in b_row.iter().enumerate() {
                scratch[p * n + j] = *value;
            }
        }
        matmul(dims, a, &scratch, c, write);
    });
}

/// # Safety
///
/// `a` must address every `A(i, p)` for `i < m`, `p < k` through `layout`; `b` must hold
/// `k·n` and `c` `m·n` readable (and for `c` writable) elements.
unsafe fn gemm(dims: Dims, a: *const f32, layout: Layout, b: *const f32, c: *mut f32, w: Write) {
    let Dims { m, k, n } = dims;
    let accumulate = w == Write::Accumulate;
    let b_panel = Panel { ptr: b, stride: n };

    let mut j = 0;
    while j + 8 <= n {
        let out = Panel {
            ptr: c.add(j),
            stride: n,
        };
        rows::<2>(m, k, a, layout, b_panel.offset(j), out, accumulate);
        j += 8;
    }
    if j + 4 <= n {
        let out = Panel {
            ptr: c.add(j),
            stride: n,
        };
        rows::<1>(m, k, a, layout, b_panel.offset(j), out, accumulate);
        j += 4;
    }
    if j < n {
        narrow_tail(dims, a, layout, b, c, j, accumulate);
    }
}

/// The last `n mod 4` columns. Scalar loops would cost as much as the vector panels beside
/// them (at n = 10 they are a fifth of the work), so the columns are copied into a zero-padded
/// `k × 4` panel, run through the same micro-kernel into a `MR × 4` buffer, and copied back.
unsafe fn narrow_tail(
    dims: Dims,
    a: *const f32,
    layout: Layout,
    b: *const f32,
    c: *mut f32,
    j: usize,
    accumulate: bool,
) {
    let Dims { m, k, n } = dims;
    let width = n - j;
    TAIL.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        scratch.clear();
        scratch.resize(k * 4, 0.0);
        for p in 0..k {
            for q in 0..width {
                scratch[p * 4 + q] = *b.add(p * n + j + q);
            }
        }

        let panel = Panel {
            ptr: scratch.as_ptr(),
            stride: 4,
        };
        let mut i = 0;
        while i < m {
            let rows = (m - i).min(MR);
            let mut out = [0.0f32; MR * 4];
            if accumulate {
                for r in 0..rows {
                    for q in 0..width {
                        out[r * 4 + q] = *c.add((i + r) * n + j + q);
                    }
                }
            }
            let target = Panel {
                ptr: out.as_mut_ptr(),
                stride: 4,
            };
            let a_rows = a.add(i * layout.row);
            match rows {
                MR => block::<MR, 1>(k, a_rows, layout, panel, target, true),
                5 => block::<5, 1>(k, a_rows, layout, panel, target, true),
                4 => block::<4, 1>(k, a_rows, layout, panel, target, true),
                3 => block::<3, 1>(k, a_rows, layout, panel, target, true),
                2 => block::<2, 1>(k, a_rows, layout, panel, target, true),
                _ => block::<1, 1>(k, a_rows, layout, panel, target, true),
            }
            for r in 0..rows {
                for q in 0..width {
                    *c.add((i + r) * n + j + q) = out[r * 4 + q];
                }
            }
            i += rows;
        }
    });
}

thread_local! {
    /// The zero-padded panel of [`narrow_tail`].
    static TAIL: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// A row-major matrix seen through a pointer to its first element and a row stride.
#[derive(Clone, Copy)]
struct Panel<P> {
    ptr: P,
    stride: usize,
}

impl Panel<*const f32> {
    unsafe fn offset(self, columns: usize) -> Self {
        Panel {
            ptr: self.ptr.add(columns),
            stride: self.stride,
        }
    }
}

/// One column panel of `C`, all `m` rows: full `MR` blocks, then the leftover rows.
#[inline(always)]
unsafe fn rows<const NV: usize>(
    m: usize,
    k: usize,
    a: *const f32,
    layout: Layout,
    b: Panel<*const f32>,
    c: Panel<*mut f32>,
    accumulate: bool,
) {
    let mut i = 0;
    while i + MR <= m {
        let out = Panel {
            ptr: c.ptr.add(i * c.stride),
            stride: c.stride,
        };
        block::<MR, NV>(k, a.add(i * layout.row), layout, b, out, accumulate);
        i += MR;
    }
    let a = a.add(i * layout.row);
    let out = Panel {
        ptr: c.ptr.add(i * c.stride),
        stride: c.stride,
    };
    match m - i {
        5 => block::<5, NV>(k, a, layout, b, out, accumulate),
        4 => block::<4, NV>(k, a, layout, b, out, accumulate),
        3 => block::<3, NV>(k, a, layout, b, out, accumulate),
        2 => block::<2, NV>(k, a, layout, b, out, accumulate),
        1 => block::<1, NV>(k, a, layout, b, out, accumulate),
        _ => {}
    }
}

/// The micro-kernel: `C[0..R, 0..4·NV] (+)= A[0..R, :]·B[:, 0..4·NV]`, with every pointer
/// already at the block's first row and column.
#[inline(always)]
unsafe fn block<const R: usize, const NV: usize>(
    k: usize,
    a: *const f32,
    layout: Layout,
    b: Panel<*const f32>,
    c: Panel<*mut f32>,
    accumulate: bool,
) {
    let mut acc = [[f32x4_splat(0.0); NV]; R];
    let mut a_col = a;
    let mut b_row = b.ptr;

    for _ in 0..k {
        let mut b_vec = [f32x4_splat(0.0); NV];
        for (v, slot) in b_vec.iter_mut().enumerate() {
            *slot = v128_load(b_row.add(4 * v) as *const v128);
        }
        for (r, acc_row) in acc.iter_mut().enumerate() {
            let a_splat = v128_load32_splat(a_col.add(r * layout.row) as *const u32);
            for (slot, b_v) in acc_row.iter_mut().zip(b_vec) {
                *slot = f32x4_add(*slot, f32x4_mul(a_splat, b_v));
            }
        }
        a_col = a_col.add(layout.col);
        b_row = b_row.add(b.stride);
    }

    for (r, acc_row) in acc.iter().enumerate() {
        let out = c.ptr.add(r * c.stride);
        for (v, value) in acc_row.iter().enumerate() {
            let dst = out.add(4 * v) as *mut v128;
            let value = if accumulate {
                f32x4_add(v128_load(dst), *value)
            } else {
                *value
            };
            v128_store(dst, value);
        }
    }
}

pub fn add_bias(c: &mut [f32], bias: &[f32]) {
    for row in c.chunks_exact_mut(bias.len()) {
        zip_apply(row, bias, |x, b| f32x4_add(x, b), |x, b| x + b);
    }
}

pub fn column_sums(a: &[f32], out: &mut [f32], write: Write) {
    if write == Write::Overwrite {
        out.fill(0.0);
    }
    for row in a.chunks_exact(out.len()) {
        zip_apply(out, row, |x, b| f32x4_add(x, b), |x, b| x + b);
    }
}

pub fn relu(x: &mut [f32]) {
    let zero = f32x4_splat(0.0);
    let mut chunks = x.chunks_exact_mut(4);
    for chunk in &mut chunks {
        // SAFETY: `chunks_exact_mut(4)` yields exactly four contiguous f32s.
        unsafe {
            let ptr = chunk.as_mut_ptr() as *mut v128;
            v128_store(ptr, f32x4_pmax(v128_load(ptr), zero));
        }
    }
    for value in chunks.into_remainder() {
        *value = value.max(0.0);
    }
}

pub fn relu_backward(grad: &mut [f32], activation: &[f32]) {
    let zero = f32x4_splat(0.0);
    let keep = |g: v128, a: v128| v128_and(g, f32x4_gt(a, zero));
    zip_apply(grad, activation, keep, |g, a| if a > 0.0 { g } else { 0.0 });
}

pub fn softmax_rows(logits: &[f32], cols: usize, out: &mut [f32]) {
    for (z, p) in logits.chunks_exact(cols).zip(out.chunks_exact_mut(cols)) {
        let top = max(z);
        // wasm has no vector exp; the exponentials are scalar, the reductions are not.
        for (p_k, z_k) in p.iter_mut().zip(z) {
            *p_k = (z_k - top).exp();
        }
        let total = sum(p);
        scale(1.0 / total, p);
    }
}

pub fn log_softmax_rows(logits: &[f32], cols: usize, out: &mut [f32]) {
    for (z, l) in logits.chunks_exact(cols).zip(out.chunks_exact_mut(cols)) {
        let top = max(z);
        for (l_k, z_k) in l.iter_mut().zip(z) {
            *l_k = (z_k - top).exp();
        }
        let shift = top + sum(l).ln();
        for (l_k, z_k) in l.iter_mut().zip(z) {
            *l_k = z_k - shift;
        }
    }
}

pub fn sum(x: &[f32]) -> f32 {
    reduce(
        x,
        f32x4_splat(0.0),
        |a, b| f32x4_add(a, b),
        |acc, v| acc + v,
        |a, b| a + b,
    )
}

pub fn max(x: &[f32]) -> f32 {
    let start = f32x4_splat(f32::NEG_INFINITY);
    reduce(x, start, |a, b| f32x4_pmax(a, b), f32::max, f32::max)
}

pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    let mut acc = [f32x4_splat(0.0); 2];
    let mut xs = x.chunks_exact(8);
    let mut ys = y.chunks_exact(8);
    for (cx, cy) in (&mut xs).zip(&mut ys) {
        // SAFETY: each chunk holds exactly eight contiguous f32s.
        unsafe {
            for (half, slot) in acc.iter_mut().enumerate() {
                let vx = v128_load(cx.as_ptr().add(4 * half) as *const v128);
                let vy = v128_load(cy.as_ptr().add(4 * half) as *const v128);
                *slot = f32x4_add(*slot, f32x4_mul(vx, vy));
            }
        }
    }
    let tail: f32 = xs
        .remainder()
        .iter()
        .zip(ys.remainder())
        .map(|(a, b)| a * b)
        .sum();
    horizontal(f32x4_add(acc[0], acc[1]), |a, b| a + b) + tail
}

pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    let a = f32x4_splat(alpha);
    zip_apply(
        y,
        x,
        |y, x| f32x4_add(y, f32x4_mul(a, x)),
        |y, x| y + alpha * x,
    );
}

pub fn scale(alpha: f32, x: &mut [f32]) {
    let a = f32x4_splat(alpha);
    let mut chunks = x.chunks_exact_mut(4);
    for chunk in &mut chunks {
        // SAFETY: `chunks_exact_mut(4)` yields exactly four contiguous f32s.
        unsafe {
            let ptr = chunk.as_mut_ptr() as *mut v128;
            v128_store(ptr, f32x4_mul(v128_load(ptr), a));
        }
    }
    for value in chunks.into_remainder() {
        *value *= alpha;
    }
}

/// `dst[i] = f(dst[i], src[i])`, four lanes at a time with `vector`, the tail with `scalar`.
#[inline(always)]
fn zip_apply(
    dst: &mut [f32],
    src: &[f32],
    vector: impl Fn(v128, v128) -> v128,
    scalar: impl Fn(f32, f32) -> f32,
) {
    let mut d = dst.chunks_exact_mut(4);
    let mut s = src.chunks_exact(4);
    for (cd, cs) in (&mut d).zip(&mut s) {
        // SAFETY: both chunks hold exactly four contiguous f32s.
        unsafe {
            let ptr = cd.as_mut_ptr() as *mut v128;
            v128_store(
                ptr,
                vector(v128_load(ptr), v128_load(cs.as_ptr() as *const v128)),
            );
        }
    }
    for (x, y) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *x = scalar(*x, *y);
    }
}

/// Folds `x` with a vector operation, then its four lanes and the tail with scalar ones.
#[inline(always)]
fn reduce(
    x: &[f32],
    start: v128,
    vector: impl Fn(v128, v128) -> v128,
    scalar: impl Fn(f32, f32) -> f32,
    lanes: impl Fn(f32, f32) -> f32,
) -> f32 {
    let mut acc = start;
    let mut chunks = x.chunks_exact(4);
    for chunk in &mut chunks {
        // SAFETY: `chunks_exact(4)` yields exactly four contiguous f32s.
        acc = vector(acc, unsafe { v128_load(chunk.as_ptr() as *const v128) });
    }
    let folded = horizontal(acc, lanes);
    chunks
        .remainder()
        .iter()
        .fold(folded, |total, value| scalar(total, *value))
}

#[inline(always)]
fn horizontal(v: v128, f: impl Fn(f32, f32) -> f32) -> f32 {
    let pair_a = f(f32x4_extract_lane::<0>(v), f32x4_extract_lane::<1>(v));
    let pair_b = f(f32x4_extract_lane::<2>(v), f32x4_extract_lane::<3>(v));
    f(pair_a, pair_b)
}
