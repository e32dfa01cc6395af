//! Every control on the page as one table of named, typed settings, and its round trip
//! through the URL query.
//!
//! The page keeps one [`Settings`]; the URL is its serialisation, so a link reproduces a run.
//! Reading a query never fails: a value that cannot be read falls back to its default, one
//! that is out of range is clamped, and either way a [`Notice`] says what happened, naming the
//! key, the bad value and the value used instead. Nothing here touches the DOM, so it is
//! tested on the host with `cargo test --lib settings`.

use std::collections::HashMap;
use std::fmt::Display;
use std::ops::RangeInclusive;
use std::str::FromStr;

use crate::core::data::{BlobsConfig, BlobsLayout, DataSource, RingsConfig, SpiralsConfig};
use crate::core::loss::{Smoothing, SmoothingForm};
use crate::core::model::Head;
use crate::core::optim::{OptimizerConfig, OptimizerKind};
use crate::core::twin::{LiveConfig, Projection, RunConfig};
use crate::protocol::Speed;

/// Allowed number of hidden layers.
pub const LAYERS: RangeInclusive<usize> = 1..=4;
/// Allowed width of one hidden layer.
pub const WIDTH: RangeInclusive<usize> = 1..=512;
/// Range of the cosine head's fixed scale s.
pub const SCALE: RangeInclusive<f32> = 1.0..=64.0;
/// Range of the learning rate η (its slider is logarithmic).
pub const LEARNING_RATE: RangeInclusive<f32> = 1e-4..=1.0;
/// Range of the weight decay λ.
pub const WEIGHT_DECAY: RangeInclusive<f32> = 0.0..=0.01;
/// Range of the smoothing strength α.
pub const ALPHA: RangeInclusive<f32> = 0.0..=0.9;
/// Range of both temperature sliders (logarithmic).
pub const TEMPERATURE: RangeInclusive<f32> = 0.05..=5.0;
/// The batch sizes on offer.
pub const BATCH_SIZES: [usize; 5] = [16, 32, 64, 128, 256];

/// A setting with a fixed list of values, each with the name the URL and the `<select>` use.
pub trait Choice: Copy + PartialEq + 'static {
    /// Every value, in the order the `<select>` lists them.
    const ALL: &'static [Self];

    /// The value's name in the URL and in `<option value>`.
    fn name(self) -> &'static str;

    /// What the `<option>` shows.
    fn label(self) -> &'static str {
        self.name()
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|choice| choice.name() == name)
    }
}

/// Which dataset both models train on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DataChoice {
    /// The UCI 8×8 handwritten digits, 10 classes.
    #[default]
    Digits,
    /// Three equidistant Gaussian blobs.
    Blobs,
    /// Three blobs: two close together, one far (SCIENCE.md §3, the "similar pair" figure).
    Similar,
    Spirals,
    Rings,
}

impl Choice for DataChoice {
    const ALL: &'static [Self] = &[
        DataChoice::Digits,
        DataChoice::Blobs,
        DataChoice::Similar,
        DataChoice::Spirals,
        DataChoice::Rings,
    ];

    fn name(self) -> &'static str {
        match self {
            DataChoice::Digits => "digits",
            DataChoice::Blobs => "blobs",
            DataChoice::Similar => "similar",
            DataChoice::Spirals => "spirals",
            DataChoice::Rings => "rings",
        }
    }

    fn label(self) -> &'static str {
        match self {
            DataChoice::Digits => "digits (8×8, 10 classes)",
            DataChoice::Blobs => "blobs (3 equidistant)",
            DataChoice::Similar => "similar (two similar + one far)",
            DataChoice::Spirals => "spirals",
            DataChoice::Rings => "rings",
        }
    }
}

impl DataChoice {
    /// What the worker loads for this choice.
    pub fn source(self) -> DataSource {
        match self {
            DataChoice::Digits => DataSource::Digits,
            // Spelled out rather than left to the default layout, so that the two blob
            // choices stay different whatever the default is.
            DataChoice::Blobs => DataSource::Blobs(BlobsConfig {
                layout: BlobsLayout::Simplex,
                ..BlobsConfig::default()
            }),
            DataChoice::Similar => DataSource::Blobs(BlobsConfig {
                layout: BlobsLayout::TwoSimilarOneFar,
                ..BlobsConfig::default()
            }),
            DataChoice::Spirals => DataSource::Spirals(SpiralsConfig::default()),
            DataChoice::Rings => DataSource::Rings(RingsConfig::default()),
        }
    }

    /// Number of classes K of this choice's dataset.
    pub fn classes(self) -> usize {
        match self.source() {
            DataSource::Digits => 10,
            DataSource::Blobs(config) => config.classes,
            DataSource::Spirals(config) => config.classes,
            DataSource::Rings(config) => config.classes,
        }
    }
}

/// The last layer of both models.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HeadChoice {
    /// A linear layer with bias: the logit scale is free.
    #[default]
    Free,
    /// `z_k = s·cos(h, w_k)` with the fixed scale of [`Settings::scale`].
    Cosine,
}

impl Choice for HeadChoice {
    const ALL: &'static [Self] = &[HeadChoice::Free, HeadChoice::Cosine];

    fn name(self) -> &'static str {
        match self {
            HeadChoice::Free => "free",
            HeadChoice::Cosine => "cosine",
        }
    }

    fn label(self) -> &'static str {
        match self {
            HeadChoice::Free => "free (linear)",
            HeadChoice::Cosine => "cosine (fixed s)",
        }
    }
}

/// The update rule of both models.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OptimizerChoice {
    /// SGD with momentum 0.9.
    #[default]
    Sgd,
    Adam,
}

impl Choice for OptimizerChoice {
    const ALL: &'static [Self] = &[OptimizerChoice::Sgd, OptimizerChoice::Adam];

    fn name(self) -> &'static str {
        match self {
            OptimizerChoice::Sgd => "sgd",
            OptimizerChoice::Adam => "adam",
        }
    }

    fn label(self) -> &'static str {
        match self {
            OptimizerChoice::Sgd => "SGD (momentum 0.9)",
            OptimizerChoice::Adam => "Adam",
        }
    }
}

impl Choice for SmoothingForm {
    const ALL: &'static [Self] = &[SmoothingForm::Uniform, SmoothingForm::OffTarget];

    fn name(self) -> &'static str {
        match self {
            SmoothingForm::Uniform => "uniform",
            SmoothingForm::OffTarget => "offtarget",
        }
    }

    fn label(self) -> &'static str {
        match self {
            SmoothingForm::Uniform => "uniform (paper: 1−α+α/K)",
            SmoothingForm::OffTarget => "off-target (1−α, α/(K−1))",
        }
    }
}

/// Training pace while playing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SpeedChoice {
    One,
    Five,
    Twenty,
    Hundred,
    /// As fast as the worker can go.
    #[default]
    Max,
}

impl Choice for SpeedChoice {
    const ALL: &'static [Self] = &[
        SpeedChoice::One,
        SpeedChoice::Five,
        SpeedChoice::Twenty,
        SpeedChoice::Hundred,
        SpeedChoice::Max,
    ];

    fn name(self) -> &'static str {
        match self {
            SpeedChoice::One => "1",
            SpeedChoice::Five => "5",
            SpeedChoice::Twenty => "20",
            SpeedChoice::Hundred => "100",
            SpeedChoice::Max => "max",
        }
    }

    fn label(self) -> &'static str {
        match self {
            SpeedChoice::One => "1 step/s",
            SpeedChoice::Five => "5 steps/s",
            SpeedChoice::Twenty => "20 steps/s",
            SpeedChoice::Hundred => "100 steps/s",
            SpeedChoice::Max => "max",
        }
    }
}

/// Which examples the cluster panel shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SplitChoice {
    #[default]
    Train,
    Validation,
}

impl Choice for SplitChoice {
    const ALL: &'static [Self] = &[SplitChoice::Train, SplitChoice::Validation];

    fn name(self) -> &'static str {
        match self {
            SplitChoice::Train => "train",
            SplitChoice::Validation => "validation",
        }
    }
}

/// How the cluster panel projects the penultimate features.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ViewChoice {
    /// The plane of three class templates (SCIENCE.md §3).
    #[default]
    Plane,
    /// The top two principal components.
    Pca,
}

impl Choice for ViewChoice {
    const ALL: &'static [Self] = &[ViewChoice::Plane, ViewChoice::Pca];

    fn name(self) -> &'static str {
        match self {
            ViewChoice::Plane => "plane",
            ViewChoice::Pca => "pca",
        }
    }

    fn label(self) -> &'static str {
        match self {
            ViewChoice::Plane => "template plane",
            ViewChoice::Pca => "PCA",
        }
    }
}

/// Which build of the training worker the page starts: the one whose matrix products use
/// relaxed SIMD's fused multiply-add, or the one on baseline simd128 only. Changing it
/// replaces the worker, and the run starts again from step 0 on the same settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KernelChoice {
    /// Relaxed SIMD where the browser validates it, simd128 otherwise.
    #[default]
    Auto,
    /// Baseline simd128 everywhere: results identical across engines.
    Simd128,
    /// Relaxed SIMD, falling back to simd128 (with a notice) where the browser lacks it.
    Relaxed,
}

impl Choice for KernelChoice {
    const ALL: &'static [Self] = &[
        KernelChoice::Auto,
        KernelChoice::Simd128,
        KernelChoice::Relaxed,
    ];

    fn name(self) -> &'static str {
        match self {
            KernelChoice::Auto => "auto",
            KernelChoice::Simd128 => "simd128",
            KernelChoice::Relaxed => "relaxed",
        }
    }

    fn label(self) -> &'static str {
        match self {
            KernelChoice::Auto => "auto (fastest here)",
            KernelChoice::Simd128 => "simd128 only",
            KernelChoice::Relaxed => "relaxed SIMD",
        }
    }
}

/// The two builds of the training worker (index.html builds both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerBuild {
    /// Baseline simd128: the `worker` binary.
    Simd128,
    /// The `worker_relaxed` binary, built with the `relaxed-simd` feature.
    Relaxed,
}

impl WorkerBuild {
    /// The loader's query that selects this build (`assets/worker_loader.js` reads it).
    pub fn loader_query(self) -> &'static str {
        match self {
            WorkerBuild::Simd128 => "build=simd128",
            WorkerBuild::Relaxed => "build=relaxed",
        }
    }
}

impl KernelChoice {
    /// The worker build to start, given whether this browser validates relaxed SIMD, and a
    /// notice when the choice cannot be honoured.
    pub fn build(self, relaxed_supported: bool) -> (WorkerBuild, Option<Notice>) {
        match (self, relaxed_supported) {
            (KernelChoice::Simd128, _) => (WorkerBuild::Simd128, None),
            (_, true) => (WorkerBuild::Relaxed, None),
            (KernelChoice::Auto, false) => (WorkerBuild::Simd128, None),
            (KernelChoice::Relaxed, false) => (
                WorkerBuild::Simd128,
                Some(Notice::new(
                    "kernels",
                    "this browser has no relaxed SIMD; training on the simd128 kernels".to_string(),
                )),
            ),
        }
    }
}

/// Every control of the page. `Default` is the page's default state (CONTRACT.md).
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// URL `data`. Default digits.
    pub data: DataChoice,
    /// URL `seed`. Default 1.
    pub seed: u64,
    /// URL `hidden`, e.g. `128,64`: 1 to 4 layers of 1 to 512 units. Default `128,64`.
    pub hidden: Vec<usize>,
    /// URL `head`. Default free.
    pub head: HeadChoice,
    /// URL `scale`: the cosine head's s, 1 to 64. Default 16.
    pub scale: f32,
    /// URL `opt`. Default SGD.
    pub optimizer: OptimizerChoice,
    /// URL `lr`, 1e-4 to 1. Default 0.05.
    pub learning_rate: f32,
    /// URL `batch`, one of [`BATCH_SIZES`]. Default 128.
    pub batch: usize,
    /// URL `wd`, 0 to 0.01. Default 0.0005.
    pub weight_decay: f32,
    /// URL `alpha`: the smoothed model's α, 0 to 0.9. Default 0.1.
    pub alpha: f32,
    /// URL `form`. Default uniform (the paper's).
    pub form: SmoothingForm,
    /// URL `speed`. Default max.
    pub speed: SpeedChoice,
    /// URL `classes`: three different classes for the template plane. Default `0,1,2`.
    pub classes: [usize; 3],
    /// URL `split`. Default train.
    pub split: SplitChoice,
    /// URL `view`. Default plane.
    pub view: ViewChoice,
    /// URL `shared` (`1`/`0`): both models' plots on one scale. Default on.
    pub shared: bool,
    /// URL `t`: the sharpen panel's temperature, 0.05 to 5. Default 0.5 (MixMatch's).
    pub sharpen_t: f32,
    /// URL `evalt`: the temperature calibration is evaluated at, 0.05 to 5. Default 1.
    pub eval_t: f32,
    /// URL `autoplay` (`1`/`0`): start training on load. Default off.
    pub autoplay: bool,
    /// URL `draw` (`1`/`0`): draw the panels; off only to measure drawing's cost. Default on.
    pub draw: bool,
    /// URL `kernels` (`auto`, `simd128`, `relaxed`): which worker build trains. Default auto.
    pub kernels: KernelChoice,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data: DataChoice::Digits,
            seed: 1,
            hidden: vec![128, 64],
            head: HeadChoice::Free,
            scale: 16.0,
            optimizer: OptimizerChoice::Sgd,
            learning_rate: 0.05,
            batch: 128,
            weight_decay: 0.0005,
            alpha: 0.1,
            form: SmoothingForm::Uniform,
            speed: SpeedChoice::Max,
            classes: [0, 1, 2],
            split: SplitChoice::Train,
            view: ViewChoice::Plane,
            shared: true,
            sharpen_t: 0.5,
            eval_t: 1.0,
            autoplay: false,
            draw: true,
            kernels: KernelChoice::Auto,
        }
    }
}

/// A URL value that was not used as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The URL key, e.g. `alpha`.
    pub key: String,
    /// One line for the page, e.g. `alpha: "banana" is not a number; using 0.1`.
    pub message: String,
}

impl Notice {
    fn new(key: &str, message: String) -> Self {
        Self {
            key: key.to_string(),
            message: format!("{key}: {message}"),
        }
    }
}

/// What a change of settings asks of the worker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Restart both models (`Command::Reset`, which carries the live settings too).
    pub reset: bool,
    /// Apply new live settings to the running models (`Command::Live`).
    pub live: bool,
    /// `Command::Speed`.
    pub speed: bool,
    /// New projection for the frames (`Command::View`).
    pub projection: bool,
    /// Replace the worker with another build ([`KernelChoice`]) and start it afresh; this
    /// subsumes every other change.
    pub worker: bool,
}

impl Settings {
    /// Every URL key, in the order [`Settings::to_query`] writes them.
    pub const KEYS: [&'static str; 21] = [
        "data", "seed", "hidden", "head", "scale", "opt", "lr", "batch", "wd", "alpha", "form",
        "speed", "classes", "split", "view", "shared", "t", "evalt", "autoplay", "draw", "kernels",
    ];

    /// Reads a URL query (with or without its leading `?`). Unknown keys are ignored; each
    /// value that is not used as written yields a [`Notice`]. Never panics.
    pub fn from_query(query: &str) -> (Settings, Vec<Notice>) {
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut reader = Reader::default();
        match serde_urlencoded::from_str::<Vec<(String, String)>>(query) {
            // Collecting into a map keeps the last of repeated keys, as `URLSearchParams.set`
            // would have left it.
            Ok(pairs) => reader.values = pairs.into_iter().collect(),
            Err(error) => reader.notices.push(Notice::new(
                "query",
                format!("could not be read ({error}); using the defaults"),
            )),
        }

        let default = Settings::default();
        let data = reader.choice("data", default.data);
        let settings = Settings {
            data,
            seed: reader.parsed("seed", default.seed, "a whole number"),
            hidden: reader.hidden("hidden", &default.hidden),
            head: reader.choice("head", default.head),
            scale: reader.number("scale", default.scale, SCALE),
            optimizer: reader.choice("opt", default.optimizer),
            learning_rate: reader.number("lr", default.learning_rate, LEARNING_RATE),
            batch: reader.batch("batch", default.batch),
            weight_decay: reader.number("wd", default.weight_decay, WEIGHT_DECAY),
            alpha: reader.number("alpha", default.alpha, ALPHA),
            form: reader.choice("form", default.form),
            speed: reader.choice("speed", default.speed),
            classes: reader.classes("classes", default.classes, data.classes()),
            split: reader.choice("split", default.split),
            view: reader.choice("view", default.view),
            shared: reader.flag("shared", default.shared),
            sharpen_t: reader.number("t", default.sharpen_t, TEMPERATURE),
            eval_t: reader.number("evalt", default.eval_t, TEMPERATURE),
            autoplay: reader.flag("autoplay", default.autoplay),
            draw: reader.flag("draw", default.draw),
            kernels: reader.choice("kernels", default.kernels),
        };
        (settings, reader.notices)
    }

    /// The query string (without `?`) holding every key of [`Settings::KEYS`].
    pub fn to_query(&self) -> String {
        let flag = |on: bool| if on { "1" } else { "0" }.to_string();
        let pairs: [(&str, String); 21] = [
            ("data", self.data.name().into()),
            ("seed", self.seed.to_string()),
            ("hidden", self.hidden_text()),
            ("head", self.head.name().into()),
            ("scale", self.scale.to_string()),
            ("opt", self.optimizer.name().into()),
            ("lr", self.learning_rate.to_string()),
            ("batch", self.batch.to_string()),
            ("wd", self.weight_decay.to_string()),
            ("alpha", self.alpha.to_string()),
            ("form", self.form.name().into()),
            ("speed", self.speed.name().into()),
            ("classes", join(&self.classes)),
            ("split", self.split.name().into()),
            ("view", self.view.name().into()),
            ("shared", flag(self.shared)),
            ("t", self.sharpen_t.to_string()),
            ("evalt", self.eval_t.to_string()),
            ("autoplay", flag(self.autoplay)),
            ("draw", flag(self.draw)),
            ("kernels", self.kernels.name().into()),
        ];
        let encoded = serde_urlencoded::to_string(pairs).expect("string pairs always encode");
        // Commas are legal in a query; leaving them bare keeps `hidden=128,64` readable.
        encoded.replace("%2C", ",")
    }

    /// The hidden widths as the text box shows them, e.g. `128,64`.
    pub fn hidden_text(&self) -> String {
        join(&self.hidden)
    }

    /// Reads the hidden-widths text box: the widths to use, and a notice when the text was
    /// not used as written.
    pub fn hidden_from_text(text: &str, fallback: &[usize]) -> (Vec<usize>, Option<Notice>) {
        let mut reader = Reader::default();
        reader.values.insert("hidden".into(), text.into());
        let hidden = reader.hidden("hidden", fallback);
        (hidden, reader.notices.pop())
    }

    /// Switches the dataset, moving the template-plane classes back to `0,1,2` when the new
    /// dataset has fewer classes than they need.
    pub fn set_data(&mut self, data: DataChoice) {
        self.data = data;
        if self.classes.iter().any(|&k| k >= data.classes()) {
            self.classes = [0, 1, 2];
        }
    }

    /// Sets template-plane class `slot` (0 = a, 1 = b, 2 = c). Picking a class another slot
    /// already holds swaps the two, so the three stay different.
    pub fn set_class(&mut self, slot: usize, class: usize) {
        if slot >= 3 || class >= self.data.classes() {
            return;
        }
        if let Some(other) = self.classes.iter().position(|&k| k == class) {
            self.classes[other] = self.classes[slot];
        }
        self.classes[slot] = class;
    }

    /// The settings whose change restarts both models.
    pub fn run_config(&self) -> RunConfig {
        let head = match self.head {
            HeadChoice::Free => Head::Free,
            HeadChoice::Cosine => Head::Cosine { scale: self.scale },
        };
        RunConfig {
            data: self.data.source(),
            seed: self.seed,
            hidden: self.hidden.clone(),
            head,
            ..RunConfig::default()
        }
    }

    /// The settings the worker applies to a run in progress.
    pub fn live_config(&self) -> LiveConfig {
        let kind = match self.optimizer {
            OptimizerChoice::Sgd => OptimizerKind::SGD,
            OptimizerChoice::Adam => OptimizerKind::ADAM,
        };
        LiveConfig {
            optimizer: OptimizerConfig {
                kind,
                learning_rate: self.learning_rate,
                weight_decay: self.weight_decay,
            },
            batch_size: self.batch,
            smoothing: Smoothing::new(self.alpha, self.form),
        }
    }

    pub fn speed(&self) -> Speed {
        match self.speed {
            SpeedChoice::One => Speed::StepsPerSecond(1.0),
            SpeedChoice::Five => Speed::StepsPerSecond(5.0),
            SpeedChoice::Twenty => Speed::StepsPerSecond(20.0),
            SpeedChoice::Hundred => Speed::StepsPerSecond(100.0),
            SpeedChoice::Max => Speed::Fastest,
        }
    }

    /// The projection the worker computes frames in.
    pub fn projection(&self) -> Projection {
        match self.view {
            ViewChoice::Plane => Projection::TemplatePlane {
                classes: self.classes,
            },
            ViewChoice::Pca => Projection::Pca,
        }
    }

    /// Whether going from `other` to `self` restarts training: a new dataset, seed, widths
    /// or head (including the cosine scale while the cosine head is on). Smoothing, the
    /// optimiser, the learning rate, weight decay and batch size are applied live instead.
    pub fn resets_run(&self, other: &Settings) -> bool {
        self.run_config() != other.run_config()
    }

    /// What going from `before` to `self` asks of the worker. View-only settings (split,
    /// shared scale, temperatures) ask nothing: they only redraw.
    pub fn changes(&self, before: &Settings) -> Changes {
        if self.kernels != before.kernels {
            return Changes {
                worker: true,
                ..Changes::default()
            };
        }
        let reset = self.resets_run(before);
        Changes {
            reset,
            live: !reset && self.live_config() != before.live_config(),
            speed: self.speed != before.speed,
            projection: self.projection() != before.projection(),
            worker: false,
        }
    }
}

fn join(values: &[usize]) -> String {
    values
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The query's values, and the notices produced while reading them.
#[derive(Default)]
struct Reader {
    values: HashMap<String, String>,
    notices: Vec<Notice>,
}

impl Reader {
    /// The value as written, owned so that a notice can quote it while `self` is borrowed.
    fn raw(&self, key: &str) -> Option<String> {
        self.values.get(key).cloned()
    }

    fn reject<T: Display>(&mut self, key: &str, problem: String, used: T) {
        self.notices
            .push(Notice::new(key, format!("{problem}; using {used}")));
    }

    fn choice<T: Choice>(&mut self, key: &str, default: T) -> T {
        let Some(raw) = self.raw(key) else {
            return default;
        };
        if let Some(choice) = T::from_name(raw.trim()) {
            return choice;
        }
        let names: Vec<&str> = T::ALL.iter().map(|c| c.name()).collect();
        let problem = format!("{raw:?} is not one of {}", names.join(", "));
        self.reject(key, problem, default.name());
        default
    }

    fn parsed<T: FromStr + Display + Copy>(&mut self, key: &str, default: T, what: &str) -> T {
        let Some(raw) = self.raw(key) else {
            return default;
        };
        match raw.trim().parse() {
            Ok(value) => value,
            Err(_) => {
                let problem = format!("{raw:?} is not {what}");
                self.reject(key, problem, default);
                default
            }
        }
    }

    fn number(&mut self, key: &str, default: f32, range: RangeInclusive<f32>) -> f32 {
        let Some(raw) = self.raw(key) else {
            return default;
        };
        let value = match raw.trim().parse::<f32>() {
            Ok(value) if value.is_finite() => value,
            _ => {
                let problem = format!("{raw:?} is not a number");
                self.reject(key, problem, default);
                return default;
            }
        };

        let clamped = value.clamp(*range.start(), *range.end());
        if clamped != value {
            let problem = format!("{value} is outside {} to {}", range.start(), range.end());
            self.reject(key, problem, clamped);
        }
        clamped
    }

    fn flag(&mut self, key: &str, default: bool) -> bool {
        let Some(raw) = self.raw(key) else {
            return default;
        };
        match raw.trim() {
            "1" | "true" | "on" | "yes" => true,
            "0" | "false" | "off" | "no" => false,
            _ => {
                let problem = format!("{raw:?} is not 1 or 0");
                self.reject(key, problem, u8::from(default));
                default
            }
        }
    }

    fn batch(&mut self, key: &str, default: usize) -> usize {
        let Some(raw) = self.raw(key) else {
            return default;
        };
        let Ok(value) = raw.trim().parse::<usize>() else {
            let problem = format!("{raw:?} is not a whole number");
            self.reject(key, problem, default);
            return default;
        };
        if BATCH_SIZES.contains(&value) {
            return value;
        }

        let nearest = BATCH_SIZES
            .iter()
            .copied()
            .min_by_key(|&size| size.abs_diff(value))
            .expect("there are batch sizes");
        let sizes = join(&BATCH_SIZES).replace(',', ", ");
        self.reject(key, format!("{value} is not one of {sizes}"), nearest);
        nearest
    }

    fn hidden(&mut self, key: &str, default: &[usize]) -> Vec<usize> {
        let Some(raw) = self.raw(key) else {
            return default.to_vec();
        };
        let widths: Result<Vec<usize>, _> = raw
            .split(',')
            .map(|width| width.trim().parse::<usize>())
            .collect();
        let Ok(mut widths) = widths else {
            let problem = format!("{raw:?} is not a comma-separated list of widths");
            self.reject(key, problem, join(default));
            return default.to_vec();
        };

        let (first, last) = (*LAYERS.start(), *LAYERS.end());
        if widths.len() > last {
            widths.truncate(last);
            let problem = format!("{raw:?} has more than {last} layers");
            self.reject(key, problem, join(&widths));
        }
        debug_assert!(widths.len() >= first, "split always yields one piece");

        let clamped: Vec<usize> = widths
            .iter()
            .map(|&w| w.clamp(*WIDTH.start(), *WIDTH.end()))
            .collect();
        if clamped != widths {
            let problem = format!(
                "{raw:?} has widths outside {} to {}",
                WIDTH.start(),
                WIDTH.end()
            );
            self.reject(key, problem, join(&clamped));
        }
        clamped
    }

    fn classes(&mut self, key: &str, default: [usize; 3], count: usize) -> [usize; 3] {
        let Some(raw) = self.raw(key) else {
            return default;
        };
        let parsed: Result<Vec<usize>, _> = raw
            .split(',')
            .map(|class| class.trim().parse::<usize>())
            .collect();
        if let Ok(&[a, b, c]) = parsed.as_deref() {
            if a != b && b != c && a != c && a.max(b).max(c) < count {
                return [a, b, c];
            }
        }

        let problem = format!(
            "{raw:?} is not three different classes from 0 to {}",
            count - 1
        );
        self.reject(key, problem, join(&default));
        default
    }
}

#[cfg(test)]
mod tests {
    // Under wasm32 the same tests run in Node through wasm-bindgen-test, on the simd128 kernels.
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn random_settings(rng: &mut ChaCha8Rng) -> Settings {
        fn pick<T: Choice>(rng: &mut ChaCha8Rng) -> T {
            T::ALL[rng.gen_range(0..T::ALL.len())]
        }
        let data: DataChoice = pick(rng);
        let mut classes: Vec<usize> = (0..data.classes()).collect();
        for i in 0..3 {
            let j = rng.gen_range(i..classes.len());
            classes.swap(i, j);
        }
        let layers = rng.gen_range(LAYERS);
        Settings {
            data,
            seed: rng.gen(),
            hidden: (0..layers).map(|_| rng.gen_range(WIDTH)).collect(),
            head: pick(rng),
            scale: rng.gen_range(SCALE),
            optimizer: pick(rng),
            learning_rate: rng.gen_range(LEARNING_RATE),
            batch: BATCH_SIZES[rng.gen_range(0..BATCH_SIZES.len())],
            weight_decay: rng.gen_range(WEIGHT_DECAY),
            alpha: rng.gen_range(ALPHA),
            form: pick(rng),
            speed: pick(rng),
            classes: [classes[0], classes[1], classes[2]],
            split: pick(rng),
            view: pick(rng),
            shared: rng.gen(),
            sharpen_t: rng.gen_range(TEMPERATURE),
            eval_t: rng.gen_range(TEMPERATURE),
            autoplay: rng.gen(),
            draw: rng.gen(),
            kernels: pick(rng),
        }
    }

    #[test]
    fn empty_query_gives_the_contract_defaults_without_notices() {
        for query in ["", "?"] {
            let (settings, notices) = Settings::from_query(query);
            assert_eq!(settings, Settings::default());
            assert!(notices.is_empty(), "{notices:?}");
        }
    }

    #[test]
    fn default_query_holds_every_key_with_its_contract_default() {
        let query = Settings::default().to_query();
        assert_eq!(
            query,
            "data=digits&seed=1&hidden=128,64&head=free&scale=16&opt=sgd&lr=0.05&batch=128\
             &wd=0.0005&alpha=0.1&form=uniform&speed=max&classes=0,1,2&split=train&view=plane\
             &shared=1&t=0.5&evalt=1&autoplay=0&draw=1&kernels=auto"
        );
        for key in Settings::KEYS {
            assert!(
                query.contains(&format!("{key}=")),
                "{key} missing from {query}"
            );
        }
    }

    #[test]
    fn random_settings_survive_the_url_round_trip_exactly() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..500 {
            let settings = random_settings(&mut rng);
            let query = settings.to_query();
            let (read, notices) = Settings::from_query(&query);
            assert_eq!(read, settings, "query {query}");
            assert!(notices.is_empty(), "query {query} gave {notices:?}");
        }
    }

    #[test]
    fn a_word_where_a_number_belongs_falls_back_and_says_so() {
        let (settings, notices) = Settings::from_query("?alpha=banana&seed=7");
        assert_eq!(settings.alpha, 0.1);
        assert_eq!(settings.seed, 7);
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].key, "alpha");
        assert_eq!(
            notices[0].message,
            r#"alpha: "banana" is not a number; using 0.1"#
        );
    }

    #[test]
    fn out_of_range_values_are_clamped_with_a_notice_naming_both_values() {
        let (settings, notices) =
            Settings::from_query("alpha=2&lr=0.00001&scale=100&t=9&evalt=0.001&wd=-1");
        assert_eq!(settings.alpha, 0.9);
        assert_eq!(settings.learning_rate, 1e-4);
        assert_eq!(settings.scale, 64.0);
        assert_eq!(settings.sharpen_t, 5.0);
        assert_eq!(settings.eval_t, 0.05);
        assert_eq!(settings.weight_decay, 0.0);

        let keys: Vec<&str> = notices.iter().map(|n| n.key.as_str()).collect();
        assert_eq!(keys, ["scale", "lr", "wd", "alpha", "t", "evalt"]);
        assert_eq!(
            notices[3].message,
            "alpha: 2 is outside 0 to 0.9; using 0.9"
        );
    }

    #[test]
    fn non_finite_numbers_are_rejected_rather_than_clamped() {
        let (settings, notices) = Settings::from_query("alpha=NaN&lr=inf");
        assert_eq!(settings.alpha, 0.1);
        assert_eq!(settings.learning_rate, 0.05);
        assert_eq!(notices.len(), 2);
    }

    #[test]
    fn unknown_choices_fall_back_to_their_defaults() {
        let (settings, notices) =
            Settings::from_query("data=mnist&head=arc&opt=lbfgs&form=x&speed=7&split=test");
        assert_eq!(settings, Settings::default());
        assert_eq!(notices.len(), 6);
        assert_eq!(
            notices[0].message,
            r#"data: "mnist" is not one of digits, blobs, similar, spirals, rings; using digits"#
        );
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let (settings, notices) = Settings::from_query("colour=blue&utm_source=x");
        assert_eq!(settings, Settings::default());
        assert!(notices.is_empty());
    }

    #[test]
    fn hidden_widths_are_clamped_truncated_or_replaced() {
        let (settings, notices) = Settings::from_query("hidden=1000,0");
        assert_eq!(settings.hidden, [512, 1]);
        assert_eq!(notices.len(), 1);
        assert!(
            notices[0].message.contains("1000,0"),
            "{}",
            notices[0].message
        );

        let (settings, notices) = Settings::from_query("hidden=8,8,8,8,8,8");
        assert_eq!(settings.hidden, [8, 8, 8, 8]);
        assert_eq!(notices.len(), 1);

        for bad in ["hidden=", "hidden=12,,4", "hidden=-3", "hidden=wide"] {
            let (settings, notices) = Settings::from_query(bad);
            assert_eq!(settings.hidden, [128, 64], "{bad}");
            assert_eq!(notices.len(), 1, "{bad}");
        }

        let (settings, notices) = Settings::from_query("hidden=%2032%20,%2016");
        assert_eq!(settings.hidden, [32, 16]);
        assert!(notices.is_empty());
    }

    #[test]
    fn batch_sizes_snap_to_the_nearest_offered_size() {
        let (settings, notices) = Settings::from_query("batch=100");
        assert_eq!(settings.batch, 128);
        assert_eq!(
            notices[0].message,
            "batch: 100 is not one of 16, 32, 64, 128, 256; using 128"
        );
        assert_eq!(Settings::from_query("batch=100000").0.batch, 256);
        assert_eq!(Settings::from_query("batch=many").0.batch, 128);
    }

    #[test]
    fn classes_must_be_three_different_classes_of_the_chosen_data() {
        assert_eq!(Settings::from_query("classes=3,8,5").0.classes, [3, 8, 5]);
        for bad in [
            "classes=1,1,2",
            "classes=0,1",
            "classes=0,1,10",
            "classes=a,b,c",
        ] {
            let (settings, notices) = Settings::from_query(bad);
            assert_eq!(settings.classes, [0, 1, 2], "{bad}");
            assert_eq!(notices.len(), 1, "{bad}");
        }
        // The blobs have three classes, so class 5 does not exist there.
        let (settings, notices) = Settings::from_query("data=similar&classes=0,1,5");
        assert_eq!(settings.classes, [0, 1, 2]);
        assert_eq!(notices[0].key, "classes");
    }

    #[test]
    fn a_new_kernel_choice_replaces_the_worker_and_nothing_else() {
        let base = Settings::default();
        let mut changed = base.clone();
        changed.kernels = KernelChoice::Simd128;
        changed.alpha = 0.3;
        assert_eq!(
            changed.changes(&base),
            Changes {
                worker: true,
                ..Changes::default()
            }
        );
        assert!(!base.changes(&base).worker);
    }

    #[test]
    fn kernel_choice_picks_the_worker_build_and_says_when_it_cannot() {
        use KernelChoice::*;
        for (choice, supported, build, notice) in [
            (Auto, true, WorkerBuild::Relaxed, false),
            (Auto, false, WorkerBuild::Simd128, false),
            (Simd128, true, WorkerBuild::Simd128, false),
            (Simd128, false, WorkerBuild::Simd128, false),
            (Relaxed, true, WorkerBuild::Relaxed, false),
            (Relaxed, false, WorkerBuild::Simd128, true),
        ] {
            let (got, said) = choice.build(supported);
            assert_eq!(got, build, "{choice:?} with relaxed SIMD {supported}");
            assert_eq!(said.is_some(), notice, "{choice:?}: {said:?}");
        }
        let (settings, notices) = Settings::from_query("kernels=avx512");
        assert_eq!(settings.kernels, Auto);
        assert_eq!(notices.len(), 1);
        assert!(notices[0].message.starts_with("kernels: "), "{notices:?}");
    }

    #[test]
    fn flags_read_one_and_zero() {
        let (settings, notices) = Settings::from_query("shared=0&autoplay=1&draw=0");
        assert!(!settings.shared && settings.autoplay && !settings.draw);
        assert!(notices.is_empty());
        let (settings, notices) = Settings::from_query("shared=maybe");
        assert!(settings.shared);
        assert_eq!(
            notices[0].message,
            r#"shared: "maybe" is not 1 or 0; using 1"#
        );
    }

    #[test]
    fn the_last_of_repeated_keys_wins() {
        assert_eq!(Settings::from_query("seed=3&seed=9").0.seed, 9);
    }

    #[test]
    fn random_bytes_never_panic_and_always_give_valid_settings() {
        let mut rng = ChaCha8Rng::seed_from_u64(2024);
        let alphabet = b"=&?%,.-+e0123456789abcdefxyz \xff\xc3";
        for round in 0..5000 {
            let len = rng.gen_range(0..120);
            let bytes: Vec<u8> = if round % 2 == 0 {
                (0..len).map(|_| rng.gen()).collect()
            } else {
                // Mostly real keys with noisy values, to reach the validators.
                let mut bytes = Vec::new();
                for _ in 0..rng.gen_range(0..8) {
                    let key = Settings::KEYS[rng.gen_range(0..Settings::KEYS.len())];
                    bytes.extend_from_slice(key.as_bytes());
                    bytes.push(b'=');
                    for _ in 0..rng.gen_range(0..12) {
                        bytes.push(alphabet[rng.gen_range(0..alphabet.len())]);
                    }
                    bytes.push(b'&');
                }
                bytes
            };

            let query = String::from_utf8_lossy(&bytes);
            let (settings, _) = Settings::from_query(&query);
            // Whatever came in, what came out reads back unchanged and without complaint.
            let (again, notices) = Settings::from_query(&settings.to_query());
            assert_eq!(again, settings, "query {query:?}");
            assert!(notices.is_empty(), "query {query:?} left {notices:?}");
        }
    }

    #[test]
    fn reset_settings_and_live_settings_are_told_apart() {
        let base = Settings::default();
        let resets: [fn(&mut Settings); 5] = [
            |s| s.data = DataChoice::Spirals,
            |s| s.seed = 2,
            |s| s.hidden = vec![32],
            |s| s.head = HeadChoice::Cosine,
            |s| {
                s.head = HeadChoice::Cosine;
                s.scale = 30.0;
            },
        ];
        for change in resets {
            let mut changed = base.clone();
            change(&mut changed);
            assert!(changed.resets_run(&base), "{changed:?}");
            let changes = changed.changes(&base);
            assert!(changes.reset && !changes.live);
        }

        let lives: [fn(&mut Settings); 6] = [
            |s| s.alpha = 0.2,
            |s| s.form = SmoothingForm::OffTarget,
            |s| s.learning_rate = 0.01,
            |s| s.optimizer = OptimizerChoice::Adam,
            |s| s.weight_decay = 0.0,
            |s| s.batch = 32,
        ];
        for change in lives {
            let mut changed = base.clone();
            change(&mut changed);
            assert!(!changed.resets_run(&base), "{changed:?}");
            assert_eq!(
                changed.changes(&base),
                Changes {
                    live: true,
                    ..Changes::default()
                }
            );
        }
    }

    #[test]
    fn the_cosine_scale_only_matters_under_the_cosine_head() {
        let base = Settings::default();
        let changed = Settings {
            scale: 40.0,
            ..base.clone()
        };
        assert_eq!(changed.changes(&base), Changes::default());
    }

    #[test]
    fn view_only_settings_ask_nothing_of_the_worker() {
        let base = Settings::default();
        let changed = Settings {
            split: SplitChoice::Validation,
            shared: false,
            sharpen_t: 2.0,
            eval_t: 0.3,
            draw: false,
            ..base.clone()
        };
        assert_eq!(changed.changes(&base), Changes::default());

        let projected = Settings {
            view: ViewChoice::Pca,
            ..base.clone()
        };
        assert_eq!(
            projected.changes(&base),
            Changes {
                projection: true,
                ..Changes::default()
            }
        );
        let faster = Settings {
            speed: SpeedChoice::One,
            ..base.clone()
        };
        assert_eq!(
            faster.changes(&base),
            Changes {
                speed: true,
                ..Changes::default()
            }
        );
    }

    #[test]
    fn settings_map_onto_the_worker_configs() {
        let settings = Settings {
            head: HeadChoice::Cosine,
            scale: 24.0,
            optimizer: OptimizerChoice::Adam,
            alpha: 0.2,
            form: SmoothingForm::OffTarget,
            speed: SpeedChoice::Twenty,
            ..Settings::default()
        };
        assert_eq!(settings.run_config().head, Head::Cosine { scale: 24.0 });
        let live = settings.live_config();
        assert!(live.optimizer.kind.same_rule(&OptimizerKind::ADAM));
        assert_eq!(
            live.smoothing,
            Smoothing::new(0.2, SmoothingForm::OffTarget)
        );
        assert_eq!(live.batch_size, 128);
        assert_eq!(settings.speed(), Speed::StepsPerSecond(20.0));
        assert_eq!(Settings::default().speed(), Speed::Fastest);
        assert_eq!(Settings::default().live_config(), LiveConfig::default());
        assert_eq!(Settings::default().run_config(), RunConfig::default());
    }

    #[test]
    fn the_two_blob_choices_are_different_datasets() {
        assert_ne!(DataChoice::Blobs.source(), DataChoice::Similar.source());
        assert_eq!(DataChoice::Similar.classes(), 3);
        assert_eq!(DataChoice::Digits.classes(), 10);
    }

    #[test]
    fn picking_a_class_another_slot_holds_swaps_them() {
        let mut settings = Settings::default();
        settings.set_class(0, 2);
        assert_eq!(settings.classes, [2, 1, 0]);
        settings.set_class(1, 7);
        assert_eq!(settings.classes, [2, 7, 0]);
        settings.set_data(DataChoice::Rings);
        assert_eq!(settings.classes, [0, 1, 2]);
    }

    #[test]
    fn the_hidden_text_box_reuses_the_url_rules() {
        assert_eq!(
            Settings::hidden_from_text("64, 32", &[128]),
            (vec![64, 32], None)
        );
        let (hidden, notice) = Settings::hidden_from_text("64;32", &[128]);
        assert_eq!(hidden, [128]);
        assert_eq!(notice.map(|n| n.key), Some("hidden".to_string()));
    }
}
