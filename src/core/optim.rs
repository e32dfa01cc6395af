//! SGD with momentum and Adam, both with weight decay, whose settings may change between
//! steps without a reset.
//!
//! ```text
//! SGD      g ← ∇ + λ·w (weights only);  v ← μ·v + g;  w ← w − η·v
//! Adam     m ← β₁m + (1−β₁)∇;  v ← β₂v + (1−β₂)∇²;
//!          w ← w − η·(m/(1−β₁ᵗ)) / (sqrt(v/(1−β₂ᵗ)) + ε) − η·λ·w   (decoupled, as AdamW)
//! ```

use serde::{Deserialize, Serialize};

use super::kernels;
use super::model::Mlp;

/// Which update rule, with its own constants.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum OptimizerKind {
    /// Momentum μ; default 0.9.
    Sgd { momentum: f32 },
    /// Default β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    Adam {
        beta1: f32,
        beta2: f32,
        epsilon: f32,
    },
}

impl OptimizerKind {
    pub const SGD: OptimizerKind = OptimizerKind::Sgd { momentum: 0.9 };
    pub const ADAM: OptimizerKind = OptimizerKind::Adam {
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
    };

    /// Whether two kinds are the same rule (their constants may differ).
    pub fn same_rule(&self, other: &OptimizerKind) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// Everything an optimiser step needs; any field may change between steps.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptimizerConfig {
    /// Default [`OptimizerKind::SGD`].
    pub kind: OptimizerKind,
    /// η. Default 0.05 for SGD.
    pub learning_rate: f32,
    /// λ, applied to weights but not biases. Default 5e-4.
    pub weight_decay: f32,
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        Self {
            kind: OptimizerKind::SGD,
            learning_rate: 0.05,
            weight_decay: 5e-4,
        }
    }
}

/// Per-tensor state, allocated on first use.
#[derive(Clone, Debug, Default)]
struct Slot {
    first: Vec<f32>,
    second: Vec<f32>,
}

/// An optimiser bound to no model in particular: it keys its state by parameter index.
#[derive(Clone, Debug)]
pub struct Optimizer {
    config: OptimizerConfig,
    slots: Vec<Slot>,
    steps: u32,
}

impl Optimizer {
    pub fn new(config: OptimizerConfig) -> Self {
        Self {
            config,
            slots: Vec::new(),
            steps: 0,
        }
    }

    pub fn config(&self) -> &OptimizerConfig {
        &self.config
    }

    /// Takes new settings. Changing the rule itself (SGD ↔ Adam) drops the moment buffers,
    /// which mean different things under the two rules; the weights are untouched.
    pub fn reconfigure(&mut self, config: OptimizerConfig) {
        if !self.config.kind.same_rule(&config.kind) {
            self.slots.clear();
            self.steps = 0;
        }
        self.config = config;
    }

    /// Applies one update to `model` from the gradients of its last backward pass.
    pub fn step(&mut self, model: &mut Mlp) {
        self.steps += 1;
        let OptimizerConfig {
            kind,
            learning_rate: lr,
            weight_decay,
        } = self.config;
        let steps = self.steps;
        let slots = &mut self.slots;

        model.visit_parameters(|index, value, grad, decays| {
            if slots.len() <= index {
                slots.resize_with(index + 1, Slot::default);
            }
            let slot = &mut slots[index];
            let decay = if decays { weight_decay } else { 0.0 };

            match kind {
                OptimizerKind::Sgd { momentum } => {
                    slot.first.resize(value.len(), 0.0);
                    kernels::scale(momentum, &mut slot.first);
                    kernels::axpy(1.0, grad, &mut slot.first);
                    kernels::axpy(decay, value, &mut slot.first);
                    kernels::axpy(-lr, &slot.first, value);
                }
                OptimizerKind::Adam {
                    beta1,
                    beta2,
                    epsilon,
                } => {
                    slot.first.resize(value.len(), 0.0);
                    slot.second.resize(value.len(), 0.0);
                    let correct1 = 1.0 - beta1.powi(steps as i32);
                    let correct2 = 1.0 - beta2.powi(steps as i32);
                    let shrink = 1.0 - lr * decay;
                    let moments = slot.first.iter_mut().zip(slot.second.iter_mut());
                    for ((w, g), (m, v)) in value.iter_mut().zip(grad).zip(moments) {
                        *m = beta1 * *m + (1.0 - beta1) * g;
                        *v = beta2 * *v + (1.0 - beta2) * g * g;
                        let step = (*m / correct1) / ((*v / correct2).sqrt() + epsilon);
                        *w = *w * shrink - lr * step;
                    }
                }
            }
        });
    }
}
