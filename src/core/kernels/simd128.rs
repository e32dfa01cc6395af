//! The kernels written with wasm simd128 intrinsics.
//!
//! Baseline wasm SIMD has no fused multiply-add, so every product term is an `f32x4.mul`
//! followed by an `f32x4.add`. Relaxed SIMD adds `f32x4.relaxed_madd`, which an engine may
//! run fused (one rounding) or not; V8 on x64 with FMA fuses it. The products therefore come
//! in two builds of one micro-kernel, generic over the multiply-add ([`MulAdd`]):
//!
//! - the plain ones ([`matmul`] and its two transposes), baseline simd128, the same bits in
//!   every engine;
//! - [`fused`], with the `relaxed-simd` feature only. A module containing a relaxed-SIMD
//!   instruction fails validation where the engine lacks it (Safari, when this was
//!   written), so the app builds its worker twice and the page picks the build with
//!   `WebAssembly.validate`.
//!
//! In Chromium on this machine (`scripts/bench.sh --wasm`, five runs), a whole step's
//! products ran at 40.6–40.9 GFLOP/s on the plain kernel and 48.3–49.0 fused: 1.36–1.47× and
//! 1.62–1.76× ndarray. Fused is 19 % faster, not 2×, because the six loads a step stay (see
//! below); the fused peak of the bench's chains is itself about 14 % above the mul+add one
//! on this CPU. A 3 × 12 fused block, which needs no product temporary and so just fits
//! fifteen registers on paper, ran a step's products at 45.6 GFLOP/s against 48.5 for 4 × 8
//! fused in one run (its `Aᵀ·B` shapes lost most; 128 rows also leave a 2-row block).
//!
//! The matrix products share one register-blocked micro-kernel. It keeps a block of
//! `MR` rows × `4·NV` columns of `C` in registers (4 × 8: eight accumulators) while it walks
//! `k`, loading a row of `B` once per step and broadcasting one element of `A` per row:
//!
//! ```text
//! C[i..i+MR, j..j+4·NV] (+)= Σ_p A[i..i+MR, p] ⊗ B[p, j..j+4·NV]
//! ```
//!
//! Why 4 × 8 and not more: V8 leaves fifteen xmm registers to wasm code on x64, and a step
//! needs the accumulators, the `NV` vectors of `B`, the broadcasts and a product temporary.
//! LLVM loads all of a step's broadcasts before the first product, so each row costs a register
//! of its own. The integer registers are short too. Each of these lost to 4 × 8 in Chromium on
//! this machine (`scripts/bench.sh --wasm`, a whole step's products, where 4 × 8 ran at 41):
//!
//! | variant | GFLOP/s |
//! |---|---|
//! | 6 × 8 or 5 × 8 blocks (spill) | 20–25 |
//! | 5 × 8 with a compiler fence before each broadcast, against the early loads | 23.0 |
//! | 3 × 12 blocks (spill) | 27.5 |
//! | unrolling `k` by two (spill) | 0.95× ndarray |
//! | reading `Aᵀ·B`'s `A` in place with a runtime stride, no packing | 37.1 |
//! | `A` packed pre-broadcast (plain loads instead of `load32_splat`) | 38.0 |
//! | the same, one row block at a time against every panel packed up front | 36.3 |
//! | 64-byte-aligned scratch buffers, or a constant `B` stride | no change |
//! | one `v128.load` of `A` a step, split into broadcasts by four lane shuffles | 34.6, against 38 that hour |
//! | `A` pre-broadcast with every load offset folded (`-disable-lsr`; probe) | 42–43 at `k` = 256, as 4 × 8 |
//! | `A` read from one fixed address every step (probe) | no faster |
//! | 5 × 8 under LLVM's source-order scheduler (`-pre-RA-sched=source`), spill-free | 41 |
//!
//! The runtime stride is one more live integer register, and it slowed the packed products
//! too. Holding the broadcasts of `A` in registers instead of loading them each step (wrong
//! results, a probe only) ran the large shapes at 46–49 GFLOP/s, 88–93 % of the peak: the loads
//! of `A` and their address arithmetic are what 4 × 8 pays for. LLVM's loop strength
//! reduction leaves the address of every broadcast after the first, and of the second `B`
//! vector, as an `i32.add` instead of a load offset: three extra instructions a step. `-C llvm-args=-disable-lsr` folds them, but it gained about 1 % here
//! and changed ndarray's code as well, so it is not used.
//!
//! Where the remaining time goes. Over `k` = 16, 32, 64, 128, 256 and 512 at `m` = `n` = 128
//! the products ran at 35.8, 41.1, 41.1, 42.9, 43.0 and 42.4 GFLOP/s in one run, so packing
//! and the per-block set-up cost at most about 5 % at the MLP's `k` of 64 and 128; the loop
//! itself runs at about 84 % of the peak. The probes above point at the loads themselves:
//! the same six loads a step with fewer integer instructions, or from one fixed address, ran
//! no faster, and lane shuffles in their place are slower, because they share the
//! floating-point pipes with the products. Fewer loads per product needs more accumulators
//! than fifteen registers hold under LLVM's default scheduler, which issues a step's loads
//! before its products; the source-order scheduler lets 5 × 8 fit, but V8 then reloads the
//! memory base and checks the stack on every step, and the same flag makes ndarray about 15 %
//! faster. V8's x64 code for any of this: `bash scripts/bench.sh --code 'simd128::gemm'`.
//!
//! Both operands are packed first, through one routine ([`Tile::pack`]).
//!
//! - **`A`.** All of it goes into row blocks of `k` groups of `MR` values, so that the kernel
//!   reads `A` at fixed offsets whether it is stored `m×k` (`A·B`) or `k×m` (`Aᵀ·B`).
//! - **`B`.** It goes one column panel at a time into a contiguous `k × 8` buffer. The buffer
//!   is zero-padded when fewer than 8 columns are left, so the 10-class output layer's last two
//!   columns run through the same kernel. Each panel runs against every row block while it
//!   sits in L1.
//!
//! Contiguous rows are copied four lanes at a time. Contiguous columns (`A` of `A·B`, `B` of
//! `A·Bᵀ`) go through 4 × 4 tiles transposed in registers, so `A·Bᵀ` needs no transposed copy
//! of `B`. Measured: walking `B` in place, row by row with a stride of `n`, ran a whole step's
//! products at 27 to 32 GFLOP/s over three runs; packed, 36. Transposing `B` into scratch
//! before packing it, and copying `A` one value at a time, ran them at 37; the vector packing
//! brought them to 41. The pack must be monomorphised on its lane count: with a runtime count
//! the `Aᵀ·B` products fell to 30–32. Packing `Aᵀ·B`'s `A` in one sweep across its stored rows
//! was slower again, because the 32 write streams 2 KB apart collide in L1's sets.

use core::arch::wasm32::*;
use std::cell::RefCell;

use super::{Dims, Write};

/// Rows of `C` in one register block.
const MR: usize = 4;

/// Where element `(r, s)` of an operand lives: `ptr[r * row + s * col]`.
#[derive(Clone, Copy)]
struct Layout {
    row: usize,
    col: usize,
}

impl Layout {
    /// Row-major storage with `cols` columns.
    const fn rows_of(cols: usize) -> Self {
        Self { row: cols, col: 1 }
    }

    /// The same storage read as its transpose.
    const fn transposed(self) -> Self {
        Self {
            row: self.col,
            col: self.row,
        }
    }
}

pub fn matmul(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
    product(dims, plain_layouts(dims), a, b, c, write, gemm_separate);
}

pub fn matmul_transpose_a(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
    product(
        dims,
        transpose_a_layouts(dims),
        a,
        b,
        c,
        write,
        gemm_separate,
    );
}

pub fn matmul_transpose_b(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
    product(
        dims,
        transpose_b_layouts(dims),
        a,
        b,
        c,
        write,
        gemm_separate,
    );
}

/// The same three products on relaxed SIMD's `f32x4.relaxed_madd`, compiled only with the
/// `relaxed-simd` feature: a module that contains it fails validation in an engine without
/// relaxed SIMD (Safari, when this was written), so the app ships it as a second worker
/// build and picks one at start-up.
///
/// `relaxed_madd` may round once (fused) or twice, as the engine and CPU choose, so these
/// results may differ from [`matmul`]'s in the last bits; on x64 with FMA, V8 fuses.
#[cfg(feature = "relaxed-simd")]
pub mod fused {
    use super::*;

    pub fn matmul(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
        product(dims, plain_layouts(dims), a, b, c, write, gemm_fused);
    }

    pub fn matmul_transpose_a(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
        product(dims, transpose_a_layouts(dims), a, b, c, write, gemm_fused);
    }

    pub fn matmul_transpose_b(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
        product(dims, transpose_b_layouts(dims), a, b, c, write, gemm_fused);
    }
}

/// `A` (`m×k`) and `B` (`k×n`), both row-major.
fn plain_layouts(dims: Dims) -> (Layout, Layout) {
    (Layout::rows_of(dims.k), Layout::rows_of(dims.n))
}

/// `A` stored `k×m`, `B` row-major.
fn transpose_a_layouts(dims: Dims) -> (Layout, Layout) {
    (
        Layout::rows_of(dims.m).transposed(),
        Layout::rows_of(dims.n),
    )
}

/// `A` row-major, `B` stored `n×k`.
fn transpose_b_layouts(dims: Dims) -> (Layout, Layout) {
    (
        Layout::rows_of(dims.k),
        Layout::rows_of(dims.k).transposed(),
    )
}

/// One product as [`gemm`] reads it: `C (+)= A·B` with `A` (`m×k`) and `B` (`k×n`) read
/// through their layouts and `C` row-major `m×n`.
#[derive(Clone, Copy)]
struct Operands {
    dims: Dims,
    a: *const f32,
    a_at: Layout,
    b: *const f32,
    b_at: Layout,
    c: *mut f32,
    write: Write,
}

/// The packing-and-blocking driver for one multiply-add, as [`gemm`] documents.
type Gemm = unsafe fn(Operands);

/// `C (+)= A·B` with `A` (`m×k`) and `B` (`k×n`) read through their layouts, by `gemm`.
fn product(
    dims: Dims,
    (a_at, b_at): (Layout, Layout),
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    write: Write,
    gemm: Gemm,
) {
    let Dims { m, k, n } = dims;
    let last = |at: Layout, rows: usize, cols: usize| (rows - 1) * at.row + (cols - 1) * at.col;
    if m == 0 || k == 0 || n == 0 {
        if write == Write::Overwrite {
            c.fill(0.0);
        }
        return;
    }
    assert!(
        last(a_at, m, k) < a.len() && last(b_at, k, n) < b.len() && c.len() >= m * n,
        "product operands out of bounds"
    );
    // SAFETY: the assert proved that the layouts address every A(i, p) and B(p, q) inside `a`
    // and `b` (both layouts grow with each index, so the last element is the farthest), and
    // that `c` holds m·n values.
    unsafe {
        gemm(Operands {
            dims,
            a: a.as_ptr(),
            a_at,
            b: b.as_ptr(),
            b_at,
            c: c.as_mut_ptr(),
            write,
        })
    }
}

thread_local! {
    /// All of `A` packed by row blocks, and the current column panel of `B` (both by
    /// [`Tile::pack`]); both grow to the largest product seen, then stay.
    static PACKED: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// [`gemm`] on `f32x4.mul` then `f32x4.add`.
///
/// Kept out of line: inlined into its one caller, it ran a whole step's products at 40.2
/// GFLOP/s instead of 41.3 (`scripts/bench.sh --wasm`), V8 allocating registers differently.
///
/// # Safety
///
/// As for [`gemm`].
#[inline(never)]
unsafe fn gemm_separate(operands: Operands) {
    gemm::<Separate>(operands)
}

/// [`gemm`] on `f32x4.relaxed_madd`. The target feature is on this function alone, so that
/// the module needs relaxed SIMD only where it uses it and the rest of the crate compiles as
/// before; everything `gemm` inlines is compiled with it.
///
/// # Safety
///
/// As for [`gemm`].
#[cfg(feature = "relaxed-simd")]
#[target_feature(enable = "relaxed-simd")]
#[inline(never)]
unsafe fn gemm_fused(operands: Operands) {
    gemm::<Fused>(operands)
}

/// One term of a product, `acc + a·b` on four lanes: what the micro-kernel is generic over.
trait MulAdd {
    /// # Safety
    ///
    /// Only for an implementation that needs a target feature: the caller has it.
    unsafe fn madd(acc: v128, a: v128, b: v128) -> v128;
}

/// `f32x4.mul` then `f32x4.add`: two roundings, the same in every engine.
struct Separate;

impl MulAdd for Separate {
    #[inline(always)]
    unsafe fn madd(acc: v128, a: v128, b: v128) -> v128 {
        f32x4_add(acc, f32x4_mul(a, b))
    }
}

/// `f32x4.relaxed_madd`: one rounding where the engine fuses it (V8 on x64 with FMA).
#[cfg(feature = "relaxed-simd")]
struct Fused;

#[cfg(feature = "relaxed-simd")]
impl MulAdd for Fused {
    #[inline(always)]
    unsafe fn madd(acc: v128, a: v128, b: v128) -> v128 {
        f32x4_relaxed_madd(a, b, acc)
    }
}

/// Packs the operands and runs every row block against every column panel.
///
/// # Safety
///
/// `a` must address every `A(i, p)` for `i < m`, `p < k` through `a_at`, and `b` every
/// `B(p, q)` for `p < k`, `q < n` through `b_at`; `c` must hold `m·n` writable elements.
#[inline(always)]
unsafe fn gemm<M: MulAdd>(operands: Operands) {
    let Operands {
        dims,
        a,
        a_at,
        b,
        b_at,
        c,
        write: w,
    } = operands;
    let Dims { m, k, n } = dims;
    let accumulate = w == Write::Accumulate;
    let blocks = m.div_ceil(MR);

    PACKED.with(|scratch| {
        let (packed_a, panel) = &mut *scratch.borrow_mut();
        // Each row block of A becomes k groups of MR values, A(i + r, p) at p·MR + r: the
        // block's transpose, so the micro-kernel reads a step's values from one place at
        // fixed offsets however A is stored.
        packed_a.resize(blocks * k * MR, 0.0);
        for (block, packed) in packed_a.chunks_exact_mut(k * MR).enumerate() {
            let i = block * MR;
            let tile = Tile {
                src: a.add(i * a_at.row),
                at: a_at.transposed(),
                rows: k,
                cols: (m - i).min(MR),
            };
            tile.pack::<MR>(packed);
        }

        // Column panels of 8 (the last one may be 4, or padded), each packed once and then
        // run against every row block while it sits in L1.
        let mut j = 0;
        while j < n {
            let width = (n - j).min(8);
            let lanes = if width > 4 { 8 } else { 4 };
            panel.resize(k * lanes, 0.0);
            let tile = Tile {
                src: b.add(j * b_at.col),
                at: b_at,
                rows: k,
                cols: width,
            };
            if lanes == 8 {
                tile.pack::<8>(panel);
            } else {
                tile.pack::<4>(panel);
            }
            let b_panel = Panel {
                ptr: panel.as_ptr(),
                stride: lanes,
            };
            for block in 0..blocks {
                let i = block * MR;
                let rows = RowBlock {
                    k,
                    a: packed_a.as_ptr().add(block * k * MR),
                    rows: (m - i).min(MR),
                    c: Panel {
                        ptr: c.add(i * n),
                        stride: n,
                    },
                    accumulate,
                };
                match (lanes, width == lanes) {
                    (8, true) => rows.run::<M, 2>(b_panel, j),
                    (8, false) => rows.run_narrow::<M, 2>(b_panel, j, width),
                    (_, true) => rows.run::<M, 1>(b_panel, j),
                    (_, false) => rows.run_narrow::<M, 1>(b_panel, j, width),
                }
            }
            j += width;
        }
    });
}

/// A `rows × cols` block of an operand: element `(r, s)` at `src[r * at.row + s * at.col]`.
struct Tile {
    src: *const f32,
    at: Layout,
    rows: usize,
    cols: usize,
}

impl Tile {
    /// Copies the block into `dst` as a row-major `rows × lanes` matrix, zero past `cols`.
    ///
    /// Two layouts take a vector path, and between them they cover every full block the
    /// products pack: rows stored contiguously are copied four lanes at a time, and columns
    /// stored contiguously (a transposed operand) go through 4 × 4 tiles transposed in
    /// registers. A scalar copy with strided stores cost as much as a third of the product it
    /// prepared.
    ///
    /// # Safety
    ///
    /// `src` must address every element of the block; `lanes` must be a multiple of 4 and at
    /// least `cols`, and `dst` must hold `rows·lanes` values.
    #[inline(always)]
    unsafe fn pack<const LANES: usize>(&self, dst: &mut [f32]) {
        let lanes = LANES;
        let Tile {
            src,
            at,
            rows,
            cols,
        } = *self;
        assert!(lanes.is_multiple_of(4) && cols <= lanes && dst.len() >= rows * lanes);
        let out = dst.as_mut_ptr();
        let mut from = 0;
        if cols == lanes && at.col == 1 {
            for r in 0..rows {
                for v in (0..lanes).step_by(4) {
                    let value = v128_load(src.add(r * at.row + v) as *const v128);
                    v128_store(out.add(r * lanes + v) as *mut v128, value);
                }
            }
            from = rows;
        } else if cols == lanes && at.row == 1 {
            from = rows - rows % 4;
            for r in (0..from).step_by(4) {
                for v in (0..lanes).step_by(4) {
                    // Columns v..v+4 of rows r..r+4: each column is four contiguous values.
                    let load = |s: usize| v128_load(src.add((v + s) * at.col + r) as *const v128);
                    let tile = transpose4([load(0), load(1), load(2), load(3)]);
                    for (q, row) in tile.into_iter().enumerate() {
                        v128_store(out.add((r + q) * lanes + v) as *mut v128, row);
                    }
                }
            }
        }
        for r in from..rows {
            for s in 0..lanes {
                *out.add(r * lanes + s) = if s < cols {
                    *src.add(r * at.row + s * at.col)
                } else {
                    0.0
                };
            }
        }
    }
}

/// Transposes a 4 × 4 tile held in four vectors, by eight lane shuffles.
#[inline(always)]
fn transpose4([r0, r1, r2, r3]: [v128; 4]) -> [v128; 4] {
    let t0 = i32x4_shuffle::<0, 4, 1, 5>(r0, r1);
    let t1 = i32x4_shuffle::<2, 6, 3, 7>(r0, r1);
    let t2 = i32x4_shuffle::<0, 4, 1, 5>(r2, r3);
    let t3 = i32x4_shuffle::<2, 6, 3, 7>(r2, r3);
    [
        i32x4_shuffle::<0, 1, 4, 5>(t0, t2),
        i32x4_shuffle::<2, 3, 6, 7>(t0, t2),
        i32x4_shuffle::<0, 1, 4, 5>(t1, t3),
        i32x4_shuffle::<2, 3, 6, 7>(t1, t3),
    ]
}

/// A row-major matrix seen through a pointer to its first element and a row stride.
#[derive(Clone, Copy)]
struct Panel<P> {
    ptr: P,
    stride: usize,
}

/// One packed row block of `A` and the rows of `C` it produces.
struct RowBlock {
    k: usize,
    /// The block, packed by [`Tile::pack`] as in [`gemm`].
    a: *const f32,
    /// Rows in this block, `1..=MR`.
    rows: usize,
    /// Row `0` of the block's rows of `C`.
    c: Panel<*mut f32>,
    accumulate: bool,
}

impl RowBlock {
    /// `C[.., j..j+4·NV] (+)= A_block · B[:, j..j+4·NV]`, `b` already at column `j`.
    #[inline(always)]
    unsafe fn run<M: MulAdd, const NV: usize>(&self, b: Panel<*const f32>, j: usize) {
        let c = Panel {
            ptr: self.c.ptr.add(j),
            stride: self.c.stride,
        };
        match self.rows {
            rows if rows == MR => block::<M, MR, NV>(self.k, self.a, b, c, self.accumulate),
            4 => block::<M, 4, NV>(self.k, self.a, b, c, self.accumulate),
            3 => block::<M, 3, NV>(self.k, self.a, b, c, self.accumulate),
            2 => block::<M, 2, NV>(self.k, self.a, b, c, self.accumulate),
            _ => block::<M, 1, NV>(self.k, self.a, b, c, self.accumulate),
        }
    }

    /// Columns `j..j+width` from a panel padded to `4·NV` lanes, through an `MR × 4·NV`
    /// buffer so that nothing past `width` is written.
    ///
    /// Inlined so that it is compiled with the caller's target features.
    #[inline(always)]
    unsafe fn run_narrow<M: MulAdd, const NV: usize>(
        &self,
        b: Panel<*const f32>,
        j: usize,
        width: usize,
    ) {
        let lanes = 4 * NV;
        let mut out = [0.0f32; MR * 8];
        if self.accumulate {
            for r in 0..self.rows {
                for q in 0..width {
                    out[r * lanes + q] = *self.c.ptr.add(r * self.c.stride + j + q);
                }
            }
        }
        let buffer = RowBlock {
            c: Panel {
                ptr: out.as_mut_ptr(),
                stride: lanes,
            },
            accumulate: true,
            ..*self
        };
        buffer.run::<M, NV>(b, 0);
        for r in 0..self.rows {
            for q in 0..width {
                *self.c.ptr.add(r * self.c.stride + j + q) = out[r * lanes + q];
            }
        }
    }
}

/// The micro-kernel: `C[0..R, 0..4·NV] (+)= A[0..R, :]·B[:, 0..4·NV]`, with `a` a block
/// packed by [`Tile::pack`] and `b`, `c` at the block's first column.
#[inline(always)]
unsafe fn block<M: MulAdd, const R: usize, const NV: usize>(
    k: usize,
    a: *const f32,
    b: Panel<*const f32>,
    c: Panel<*mut f32>,
    accumulate: bool,
) {
    let mut acc = [[f32x4_splat(0.0); NV]; R];
    let mut a_step = a;
    let mut b_row = b.ptr;

    for _ in 0..k {
        let mut b_vec = [f32x4_splat(0.0); NV];
        for (v, slot) in b_vec.iter_mut().enumerate() {
            *slot = v128_load(b_row.add(4 * v) as *const v128);
        }
        for (r, acc_row) in acc.iter_mut().enumerate() {
            let a_splat = v128_load32_splat(a_step.add(r) as *const u32);
            for (slot, b_v) in acc_row.iter_mut().zip(b_vec) {
                *slot = M::madd(*slot, a_splat, b_v);
            }
        }
        a_step = a_step.add(MR);
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
