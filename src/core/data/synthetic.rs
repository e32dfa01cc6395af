//! Seeded synthetic classification problems: Gaussian blobs, spirals and concentric rings.
//!
//! Every generator takes a config and a seed and is deterministic for that pair (ChaCha8).
//! Configs are never rejected: each generator first calls the config's `sanitised()` method,
//! which clamps every field into its allowed range and returns a note for each change, so the
//! UI can show the notes and can never make a generator panic. Rows are ordered by class.

use std::ops::RangeInclusive;

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::Dataset;

/// Largest number of examples per class any generator makes.
pub const MAX_PER_CLASS: usize = 5_000;
/// Largest number of classes any generator makes.
pub const MAX_CLASSES: usize = 10;
/// Largest number of blob dimensions.
pub const MAX_DIMS: usize = 64;
/// How far the odd class sits from the similar pair in [`BlobsLayout::TwoSimilarOneFar`],
/// in units of the pair's own spacing.
pub const FAR_DISTANCE: f32 = 4.0;

/// Where the blob centres go. Centres are spaced so that typical neighbours are 1 apart.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BlobsLayout {
    /// Three classes: centres 0 and 1 are 1 apart, centre 2 sits [`FAR_DISTANCE`] from their
    /// midpoint. Forces `classes = 3`. The default, because it shows how label smoothing treats
    /// a confusable pair.
    #[default]
    TwoSimilarOneFar,
    /// Every pair of centres 1 apart when `dims >= classes`; otherwise a regular polygon in the
    /// first two dimensions (neighbours 1 apart), or evenly spaced points on a line when
    /// `dims = 1`.
    Simplex,
    /// Centres drawn from the seed, each coordinate normal with variance `1 / (2 dims)`, so the
    /// root-mean-square distance between two centres is 1.
    Random,
}

/// Gaussian blobs: `classes` isotropic clusters in `dims` dimensions.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct BlobsConfig {
    /// Examples per class, 1 to [`MAX_PER_CLASS`]. Default 200.
    pub n_per_class: usize,
    /// Number of classes, 2 to [`MAX_CLASSES`]; always 3 for `TwoSimilarOneFar`. Default 3.
    pub classes: usize,
    /// Number of features, 1 to [`MAX_DIMS`]. Default 2.
    pub dims: usize,
    /// Cluster standard deviation relative to the centre spacing, 0 to 3. Default 0.3.
    pub overlap: f32,
    /// Where the centres go. Default [`BlobsLayout::TwoSimilarOneFar`].
    pub layout: BlobsLayout,
}

impl Default for BlobsConfig {
    fn default() -> Self {
        BlobsConfig {
            n_per_class: 200,
            classes: 3,
            dims: 2,
            overlap: 0.3,
            layout: BlobsLayout::default(),
        }
    }
}

impl BlobsConfig {
    /// The config with every field in range, and a note for each field that was changed.
    pub fn sanitised(&self) -> (BlobsConfig, Vec<String>) {
        let mut notes = Notes::default();
        let classes = if self.layout == BlobsLayout::TwoSimilarOneFar {
            notes.fixed(
                "classes",
                self.classes,
                3,
                "for the two-similar-one-far layout",
            )
        } else {
            notes.count("classes", self.classes, 2..=MAX_CLASSES)
        };

        let config = BlobsConfig {
            n_per_class: notes.count("n_per_class", self.n_per_class, 1..=MAX_PER_CLASS),
            classes,
            dims: notes.count("dims", self.dims, 1..=MAX_DIMS),
            overlap: notes.real("overlap", self.overlap, 0.0..=3.0, Self::default().overlap),
            layout: self.layout,
        };
        (config, notes.0)
    }
}

/// Interleaved spiral arms in 2-D, one arm per class, radius growing from 0.15 to 1.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct SpiralsConfig {
    /// Examples per class, 1 to [`MAX_PER_CLASS`]. Default 200.
    pub n_per_class: usize,
    /// Number of arms (classes), 2 to [`MAX_CLASSES`]. Default 3.
    pub classes: usize,
    /// How many times each arm winds around the centre, 0.25 to 4. Default 1.
    pub turns: f32,
    /// Standard deviation of the noise added to each coordinate, 0 to 1. Default 0.05.
    pub noise: f32,
}

impl Default for SpiralsConfig {
    fn default() -> Self {
        SpiralsConfig {
            n_per_class: 200,
            classes: 3,
            turns: 1.0,
            noise: 0.05,
        }
    }
}

impl SpiralsConfig {
    /// The config with every field in range, and a note for each field that was changed.
    pub fn sanitised(&self) -> (SpiralsConfig, Vec<String>) {
        let mut notes = Notes::default();
        let defaults = SpiralsConfig::default();

        let config = SpiralsConfig {
            n_per_class: notes.count("n_per_class", self.n_per_class, 1..=MAX_PER_CLASS),
            classes: notes.count("classes", self.classes, 2..=MAX_CLASSES),
            turns: notes.real("turns", self.turns, 0.25..=4.0, defaults.turns),
            noise: notes.real("noise", self.noise, 0.0..=1.0, defaults.noise),
        };
        (config, notes.0)
    }
}

/// Concentric rings in 2-D: class `k` (from 0) lies at radius `(k + 1) / classes`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct RingsConfig {
    /// Examples per class, 1 to [`MAX_PER_CLASS`]. Default 200.
    pub n_per_class: usize,
    /// Number of rings (classes), 2 to [`MAX_CLASSES`]. Default 3.
    pub classes: usize,
    /// Standard deviation of the noise added to each radius, 0 to 1. Default 0.05.
    pub noise: f32,
}

impl Default for RingsConfig {
    fn default() -> Self {
        RingsConfig {
            n_per_class: 200,
            classes: 3,
            noise: 0.05,
        }
    }
}

impl RingsConfig {
    /// The config with every field in range, and a note for each field that was changed.
    pub fn sanitised(&self) -> (RingsConfig, Vec<String>) {
        let mut notes = Notes::default();

        let config = RingsConfig {
            n_per_class: notes.count("n_per_class", self.n_per_class, 1..=MAX_PER_CLASS),
            classes: notes.count("classes", self.classes, 2..=MAX_CLASSES),
            noise: notes.real("noise", self.noise, 0.0..=1.0, Self::default().noise),
        };
        (config, notes.0)
    }
}

/// Collects a human-readable note for each field `sanitised()` had to change.
#[derive(Default)]
struct Notes(Vec<String>);

impl Notes {
    fn count(&mut self, name: &str, value: usize, range: RangeInclusive<usize>) -> usize {
        let clamped = value.clamp(*range.start(), *range.end());
        if clamped != value {
            let (min, max) = (range.start(), range.end());
            self.0.push(format!(
                "{name} {value} is outside {min} to {max}; using {clamped}"
            ));
        }
        clamped
    }

    fn fixed(&mut self, name: &str, value: usize, required: usize, reason: &str) -> usize {
        if value != required {
            self.0
                .push(format!("{name} {value} changed to {required} {reason}"));
        }
        required
    }

    fn real(&mut self, name: &str, value: f32, range: RangeInclusive<f32>, default: f32) -> f32 {
        if value.is_nan() {
            self.0.push(format!(
                "{name} is not a number; using the default {default}"
            ));
            return default;
        }
        let clamped = value.clamp(*range.start(), *range.end());
        if clamped != value {
            let (min, max) = (range.start(), range.end());
            self.0.push(format!(
                "{name} {value} is outside {min} to {max}; using {clamped}"
            ));
        }
        clamped
    }
}

/// The blob centres (`classes × dims`) that [`blobs`] uses for this config and seed.
pub fn blob_centres(config: &BlobsConfig, seed: u64) -> Array2<f32> {
    let (config, _) = config.sanitised();
    centres(&config, &mut ChaCha8Rng::seed_from_u64(seed))
}

fn centres(config: &BlobsConfig, rng: &mut ChaCha8Rng) -> Array2<f32> {
    let (classes, dims) = (config.classes, config.dims);
    let mut centres = Array2::zeros((classes, dims));

    match config.layout {
        BlobsLayout::TwoSimilarOneFar => {
            centres[[0, 0]] = -0.5;
            centres[[1, 0]] = 0.5;
            centres[[2, dims.min(2) - 1]] = FAR_DISTANCE;
        }
        BlobsLayout::Simplex if dims >= classes => {
            // Scaled basis vectors are pairwise 1 apart; subtracting their mean centres them.
            let offset = std::f32::consts::FRAC_1_SQRT_2 / classes as f32;
            for class in 0..classes {
                for axis in 0..classes {
                    centres[[class, axis]] = -offset;
                }
                centres[[class, class]] += std::f32::consts::FRAC_1_SQRT_2;
            }
        }
        BlobsLayout::Simplex if dims >= 2 => {
            let radius = 0.5 / (std::f32::consts::PI / classes as f32).sin();
            for class in 0..classes {
                let angle = std::f32::consts::TAU * class as f32 / classes as f32;
                centres[[class, 0]] = radius * angle.cos();
                centres[[class, 1]] = radius * angle.sin();
            }
        }
        BlobsLayout::Simplex => {
            for class in 0..classes {
                centres[[class, 0]] = class as f32 - (classes - 1) as f32 / 2.0;
            }
        }
        BlobsLayout::Random => {
            let spread = (1.0 / (2.0 * dims as f32)).sqrt();
            centres.mapv_inplace(|_| spread * rng.sample::<f32, _>(StandardNormal));
        }
    }
    centres
}

/// Gaussian blobs around [`blob_centres`], standard deviation `overlap` in every direction.
pub fn blobs(config: &BlobsConfig, seed: u64) -> Dataset {
    let (config, _) = config.sanitised();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centres = centres(&config, &mut rng);

    let mut values = Vec::with_capacity(config.classes * config.n_per_class * config.dims);
    for centre in centres.rows() {
        for _ in 0..config.n_per_class {
            for &coordinate in centre {
                let offset: f32 = rng.sample(StandardNormal);
                values.push(coordinate + config.overlap * offset);
            }
        }
    }

    let class_names = match config.layout {
        BlobsLayout::TwoSimilarOneFar => vec!["similar A".into(), "similar B".into(), "far".into()],
        _ => numbered("blob", config.classes),
    };
    assemble(
        "blobs",
        values,
        config.dims,
        config.n_per_class,
        class_names,
    )
}

/// Spiral arms: arm `k` at angle `2π (turns · t + k / classes)` and radius `0.15 + 0.85 t`, for
/// `t` evenly spaced in `[0, 1)`, plus normal noise on both coordinates.
pub fn spirals(config: &SpiralsConfig, seed: u64) -> Dataset {
    let (config, _) = config.sanitised();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    let mut values = Vec::with_capacity(config.classes * config.n_per_class * 2);
    for arm in 0..config.classes {
        for step in 0..config.n_per_class {
            let t = step as f32 / config.n_per_class as f32;
            let turn = config.turns * t + arm as f32 / config.classes as f32;
            let angle = std::f32::consts::TAU * turn;
            let radius = 0.15 + 0.85 * t;
            let noise_x: f32 = rng.sample(StandardNormal);
            let noise_y: f32 = rng.sample(StandardNormal);
            values.push(radius * angle.cos() + config.noise * noise_x);
            values.push(radius * angle.sin() + config.noise * noise_y);
        }
    }

    let class_names = numbered("arm", config.classes);
    assemble("spirals", values, 2, config.n_per_class, class_names)
}

/// Rings: ring `k` at radius `(k + 1) / classes` plus normal noise, at uniform random angles.
pub fn rings(config: &RingsConfig, seed: u64) -> Dataset {
    let (config, _) = config.sanitised();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    let mut values = Vec::with_capacity(config.classes * config.n_per_class * 2);
    for ring in 0..config.classes {
        let centre_radius = (ring + 1) as f32 / config.classes as f32;
        for _ in 0..config.n_per_class {
            let angle = std::f32::consts::TAU * rng.gen::<f32>();
            let noise: f32 = rng.sample(StandardNormal);
            let radius = centre_radius + config.noise * noise;
            values.push(radius * angle.cos());
            values.push(radius * angle.sin());
        }
    }

    let class_names = numbered("ring", config.classes);
    assemble("rings", values, 2, config.n_per_class, class_names)
}

fn numbered(prefix: &str, classes: usize) -> Vec<String> {
    (1..=classes)
        .map(|number| format!("{prefix} {number}"))
        .collect()
}

fn assemble(
    name: &str,
    values: Vec<f32>,
    dims: usize,
    n_per_class: usize,
    class_names: Vec<String>,
) -> Dataset {
    let classes = class_names.len();
    let rows = classes * n_per_class;
    let features = Array2::from_shape_vec((rows, dims), values)
        .expect("generators push dims values for each of the rows");

    Dataset {
        name: name.to_string(),
        features,
        labels: (0..rows).map(|row| row / n_per_class).collect(),
        classes,
        class_names,
        image_side: None,
    }
}

#[cfg(test)]
mod tests;
