//! Two models trained side by side: one on hard targets, one label-smoothed.
//!
//! Both start from the same weights and see the same batches in the same order, so every
//! difference between them is the loss's doing. [`Twin::snapshot`] packs what a UI needs to
//! draw one frame of both.

use ndarray::{Array2, ArrayView2};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::data::{self, DataSource, Prepared};
use super::loss::{self, BatchLoss, Smoothing};
use super::metrics::{self, Reliability, TemperatureFit};
use super::model::{Activations, Head, Mlp, ModelConfig};
use super::optim::{Optimizer, OptimizerConfig};

/// Index of the cross-entropy model in every pair.
pub const CROSS_ENTROPY: usize = 0;
/// Index of the label-smoothed model in every pair.
pub const SMOOTHED: usize = 1;
/// Short names of the two models, by index, for every message and legend.
pub const MODEL_NAMES: [&str; 2] = ["cross-entropy", "label smoothing"];

/// Training examples per class that a frame carries (the paper's figure used 100).
pub const DISPLAY_PER_CLASS: usize = 100;
/// Validation examples a frame carries at most.
pub const DISPLAY_VALIDATION: usize = 1000;

/// Settings whose change restarts both models from the seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// Default [`DataSource::Digits`].
    pub data: DataSource,
    /// Seeds the split, the initial weights and the batch order. Default 1.
    pub seed: u64,
    /// Default [`ModelConfig::DEFAULT_HIDDEN`].
    pub hidden: Vec<usize>,
    /// Default [`Head::Free`].
    pub head: Head,
    /// Fraction of each class held out for validation. Default 0.2.
    pub validation_fraction: f32,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            data: DataSource::Digits,
            seed: 1,
            hidden: ModelConfig::DEFAULT_HIDDEN.to_vec(),
            head: Head::Free,
            validation_fraction: 0.2,
        }
    }
}

/// Settings that apply from the next step on, to a run in progress.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveConfig {
    pub optimizer: OptimizerConfig,
    /// Examples per step. Default 128.
    pub batch_size: usize,
    /// The smoothed twin's targets; the other twin always uses hard targets. Default α = 0.1.
    pub smoothing: Smoothing,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            optimizer: OptimizerConfig::default(),
            batch_size: 128,
            smoothing: Smoothing {
                alpha: 0.1,
                ..Smoothing::NONE
            },
        }
    }
}

/// How a frame projects the penultimate features.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Projection {
    /// The plane of three class templates (SCIENCE.md §3).
    TemplatePlane { classes: [usize; 3] },
    /// The top two principal components of all displayed training features.
    Pca,
}

impl Default for Projection {
    fn default() -> Self {
        Projection::TemplatePlane { classes: [0, 1, 2] }
    }
}

/// Fixed facts about a run, sent once when it starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub run: RunConfig,
    pub dataset: String,
    pub classes: usize,
    pub class_names: Vec<String>,
    pub inputs: usize,
    pub train_size: usize,
    pub validation_size: usize,
    /// Labels of the displayed training examples, in frame order.
    pub display_train_labels: Vec<usize>,
    /// Labels of the displayed validation examples, in frame order.
    pub display_validation_labels: Vec<usize>,
    /// Side of the square image each input is, when it is one.
    pub image_side: Option<usize>,
    /// Raw (unstandardised) inputs of the displayed training then validation examples,
    /// `inputs` values each, for drawing them; empty for non-image data.
    pub display_images: Vec<f32>,
    /// Floating-point operations in one twin step at batch size 1.
    pub flops_per_example: f64,
}

/// The running numbers a UI prints and plots against the step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Mean training loss over the steps since the previous frame, against the model's own
    /// targets (smoothed for the smoothed twin); NaN before the first step.
    pub train_loss: f32,
    /// Accuracy on the batches since the previous frame; NaN before the first step.
    pub train_accuracy: f32,
    pub validation_accuracy: f32,
    pub validation_nll: f32,
    /// Expected calibration error on validation data at T = 1, 15 bins.
    pub ece: f32,
    /// Mean ‖h‖ over the displayed training examples.
    pub mean_feature_norm: f32,
    /// Mean p_y over the displayed training examples.
    pub mean_true_probability: f32,
    /// Within-class spread over between-template distance in the current template plane.
    pub tightness: f32,
}

/// One model's part of a frame. Per-example arrays follow [`RunInfo`]'s display order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelFrame {
    pub metrics: Metrics,
    /// Projected features of the displayed training examples.
    pub train_points: Vec<[f32; 2]>,
    /// Projected features of the displayed validation examples.
    pub validation_points: Vec<[f32; 2]>,
    /// All K templates in the same projection; empty under [`Projection::Pca`].
    pub templates: Vec<[f32; 2]>,
    /// Effective logit gap Δ of each displayed training example.
    pub train_gaps: Vec<f32>,
    /// ‖h‖ of each displayed training example.
    pub train_norms: Vec<f32>,
    /// Predicted probabilities of the displayed training examples, K per example.
    pub train_probabilities: Vec<f32>,
    /// Logits of the displayed validation examples, K per example.
    pub validation_logits: Vec<f32>,
    pub reliability: Reliability,
    pub temperature: TemperatureFit,
}

/// Everything needed to draw both models at one step.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub step: u64,
    /// Passes over the training set so far.
    pub epoch: f32,
    pub projection: Projection,
    pub live: Option<LiveConfig>,
    /// Cross-entropy first, then smoothed.
    pub models: [ModelFrame; 2],
}

impl Snapshot {
    /// The models (by index) whose penultimate features are zero for every displayed
    /// training example: every unit before the head has died, so no gradient reaches the
    /// lower layers and training cannot recover. Empty before the first step, when nothing
    /// has been trained that could have died.
    pub fn collapsed(&self) -> Vec<usize> {
        if self.step == 0 {
            return Vec::new();
        }
        (0..self.models.len())
            .filter(|&m| self.models[m].metrics.mean_feature_norm == 0.0)
            .collect()
    }
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TwinError {
    #[error("the dataset has {0} classes; the app needs between 2 and 50")]
    Classes(usize),
    #[error("the dataset has too few examples ({0}) to split into training and validation")]
    TooSmall(usize),
    #[error("hidden width {0} is outside 1..=1024")]
    Width(usize),
    #[error("a model needs between 1 and 4 hidden layers, not {0}")]
    Depth(usize),
}

/// Mean of the batch statistics since the last frame.
#[derive(Clone, Copy, Debug, Default)]
struct Running {
    loss: f64,
    accuracy: f64,
    count: u32,
}

impl Running {
    fn add(&mut self, batch: BatchLoss) {
        self.loss += batch.loss as f64;
        self.accuracy += batch.accuracy as f64;
        self.count += 1;
    }

    fn take(&mut self) -> Option<(f32, f32)> {
        let n = self.count as f64;
        let out = (self.count > 0).then(|| ((self.loss / n) as f32, (self.accuracy / n) as f32));
        *self = Running::default();
        out
    }
}

/// The two models, their data and their shared batch order.
pub struct Twin {
    run: RunConfig,
    live: LiveConfig,
    data: Prepared,
    models: [Mlp; 2],
    optimizers: [Optimizer; 2],
    activations: [Activations; 2],
    order: Vec<usize>,
    cursor: usize,
    rng: ChaCha8Rng,
    batch_inputs: Array2<f32>,
    batch_labels: Vec<usize>,
    probabilities: Vec<f32>,
    gradient: Vec<f32>,
    step: u64,
    running: [Running; 2],
    last_metrics: [(f32, f32); 2],
    display_train: Vec<usize>,
    display_validation: Vec<usize>,
}

impl Twin {
    /// Loads the data, splits it, and builds both models from `run.seed`.
    pub fn new(run: RunConfig, live: LiveConfig) -> Result<Self, TwinError> {
        if run.hidden.is_empty() || run.hidden.len() > 4 {
            return Err(TwinError::Depth(run.hidden.len()));
        }
        if let Some(&w) = run.hidden.iter().find(|&&w| w == 0 || w > 1024) {
            return Err(TwinError::Width(w));
        }
        let dataset = run.data.load(run.seed);
        Self::with_dataset(run, live, dataset)
    }

    /// As [`Twin::new`], with data the caller already has (an upload, a test fixture).
    pub fn with_dataset(
        run: RunConfig,
        live: LiveConfig,
        dataset: data::Dataset,
    ) -> Result<Self, TwinError> {
        if !(2..=50).contains(&dataset.classes) {
            return Err(TwinError::Classes(dataset.classes));
        }
        if dataset.len() < 2 * dataset.classes {
            return Err(TwinError::TooSmall(dataset.len()));
        }

        let fraction = run.validation_fraction.clamp(0.05, 0.5);
        let data = data::prepare(dataset, fraction, run.seed);
        let config = ModelConfig {
            inputs: data.train.dim(),
            hidden: run.hidden.clone(),
            classes: data.train.classes,
            head: run.head,
        };

        let model = Mlp::new(config.clone(), run.seed);
        let batch = live.batch_size.clamp(1, data.train.len());
        let mut rng = ChaCha8Rng::seed_from_u64(run.seed ^ 0x0005_eed0_fba7_c4e5);
        let display_train = display_indices(&data.train.labels, DISPLAY_PER_CLASS, &mut rng);
        let display_validation = (0..data.validation.len().min(DISPLAY_VALIDATION)).collect();

        let mut twin = Self {
            optimizers: [
                Optimizer::new(live.optimizer),
                Optimizer::new(live.optimizer),
            ],
            activations: [
                Activations::new(&config, batch),
                Activations::new(&config, batch),
            ],
            models: [model.clone(), model],
            order: (0..data.train.len()).collect(),
            cursor: usize::MAX,
            rng,
            batch_inputs: Array2::zeros((batch, config.inputs)),
            batch_labels: vec![0; batch],
            probabilities: vec![0.0; batch * config.classes],
            gradient: vec![0.0; batch * config.classes],
            step: 0,
            running: Default::default(),
            // No batch has been seen before the first step: NaN, which charts leave out,
            // rather than a loss and an accuracy of zero.
            last_metrics: [(f32::NAN, f32::NAN); 2],
            display_train,
            display_validation,
            run,
            live,
            data,
        };
        twin.set_live(live);
        Ok(twin)
    }

    pub fn run(&self) -> &RunConfig {
        &self.run
    }

    pub fn live(&self) -> &LiveConfig {
        &self.live
    }

    pub fn data(&self) -> &Prepared {
        &self.data
    }

    pub fn models(&self) -> &[Mlp; 2] {
        &self.models
    }

    pub fn steps(&self) -> u64 {
        self.step
    }

    /// Takes new live settings; both models keep their weights.
    pub fn set_live(&mut self, live: LiveConfig) {
        let batch = live.batch_size.clamp(1, self.data.train.len());
        let live = LiveConfig {
            batch_size: batch,
            ..live
        };
        for optimizer in &mut self.optimizers {
            optimizer.reconfigure(live.optimizer);
        }

        if batch != self.batch_labels.len() {
            let config = self.models[0].config().clone();
            self.activations = [
                Activations::new(&config, batch),
                Activations::new(&config, batch),
            ];
            self.batch_inputs = Array2::zeros((batch, config.inputs));
            self.batch_labels = vec![0; batch];
            self.probabilities = vec![0.0; batch * config.classes];
            self.gradient = vec![0.0; batch * config.classes];
        }
        self.live = live;
    }

    /// Advances both models by `steps` steps on the same batches.
    pub fn step(&mut self, steps: u32) {
        for _ in 0..steps {
            self.next_batch();
            for index in [CROSS_ENTROPY, SMOOTHED] {
                let batch = self.train_one(index);
                self.running[index].add(batch);
            }
            self.step += 1;
        }
    }

    /// The smoothing each twin trains with.
    pub fn smoothing(&self, index: usize) -> Smoothing {
        if index == SMOOTHED {
            self.live.smoothing
        } else {
            Smoothing::NONE
        }
    }

    fn next_batch(&mut self) {
        let batch = self.batch_labels.len();
        if self.cursor.saturating_add(batch) > self.order.len() {
            self.order.shuffle(&mut self.rng);
            self.cursor = 0;
        }

        let rows = &self.order[self.cursor..self.cursor + batch];
        for (slot, &row) in rows.iter().enumerate() {
            self.batch_inputs
                .row_mut(slot)
                .assign(&self.data.train.features.row(row));
            self.batch_labels[slot] = self.data.train.labels[row];
        }
        self.cursor += batch;
    }

    fn train_one(&mut self, index: usize) -> BatchLoss {
        let model = &mut self.models[index];
        let act = &mut self.activations[index];
        let classes = model.config().classes;

        model.forward(self.batch_inputs.view(), act);
        let logits = act.logits.as_slice().expect("contiguous");
        let smoothing = if index == SMOOTHED {
            self.live.smoothing
        } else {
            Smoothing::NONE
        };
        let batch = loss::smoothed_cross_entropy(
            logits,
            &self.batch_labels,
            classes,
            smoothing,
            &mut self.probabilities,
            &mut self.gradient,
        );

        model.backward(self.batch_inputs.view(), act, &self.gradient);
        self.optimizers[index].step(model);
        batch
    }

    /// Whether either model's weights have stopped being finite (a diverging learning rate).
    pub fn diverged(&self) -> bool {
        self.models.iter().any(|m| {
            m.layers().iter().any(|l| {
                !l.weight.iter().all(|w| w.is_finite()) || !l.bias.iter().all(|b| b.is_finite())
            })
        })
    }

    /// Packs a frame of both models under `projection`.
    pub fn snapshot(&mut self, projection: Projection) -> Snapshot {
        let train_rows = self
            .data
            .train
            .features
            .select(ndarray::Axis(0), &self.display_train);
        let val_rows = self
            .data
            .validation
            .features
            .select(ndarray::Axis(0), &self.display_validation);
        let train_labels: Vec<usize> = self
            .display_train
            .iter()
            .map(|&i| self.data.train.labels[i])
            .collect();
        let val_labels: Vec<usize> = self
            .display_validation
            .iter()
            .map(|&i| self.data.validation.labels[i])
            .collect();

        let mut models: [ModelFrame; 2] = Default::default();
        for (index, frame) in models.iter_mut().enumerate() {
            if let Some(running) = self.running[index].take() {
                self.last_metrics[index] = running;
            }
            let view = FrameInputs {
                train: train_rows.view(),
                validation: val_rows.view(),
                train_labels: &train_labels,
                validation_labels: &val_labels,
            };
            *frame = model_frame(
                &self.models[index],
                view,
                projection,
                self.last_metrics[index],
            );
        }

        Snapshot {
            step: self.step,
            epoch: self.step as f32 * self.batch_labels.len() as f32 / self.order.len() as f32,
            projection: projection.sanitised(self.data.train.classes),
            live: Some(self.live),
            models,
        }
    }

    /// Floating-point operations of one twin step (both models) per example in the batch.
    pub fn info_flops_per_example(&self) -> f64 {
        2.0 * self.models[0].config().training_flops_per_example()
    }

    /// The run's fixed facts, for [`RunInfo`].
    pub fn info(&self) -> RunInfo {
        let config = self.models[0].config();
        let image_side = self.data.train.image_side;
        let mut display_images = Vec::new();
        if image_side.is_some() {
            for &i in &self.display_train {
                display_images.extend(self.data.raw_train.row(i).iter());
            }
            for &i in &self.display_validation {
                display_images.extend(self.data.raw_validation.row(i).iter());
            }
        }

        RunInfo {
            run: self.run.clone(),
            dataset: self.data.train.name.clone(),
            classes: config.classes,
            class_names: self.data.train.class_names.clone(),
            inputs: config.inputs,
            train_size: self.data.train.len(),
            validation_size: self.data.validation.len(),
            display_train_labels: self
                .display_train
                .iter()
                .map(|&i| self.data.train.labels[i])
                .collect(),
            display_validation_labels: self
                .display_validation
                .iter()
                .map(|&i| self.data.validation.labels[i])
                .collect(),
            image_side,
            display_images,
            flops_per_example: self.info_flops_per_example(),
        }
    }
}

impl Projection {
    /// Replaces a template plane whose classes are repeated or out of range with the first
    /// three classes, so that a stale or hand-edited request still draws something.
    pub fn sanitised(self, classes: usize) -> Projection {
        match self {
            Projection::TemplatePlane { classes: [a, b, c] }
                if a == b || b == c || a == c || a.max(b).max(c) >= classes =>
            {
                Projection::TemplatePlane {
                    classes: [0, 1, 2.min(classes - 1)],
                }
            }
            other => other,
        }
    }
}

struct FrameInputs<'a> {
    train: ArrayView2<'a, f32>,
    validation: ArrayView2<'a, f32>,
    train_labels: &'a [usize],
    validation_labels: &'a [usize],
}

fn model_frame(
    model: &Mlp,
    inputs: FrameInputs,
    projection: Projection,
    running: (f32, f32),
) -> ModelFrame {
    let classes = model.config().classes;
    let train = model.evaluate(inputs.train);
    let validation = model.evaluate(inputs.validation);

    let train_probabilities = metrics::softmax_rows(train.logits.view());
    let validation_probabilities = metrics::softmax_rows(validation.logits.view());
    let reliability = metrics::reliability(
        validation_probabilities.view(),
        inputs.validation_labels,
        metrics::DEFAULT_BINS,
    );
    let train_norms = metrics::feature_norms(train.features.view());
    let templates = model.templates();

    let (train_points, validation_points, template_points, tightness) =
        match projection.sanitised(classes) {
            Projection::TemplatePlane { classes: triple } => {
                match metrics::template_plane(templates.view(), triple) {
                    Ok(plane) => {
                        let train_points = plane.project_features(train.head_input.view());
                        let templates = plane.project_templates(templates.view());
                        let tightness = metrics::cluster_tightness(
                            &train_points,
                            inputs.train_labels,
                            &templates,
                            triple,
                        );
                        (
                            train_points,
                            plane.project_features(validation.head_input.view()),
                            templates,
                            tightness,
                        )
                    }
                    Err(_) => (
                        vec![[0.0; 2]; inputs.train_labels.len()],
                        vec![[0.0; 2]; inputs.validation_labels.len()],
                        vec![[0.0; 2]; classes],
                        f32::NAN,
                    ),
                }
            }
            Projection::Pca => {
                // Templates are weights, not features, so a PCA of features has no place for them.
                let pca = metrics::pca_2d(train.head_input.view());
                let train_points = pca.project(train.head_input.view());
                (
                    train_points,
                    pca.project(validation.head_input.view()),
                    Vec::new(),
                    f32::NAN,
                )
            }
        };

    let metrics = Metrics {
        train_loss: running.0,
        train_accuracy: running.1,
        validation_accuracy: metrics::accuracy(
            validation_probabilities.view(),
            inputs.validation_labels,
        ),
        validation_nll: metrics::nll(validation_probabilities.view(), inputs.validation_labels),
        ece: reliability.ece,
        mean_feature_norm: mean(&train_norms),
        mean_true_probability: metrics::mean_true_probability(
            train_probabilities.view(),
            inputs.train_labels,
        ),
        tightness,
    };

    let temperature = metrics::fit_temperature(validation.logits.view(), inputs.validation_labels);
    ModelFrame {
        metrics,
        train_points,
        validation_points,
        templates: template_points,
        train_gaps: metrics::effective_logit_gaps(train.logits.view(), inputs.train_labels),
        train_norms,
        train_probabilities: train_probabilities.into_raw_vec_and_offset().0,
        validation_logits: validation.logits.into_raw_vec_and_offset().0,
        reliability,
        temperature,
    }
}

fn mean(values: &[f32]) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    (values.iter().map(|&v| v as f64).sum::<f64>() / values.len() as f64) as f32
}

/// Up to `per_class` indices of each class, in a seeded random order, grouped by class.
fn display_indices(labels: &[usize], per_class: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let classes = labels.iter().max().map_or(0, |&k| k + 1);
    let mut chosen = Vec::new();
    for class in 0..classes {
        let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        members.shuffle(rng);
        members.truncate(per_class);
        members.sort_unstable();
        chosen.extend(members);
    }
    chosen
}
