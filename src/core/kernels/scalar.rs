//! The scalar twin of every kernel: plain Rust, always compiled.
//!
//! On the host this is the path the tests and the native benchmark run; on wasm32 it is the
//! reference the simd128 kernels are checked against. Loops are ordered so that the innermost
//! one walks contiguous memory, which also lets LLVM vectorise them on the host.

use super::{Dims, Write};

pub fn matmul(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
    let Dims { m, k, n } = dims;
    if write == Write::Overwrite {
        c.fill(0.0);
    }

    for i in 0..m {
        let c_row = &mut c[i * n..(i + 1) * n];
        for p in 0..k {
            let a_ip = a[i * k + p];
            let b_row = &b[p * n..(p + 1) * n];
            for (c_ij, b_pj) in c_row.iter_mut().zip(b_row) {
                *c_ij += a_ip * b_pj;
            }
        }
    }
}

pub fn matmul_transpose_b(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
    let Dims { m, k, n } = dims;
    for i in 0..m {
        let a_row = &a[i * k..(i + 1) * k];
        for j in 0..n {
            let b_row = &b[j * k..(j + 1) * k];
            let value = dot(a_row, b_row);
            match write {
                Write::Overwrite => c[i * n + j] = value,
                Write::Accumulate => c[i * n + j] += value,
            }
        }
    }
}

pub fn matmul_transpose_a(dims: Dims, a: &[f32], b: &[f32], c: &mut [f32], write: Write) {
    let Dims { m, k, n } = dims;
    if write == Write::Overwrite {
        c.fill(0.0);
    }

    for p in 0..k {
        let b_row = &b[p * n..(p + 1) * n];
        for i in 0..m {
            let a_pi = a[p * m + i];
            let c_row = &mut c[i * n..(i + 1) * n];
            for (c_ij, b_pj) in c_row.iter_mut().zip(b_row) {
                *c_ij += a_pi * b_pj;
            }
        }
    }
}

pub fn add_bias(c: &mut [f32], bias: &[f32]) {
    for row in c.chunks_exact_mut(bias.len()) {
        for (value, b) in row.iter_mut().zip(bias) {
            *value += b;
        }
    }
}

pub fn column_sums(a: &[f32], out: &mut [f32], write: Write) {
    if write == Write::Overwrite {
        out.fill(0.0);
    }
    for row in a.chunks_exact(out.len()) {
        for (total, value) in out.iter_mut().zip(row) {
            *total += value;
        }
    }
}

pub fn relu(x: &mut [f32]) {
    for value in x {
        *value = value.max(0.0);
    }
}

pub fn relu_backward(grad: &mut [f32], activation: &[f32]) {
    for (g, a) in grad.iter_mut().zip(activation) {
        if *a <= 0.0 {
            *g = 0.0;
        }
    }
}

pub fn softmax_rows(logits: &[f32], cols: usize, out: &mut [f32]) {
    for (z, p) in logits.chunks_exact(cols).zip(out.chunks_exact_mut(cols)) {
        let top = max(z);
        let mut total = 0.0;
        for (p_k, z_k) in p.iter_mut().zip(z) {
            *p_k = (z_k - top).exp();
            total += *p_k;
        }
        scale(1.0 / total, p);
    }
}

pub fn log_softmax_rows(logits: &[f32], cols: usize, out: &mut [f32]) {
    for (z, l) in logits.chunks_exact(cols).zip(out.chunks_exact_mut(cols)) {
        let top = max(z);
        let total: f32 = z.iter().map(|z_k| (z_k - top).exp()).sum();
        let shift = top + total.ln();
        for (l_k, z_k) in l.iter_mut().zip(z) {
            *l_k = z_k - shift;
        }
    }
}

pub fn sum(x: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 4];
    let mut chunks = x.chunks_exact(4);
    for chunk in &mut chunks {
        for (lane, value) in lanes.iter_mut().zip(chunk) {
            *lane += value;
        }
    }
    let tail: f32 = chunks.remainder().iter().sum();
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}

pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 4];
    let mut xs = x.chunks_exact(4);
    let mut ys = y.chunks_exact(4);
    for (cx, cy) in (&mut xs).zip(&mut ys) {
        for lane in 0..4 {
            lanes[lane] += cx[lane] * cy[lane];
        }
    }
    let tail: f32 = xs
        .remainder()
        .iter()
        .zip(ys.remainder())
        .map(|(a, b)| a * b)
        .sum();
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}

pub fn max(x: &[f32]) -> f32 {
    x.iter().copied().fold(f32::NEG_INFINITY, f32::max)
}

pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    for (y_i, x_i) in y.iter_mut().zip(x) {
        *y_i += alpha * x_i;
    }
}

pub fn scale(alpha: f32, x: &mut [f32]) {
    for value in x {
        *value *= alpha;
    }
}
