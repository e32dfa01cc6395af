//! The multilayer perceptron both twins are: ReLU hidden layers, then a linear or cosine head.
//!
//! Weights are stored `inputs × outputs`, so a layer's forward pass is one `X·W` and its
//! backward pass one `Xᵀ·dZ` and one `dZ·Wᵀ`, the three products of [`super::kernels`].
//!
//! ```text
//! free head     z_k = hᵀW_k + b_k
//! cosine head   z_k = s·cos(h, W_k) = s·(h/‖h‖)ᵀ(W_k/‖W_k‖)
//! ```
//!
//! `h` is the penultimate activation. Its row `[W_k ; b_k]` is class k's template
//! (SCIENCE.md §3): with `x = [h ; 1]`, `z_k = xᵀ[W_k ; b_k]`.

use ndarray::{Array1, Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::kernels::{self, Dims, Write};

/// Smallest norm a cosine head divides by, so an all-zero ReLU feature gives a zero cosine.
const NORM_FLOOR: f32 = 1e-6;

/// The last layer.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Head {
    /// A linear layer with bias: the logit scale is free to grow.
    Free,
    /// `z_k = s·cos(h, W_k)`: the logit scale is pinned at `scale`, only angles can move.
    Cosine { scale: f32 },
}

/// The shape of a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Input features per example (64 for the 8×8 digits).
    pub inputs: usize,
    /// Widths of the ReLU layers; the last one is the penultimate (feature) layer.
    /// [`ModelConfig::DEFAULT_HIDDEN`] trains the digits to ~97% in a few seconds.
    pub hidden: Vec<usize>,
    /// Number of classes K.
    pub classes: usize,
    /// Default [`Head::Free`].
    pub head: Head,
}

impl ModelConfig {
    pub const DEFAULT_HIDDEN: [usize; 2] = [128, 64];

    /// Width of the penultimate layer, `d`.
    pub fn feature_width(&self) -> usize {
        self.hidden.last().copied().unwrap_or(self.inputs)
    }

    /// Floating-point operations of one forward and backward pass per example.
    pub fn training_flops_per_example(&self) -> f64 {
        let mut widths = vec![self.inputs];
        widths.extend(&self.hidden);
        widths.push(self.classes);
        let products: f64 = widths.windows(2).map(|w| 2.0 * (w[0] * w[1]) as f64).sum();
        let first = 2.0 * (widths[0] * widths[1]) as f64;
        // Forward, weight gradient, and input gradient for every layer but the first.
        3.0 * products - first
    }
}

/// One fully connected layer, `inputs × outputs` weights and `outputs` biases.
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    pub weight: Array2<f32>,
    pub bias: Array1<f32>,
}

impl Dense {
    fn zeros(inputs: usize, outputs: usize) -> Self {
        Self {
            weight: Array2::zeros((inputs, outputs)),
            bias: Array1::zeros(outputs),
        }
    }

    /// Uniform in `±bound` with `bound = sqrt(gain / inputs)`; biases start at zero.
    fn random(inputs: usize, outputs: usize, gain: f32, rng: &mut ChaCha8Rng) -> Self {
        let bound = (gain / inputs as f32).sqrt();
        let weight =
            Array2::from_shape_simple_fn((inputs, outputs), || rng.gen_range(-bound..bound));
        Self {
            weight,
            bias: Array1::zeros(outputs),
        }
    }
}

/// The per-batch buffers of a forward and backward pass, reused from step to step.
#[derive(Clone, Debug)]
pub struct Activations {
    rows: usize,
    /// Post-ReLU output of each hidden layer, `rows × width`.
    pub hidden: Vec<Array2<f32>>,
    /// The head's input: `h` for a free head, `h/‖h‖` for a cosine head. `rows × d`.
    pub head_input: Array2<f32>,
    /// `‖h‖` per row.
    pub feature_norms: Vec<f32>,
    /// `rows × K`.
    pub logits: Array2<f32>,
    /// Cosine head only: the column-normalised weights `d × K` and the column norms.
    unit_weight: Array2<f32>,
    weight_norms: Vec<f32>,
    /// Gradient buffers, one per hidden layer.
    grad_hidden: Vec<Array2<f32>>,
    grad_head_input: Array2<f32>,
    grad_unit_weight: Array2<f32>,
}

impl Activations {
    pub fn new(config: &ModelConfig, rows: usize) -> Self {
        let d = config.feature_width();
        let k = config.classes;
        let per_layer = || {
            config
                .hidden
                .iter()
                .map(|&w| Array2::zeros((rows, w)))
                .collect()
        };
        Self {
            rows,
            hidden: per_layer(),
            head_input: Array2::zeros((rows, d)),
            feature_norms: vec![0.0; rows],
            logits: Array2::zeros((rows, k)),
            unit_weight: Array2::zeros((d, k)),
            weight_norms: vec![0.0; k],
            grad_hidden: per_layer(),
            grad_head_input: Array2::zeros((rows, d)),
            grad_unit_weight: Array2::zeros((d, k)),
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The penultimate activations `h`, `rows × d`.
    pub fn features(&self) -> &Array2<f32> {
        self.hidden
            .last()
            .expect("a model has at least one hidden layer")
    }
}

/// A ReLU MLP with its gradients.
#[derive(Clone, Debug)]
pub struct Mlp {
    config: ModelConfig,
    /// Hidden layers, then the head.
    layers: Vec<Dense>,
    gradients: Vec<Dense>,
}

impl Mlp {
    /// A model whose weights depend only on `config` and `seed`, on every platform: the
    /// generator is ChaCha8 and the initialisation uses only uniform draws and products.
    pub fn new(config: ModelConfig, seed: u64) -> Self {
        assert!(
            !config.hidden.is_empty(),
            "a model needs at least one hidden layer"
        );
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut widths = vec![config.inputs];
        widths.extend(&config.hidden);

        // He-uniform (gain 6) keeps ReLU activations at unit scale; the head uses gain 3
        // (variance 1/fan-in) so the initial logits are small.
        let mut layers: Vec<Dense> = widths
            .windows(2)
            .map(|w| Dense::random(w[0], w[1], 6.0, &mut rng))
            .collect();
        layers.push(Dense::random(
            config.feature_width(),
            config.classes,
            3.0,
            &mut rng,
        ));

        let gradients = layers
            .iter()
            .map(|l| Dense::zeros(l.weight.nrows(), l.weight.ncols()));
        Self {
            gradients: gradients.collect(),
            config,
            layers,
        }
    }

    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    pub fn layers(&self) -> &[Dense] {
        &self.layers
    }

    /// Switches the head; the weights stay, so a run can compare heads from one start.
    pub fn set_head(&mut self, head: Head) {
        self.config.head = head;
    }

    /// Runs the network on `input`, filling every buffer of `act`.
    ///
    /// # Shapes
    ///
    /// `input`: `rows × inputs` in standard layout, with `rows == act.rows()`.
    pub fn forward(&self, input: ArrayView2<f32>, act: &mut Activations) {
        assert_eq!(
            input.nrows(),
            act.rows,
            "batch rows differ from the workspace"
        );
        let input = input.as_slice().expect("inputs are contiguous row-major");
        let rows = act.rows;

        let hidden_layers = &self.layers[..self.layers.len() - 1];
        for (index, layer) in hidden_layers.iter().enumerate() {
            let (before, after) = act.hidden.split_at_mut(index);
            let x = before
                .last()
                .map_or(input, |a| a.as_slice().expect("contiguous"));
            let out = after[0].as_slice_mut().expect("contiguous");
            linear(layer, x, rows, out);
            kernels::relu(out);
        }

        let h = act
            .hidden
            .last()
            .expect("at least one hidden layer")
            .as_slice()
            .expect("c");
        let d = self.config.feature_width();
        kernels::row_norms(h, d, &mut act.feature_norms);

        let head = self.layers.last().expect("a head");
        let logits = act.logits.as_slice_mut().expect("contiguous");
        let head_input = act.head_input.as_slice_mut().expect("contiguous");
        match self.config.head {
            Head::Free => {
                head_input.copy_from_slice(h);
                linear(head, h, rows, logits);
            }
            Head::Cosine { scale } => {
                normalise_rows(h, d, &act.feature_norms, head_input);
                normalise_columns(&head.weight, &mut act.unit_weight, &mut act.weight_norms);
                let dims = Dims::new(rows, d, self.config.classes);
                let unit = act.unit_weight.as_slice().expect("contiguous");
                kernels::matmul(dims, head_input, unit, logits, Write::Overwrite);
                kernels::scale(scale, logits);
            }
        }
    }

    /// Back-propagates `grad_logits = ∂L/∂z` through the last [`Mlp::forward`] on `input`,
    /// overwriting the stored gradients.
    ///
    /// # Shapes
    ///
    /// `input`: `rows × inputs`; `grad_logits`: `rows × K`.
    pub fn backward(&mut self, input: ArrayView2<f32>, act: &mut Activations, grad_logits: &[f32]) {
        let input = input.as_slice().expect("inputs are contiguous row-major");
        let rows = act.rows;
        let d = self.config.feature_width();
        let k = self.config.classes;
        let last = self.layers.len() - 1;

        let top = act
            .grad_hidden
            .last_mut()
            .expect("at least one hidden layer");
        let grad_h = top.as_slice_mut().expect("contiguous");
        let head = &self.layers[last];
        let head_grad = &mut self.gradients[last];

        match self.config.head {
            Head::Free => {
                let h = act.head_input.as_slice().expect("contiguous");
                linear_backward(head, head_grad, h, grad_logits, rows, Some(grad_h));
            }
            Head::Cosine { scale } => {
                // With G = s·∂L/∂z: ∂L/∂Ŵ = ĥᵀG and ∂L/∂ĥ = G·Ŵᵀ, then each is projected off
                // its own direction and divided by the norm it was normalised by.
                let g = act.grad_head_input.as_slice_mut().expect("contiguous");
                let unit_h = act.head_input.as_slice().expect("contiguous");
                let unit_w = act.unit_weight.as_slice().expect("contiguous");
                let grad_unit_w = act.grad_unit_weight.as_slice_mut().expect("contiguous");

                let dims = Dims::new(d, rows, k);
                kernels::matmul_transpose_a(
                    dims,
                    unit_h,
                    grad_logits,
                    grad_unit_w,
                    Write::Overwrite,
                );
                kernels::scale(scale, grad_unit_w);
                let dims = Dims::new(rows, k, d);
                kernels::matmul_transpose_b(dims, grad_logits, unit_w, g, Write::Overwrite);
                kernels::scale(scale, g);

                unnormalise_rows(unit_h, g, d, &act.feature_norms, grad_h);
                let grad_w = head_grad.weight.as_slice_mut().expect("contiguous");
                unnormalise_columns(
                    &act.unit_weight,
                    &act.grad_unit_weight,
                    &act.weight_norms,
                    grad_w,
                );
                head_grad.bias.fill(0.0);
            }
        }

        for index in (0..last).rev() {
            let (below, here) = act.grad_hidden.split_at_mut(index);
            let grad_out = here[0].as_slice_mut().expect("contiguous");
            let out = act.hidden[index].as_slice().expect("contiguous");
            kernels::relu_backward(grad_out, out);

            let x = if index == 0 {
                input
            } else {
                act.hidden[index - 1].as_slice().expect("c")
            };
            let grad_x = below
                .last_mut()
                .map(|g| g.as_slice_mut().expect("contiguous"));
            let layer = &self.layers[index];
            linear_backward(layer, &mut self.gradients[index], x, grad_out, rows, grad_x);
        }
    }

    /// Calls `update(value, gradient, decays)` for every parameter tensor, in a fixed order.
    /// `decays` is false for biases, which weight decay leaves alone.
    pub fn visit_parameters(&mut self, mut update: impl FnMut(usize, &mut [f32], &[f32], bool)) {
        for (index, (layer, grad)) in self.layers.iter_mut().zip(&self.gradients).enumerate() {
            let w = layer.weight.as_slice_mut().expect("contiguous");
            update(
                2 * index,
                w,
                grad.weight.as_slice().expect("contiguous"),
                true,
            );
            let b = layer.bias.as_slice_mut().expect("contiguous");
            update(
                2 * index + 1,
                b,
                grad.bias.as_slice().expect("contiguous"),
                false,
            );
        }
    }

    /// The gradients of the last backward pass, in the order of [`Mlp::layers`].
    pub fn gradients(&self) -> &[Dense] {
        &self.gradients
    }

    /// Mutable access to the weights, for tests that perturb a single parameter.
    pub fn layers_mut(&mut self) -> &mut [Dense] {
        &mut self.layers
    }

    /// The class templates, `K × (d + 1)`: row k is `[W_k ; b_k]` for a free head, and
    /// `[s·W_k/‖W_k‖ ; 0]` for a cosine head, so that `z_k = [head_input ; 1]ᵀ·template_k`.
    pub fn templates(&self) -> Array2<f32> {
        let head = self.layers.last().expect("a head");
        let d = self.config.feature_width();
        let mut templates = Array2::zeros((self.config.classes, d + 1));
        for (k, mut row) in templates.rows_mut().into_iter().enumerate() {
            let column = head.weight.column(k);
            match self.config.head {
                Head::Free => {
                    row.slice_mut(ndarray::s![..d]).assign(&column);
                    row[d] = head.bias[k];
                }
                Head::Cosine { scale } => {
                    let norm = column.dot(&column).sqrt().max(NORM_FLOOR);
                    row.slice_mut(ndarray::s![..d])
                        .assign(&column.mapv(|w| scale * w / norm));
                }
            }
        }
        templates
    }

    /// Runs the model over any number of rows, `chunk` at a time, and returns the logits,
    /// the penultimate features `h` and the head inputs.
    pub fn evaluate(&self, input: ArrayView2<f32>) -> Evaluation {
        const CHUNK: usize = 256;
        let n = input.nrows();
        let d = self.config.feature_width();
        let mut out = Evaluation {
            logits: Array2::zeros((n, self.config.classes)),
            features: Array2::zeros((n, d)),
            head_input: Array2::zeros((n, d)),
        };

        let mut start = 0;
        while start < n {
            let end = (start + CHUNK).min(n);
            let rows = input.slice(ndarray::s![start..end, ..]);
            let rows = rows.as_standard_layout();
            let mut act = Activations::new(&self.config, end - start);
            self.forward(rows.view(), &mut act);

            out.logits
                .slice_mut(ndarray::s![start..end, ..])
                .assign(&act.logits);
            out.features
                .slice_mut(ndarray::s![start..end, ..])
                .assign(act.features());
            out.head_input
                .slice_mut(ndarray::s![start..end, ..])
                .assign(&act.head_input);
            start = end;
        }
        out
    }
}

/// What [`Mlp::evaluate`] returns; every array has one row per input row.
#[derive(Clone, Debug)]
pub struct Evaluation {
    pub logits: Array2<f32>,
    /// Penultimate activations `h`.
    pub features: Array2<f32>,
    /// What the head multiplies: `h` for a free head, `h/‖h‖` for a cosine one.
    pub head_input: Array2<f32>,
}

/// `out ← x·W + b` for `rows` rows.
fn linear(layer: &Dense, x: &[f32], rows: usize, out: &mut [f32]) {
    let (inputs, outputs) = layer.weight.dim();
    let w = layer.weight.as_slice().expect("contiguous");
    kernels::matmul(
        Dims::new(rows, inputs, outputs),
        x,
        w,
        out,
        Write::Overwrite,
    );
    kernels::add_bias(out, layer.bias.as_slice().expect("contiguous"));
}

/// Gradients of `out = x·W + b`: `∂W = xᵀ·g`, `∂b = Σ_rows g`, and `∂x = g·Wᵀ` when asked.
fn linear_backward(
    layer: &Dense,
    grad: &mut Dense,
    x: &[f32],
    grad_out: &[f32],
    rows: usize,
    grad_x: Option<&mut [f32]>,
) {
    let (inputs, outputs) = layer.weight.dim();
    let grad_w = grad.weight.as_slice_mut().expect("contiguous");
    kernels::matmul_transpose_a(
        Dims::new(inputs, rows, outputs),
        x,
        grad_out,
        grad_w,
        Write::Overwrite,
    );
    kernels::column_sums(
        grad_out,
        grad.bias.as_slice_mut().expect("contiguous"),
        Write::Overwrite,
    );

    if let Some(grad_x) = grad_x {
        let w = layer.weight.as_slice().expect("contiguous");
        let dims = Dims::new(rows, outputs, inputs);
        kernels::matmul_transpose_b(dims, grad_out, w, grad_x, Write::Overwrite);
    }
}

fn normalise_rows(h: &[f32], d: usize, norms: &[f32], out: &mut [f32]) {
    out.copy_from_slice(h);
    for (row, norm) in out.chunks_exact_mut(d).zip(norms) {
        kernels::scale(1.0 / norm.max(NORM_FLOOR), row);
    }
}

fn normalise_columns(weight: &Array2<f32>, unit: &mut Array2<f32>, norms: &mut [f32]) {
    for (k, norm) in norms.iter_mut().enumerate() {
        let column = weight.column(k);
        *norm = column.dot(&column).sqrt().max(NORM_FLOOR);
        unit.column_mut(k).assign(&column.mapv(|w| w / *norm));
    }
}

/// `∂L/∂h = (g − ĥ(ĥ·g)) / ‖h‖` for each row, the gradient through `ĥ = h/‖h‖`.
fn unnormalise_rows(unit: &[f32], g: &[f32], d: usize, norms: &[f32], out: &mut [f32]) {
    let rows = unit
        .chunks_exact(d)
        .zip(g.chunks_exact(d))
        .zip(out.chunks_exact_mut(d));
    for (((u, g), o), norm) in rows.zip(norms) {
        let along = kernels::dot(u, g);
        o.copy_from_slice(g);
        kernels::axpy(-along, u, o);
        kernels::scale(1.0 / norm.max(NORM_FLOOR), o);
    }
}

/// The same projection for each weight column `W_k`, written into the `d × K` gradient.
fn unnormalise_columns(unit: &Array2<f32>, g: &Array2<f32>, norms: &[f32], out: &mut [f32]) {
    let classes = norms.len();
    for (k, norm) in norms.iter().enumerate() {
        let u = unit.column(k);
        let gk = g.column(k);
        let along = u.dot(&gk);
        for (row, (u_i, g_i)) in u.iter().zip(gk.iter()).enumerate() {
            out[row * classes + k] = (g_i - along * u_i) / norm;
        }
    }
}
