//! Datasets for the label-smoothing lab: the bundled handwritten digits, seeded synthetic
//! problems, and CSV files a learner uploads.
//!
//! Every source produces the same [`Dataset`]: an `n × d` feature matrix, one class index per
//! row and a name per class. [`split::prepare`] then divides it into training and validation
//! sets and standardises the features with statistics from the training rows only.

pub mod csv;
pub mod digits;
pub mod split;
pub mod synthetic;

use ndarray::{Array2, ArrayView1};
use serde::{Deserialize, Serialize};

pub use self::csv::{parse_csv, CsvError};
pub use self::digits::{digits, DigitsError};
pub use self::split::{prepare, stratified_split, Prepared, Standardiser};
pub use self::synthetic::{
    blobs, rings, spirals, BlobsConfig, BlobsLayout, RingsConfig, SpiralsConfig,
};

/// A labelled classification dataset held in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Short human-readable name, shown in the UI.
    pub name: String,
    /// One example per row: `n × d`, row-major contiguous (standard layout).
    pub features: Array2<f32>,
    /// The class index of each row; `labels.len() == n` and every label is `< classes`.
    pub labels: Vec<usize>,
    /// Number of classes.
    pub classes: usize,
    /// A display name for each class; `class_names.len() == classes`.
    pub class_names: Vec<String>,
    /// Side of the square image each row is (8 for digits), None for non-image data.
    pub image_side: Option<usize>,
}

impl Dataset {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the dataset has no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of features per example.
    pub fn dim(&self) -> usize {
        self.features.ncols()
    }

    /// How many examples each class has, indexed by class.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes];
        for &label in &self.labels {
            counts[label] += 1;
        }
        counts
    }

    /// A new dataset holding the given rows, in the given order. Everything but the rows is
    /// copied unchanged, so the result keeps all classes even if some have no rows.
    ///
    /// # Panics
    ///
    /// If an index is `>= self.len()`; callers pass indices they derived from this dataset.
    pub fn select(&self, indices: &[usize]) -> Dataset {
        let dim = self.dim();
        let mut values = Vec::with_capacity(indices.len() * dim);
        for &index in indices {
            values.extend(self.features.row(index).iter().copied());
        }
        let features = Array2::from_shape_vec((indices.len(), dim), values)
            .expect("rows copied from a matrix with `dim` columns fill the shape exactly");

        Dataset {
            name: self.name.clone(),
            features,
            labels: indices.iter().map(|&index| self.labels[index]).collect(),
            classes: self.classes,
            class_names: self.class_names.clone(),
            image_side: self.image_side,
        }
    }

    /// The features of one example.
    pub fn row(&self, index: usize) -> ArrayView1<'_, f32> {
        self.features.row(index)
    }
}

/// Which data to train on, as chosen in the UI and sent to the worker.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub enum DataSource {
    /// The bundled 8×8 handwritten digits (1,797 images, 10 classes).
    #[default]
    Digits,
    /// Gaussian blobs; see [`BlobsConfig`].
    Blobs(BlobsConfig),
    /// Interleaved 2-D spiral arms; see [`SpiralsConfig`].
    Spirals(SpiralsConfig),
    /// Concentric 2-D rings; see [`RingsConfig`].
    Rings(RingsConfig),
}

impl DataSource {
    /// Builds the dataset. Synthetic sources are generated from `seed` after their config has
    /// been clamped to its allowed range, so this never panics; the digits ignore `seed`.
    pub fn load(&self, seed: u64) -> Dataset {
        let dataset = match self {
            DataSource::Digits => digits(),
            DataSource::Blobs(config) => blobs(config, seed),
            DataSource::Spirals(config) => spirals(config, seed),
            DataSource::Rings(config) => rings(config, seed),
        };

        log::info!(
            "loaded dataset '{}': {} examples, {} features, {} classes",
            dataset.name,
            dataset.len(),
            dataset.dim(),
            dataset.classes
        );
        dataset
    }
}

#[cfg(test)]
mod tests {
    // Under wasm32 the same tests run in Node through wasm-bindgen-test, on the simd128 kernels.
    use super::*;
    use ndarray::array;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn tiny() -> Dataset {
        Dataset {
            name: "tiny".into(),
            features: array![[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]],
            labels: vec![0, 1, 1, 2],
            classes: 3,
            class_names: vec!["a".into(), "b".into(), "c".into()],
            image_side: None,
        }
    }

    #[test]
    fn helpers_report_shape_and_class_counts() {
        let dataset = tiny();

        assert_eq!(dataset.len(), 4);
        assert_eq!(dataset.dim(), 2);
        assert!(!dataset.is_empty());
        assert_eq!(dataset.class_counts(), vec![1, 2, 1]);
    }

    #[test]
    fn select_copies_rows_in_the_requested_order() {
        let picked = tiny().select(&[3, 0]);

        assert_eq!(picked.features, array![[6.0, 7.0], [0.0, 1.0]]);
        assert!(picked.features.is_standard_layout());
        assert_eq!(picked.labels, vec![2, 0]);
        assert_eq!(picked.class_counts(), vec![1, 0, 1]);
    }

    #[test]
    fn select_with_no_indices_keeps_the_width() {
        let picked = tiny().select(&[]);

        assert!(picked.is_empty());
        assert_eq!(picked.features.dim(), (0, 2));
    }

    #[test]
    fn data_source_loads_each_kind() {
        let sources = [
            DataSource::Digits,
            DataSource::Blobs(BlobsConfig::default()),
            DataSource::Spirals(SpiralsConfig::default()),
            DataSource::Rings(RingsConfig::default()),
        ];

        for source in sources {
            let dataset = source.load(7);
            assert!(!dataset.is_empty(), "{source:?} gave no rows");
            assert_eq!(dataset.features.nrows(), dataset.len());
            assert_eq!(dataset.class_names.len(), dataset.classes);
            assert!(dataset.labels.iter().all(|&label| label < dataset.classes));
        }
    }

    #[test]
    fn data_source_load_survives_out_of_range_configs() {
        let wild = BlobsConfig {
            n_per_class: 0,
            classes: 1_000,
            dims: 0,
            overlap: f32::NAN,
            layout: BlobsLayout::Random,
        };

        let dataset = DataSource::Blobs(wild).load(1);

        assert!(!dataset.is_empty());
        assert!(dataset.features.iter().all(|value| value.is_finite()));
    }
}
