//! Dividing a dataset into training and validation sets, and standardising its features.
//!
//! The split is stratified (every class keeps its share in both halves) and reproducible: the
//! same seed gives the same split on every platform, native or wasm, because the shuffle uses
//! ChaCha8 and draws only 32-bit indices.

use ndarray::{Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::Dataset;

/// Standard deviations below this are treated as zero: the column is constant (a pixel that is
/// always blank) and is only centred, not scaled, so it stays finite.
pub const MIN_SCALE: f32 = 1e-6;

/// Splits `ds` into `(train, validation)`, class by class.
///
/// Each class shuffles its rows with a ChaCha8 generator seeded from `seed`, then sends
/// `round(validation_fraction × count)` of them to validation. A class with at least two rows
/// always keeps at least one row on each side (when the fraction is above zero); a class with a
/// single row stays in training. `validation_fraction` is clamped to `0.0..=1.0` and NaN counts
/// as zero. Both halves list their rows in the original order.
pub fn stratified_split(ds: &Dataset, validation_fraction: f32, seed: u64) -> (Dataset, Dataset) {
    let fraction = if validation_fraction.is_nan() {
        0.0
    } else {
        validation_fraction.clamp(0.0, 1.0)
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    let mut by_class = vec![Vec::new(); ds.classes];
    for (index, &label) in ds.labels.iter().enumerate() {
        by_class[label].push(index);
    }

    let mut train = Vec::with_capacity(ds.len());
    let mut validation = Vec::new();
    for mut members in by_class {
        shuffle(&mut members, &mut rng);
        let held_out = validation_count(members.len(), fraction);
        validation.extend_from_slice(&members[..held_out]);
        train.extend_from_slice(&members[held_out..]);
    }

    train.sort_unstable();
    validation.sort_unstable();
    (ds.select(&train), ds.select(&validation))
}

fn validation_count(count: usize, fraction: f32) -> usize {
    if count < 2 || fraction == 0.0 {
        return 0;
    }
    let rounded = (fraction as f64 * count as f64).round() as usize;
    rounded.clamp(1, count - 1)
}

/// Fisher–Yates with 32-bit draws, so 32- and 64-bit targets consume the generator alike.
fn shuffle(items: &mut [usize], rng: &mut ChaCha8Rng) {
    for last in (1..items.len()).rev() {
        let pick = rng.gen_range(0..=last as u32) as usize;
        items.swap(last, pick);
    }
}

/// Per-feature centring and scaling, fitted on training rows and applied to any rows.
///
/// ```text
/// x'[i][j] = (x[i][j] - mean[j]) / scale[j]
/// scale[j] = std[j] (population), or 1 where std[j] < 1e-6
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardiser {
    /// Mean of each feature over the fitted rows.
    pub mean: Vec<f32>,
    /// Divisor for each feature: its standard deviation, or 1 for a constant feature.
    pub scale: Vec<f32>,
}

impl Standardiser {
    /// Fits means and scales to the columns of `features` (`n × d`). With no rows every mean
    /// is 0 and every scale 1.
    pub fn fit(features: &Array2<f32>) -> Standardiser {
        let rows = features.nrows().max(1) as f64;
        let mut mean = Vec::with_capacity(features.ncols());
        let mut scale = Vec::with_capacity(features.ncols());

        // Accumulate in f64 so 1,797 rows of counts up to 16 lose nothing to rounding.
        for column in features.axis_iter(Axis(1)) {
            let column_mean = column.iter().map(|&value| f64::from(value)).sum::<f64>() / rows;
            let variance = column
                .iter()
                .map(|&value| (f64::from(value) - column_mean).powi(2))
                .sum::<f64>()
                / rows;
            let std = variance.sqrt() as f32;

            mean.push(column_mean as f32);
            scale.push(if std < MIN_SCALE { 1.0 } else { std });
        }
        Standardiser { mean, scale }
    }

    /// Standardises `features` in place.
    ///
    /// # Panics
    ///
    /// If `features` does not have as many columns as the standardiser was fitted on.
    pub fn apply(&self, features: &mut Array2<f32>) {
        assert_eq!(
            features.ncols(),
            self.mean.len(),
            "standardiser fitted on {} features, applied to {}",
            self.mean.len(),
            features.ncols()
        );

        for mut row in features.rows_mut() {
            for ((value, &mean), &scale) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
                *value = (*value - mean) / scale;
            }
        }
    }
}

/// A dataset ready for training: split, with standardised features.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    /// Training rows, standardised.
    pub train: Dataset,
    /// Validation rows, standardised with the training statistics.
    pub validation: Dataset,
    /// The training rows before standardising, for drawing an example as an image.
    pub raw_train: Array2<f32>,
    /// The validation rows before standardising.
    pub raw_validation: Array2<f32>,
    /// The statistics fitted on the training rows.
    pub standardiser: Standardiser,
}

/// Splits `ds` with [`stratified_split`] and standardises both halves using statistics from the
/// training half only, so nothing about the validation rows leaks into training.
pub fn prepare(ds: Dataset, validation_fraction: f32, seed: u64) -> Prepared {
    let (mut train, mut validation) = stratified_split(&ds, validation_fraction, seed);
    let raw_train = train.features.clone();
    let raw_validation = validation.features.clone();

    let standardiser = Standardiser::fit(&train.features);
    standardiser.apply(&mut train.features);
    standardiser.apply(&mut validation.features);

    log::debug!(
        "prepared '{}': {} training and {} validation rows",
        train.name,
        train.len(),
        validation.len()
    );
    Prepared {
        train,
        validation,
        raw_train,
        raw_validation,
        standardiser,
    }
}

#[cfg(test)]
mod tests {
    // Under wasm32 the same tests run in Node through wasm-bindgen-test, on the simd128 kernels.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Rows `[id, a varying value, 5.0]`, with `counts[k]` rows of class `k`.
    fn labelled(counts: &[usize]) -> Dataset {
        let mut values = Vec::new();
        let mut labels = Vec::new();
        for (class, &count) in counts.iter().enumerate() {
            for _ in 0..count {
                let id = labels.len();
                values.extend([id as f32, (id * id % 7 + class) as f32, 5.0]);
                labels.push(class);
            }
        }

        Dataset {
            name: "labelled".into(),
            features: Array2::from_shape_vec((labels.len(), 3), values).expect("3 values a row"),
            labels,
            classes: counts.len(),
            class_names: (0..counts.len()).map(|class| class.to_string()).collect(),
            image_side: None,
        }
    }

    #[test]
    fn split_is_stratified_disjoint_and_covering() {
        let dataset = labelled(&[10, 21, 3, 1]);

        let (train, validation) = stratified_split(&dataset, 0.2, 5);

        assert_eq!(validation.class_counts(), vec![2, 4, 1, 0]);
        assert_eq!(train.class_counts(), vec![8, 17, 2, 1]);
        let mut ids: Vec<f32> = train.features.column(0).iter().copied().collect();
        ids.extend(validation.features.column(0).iter());
        ids.sort_by(f32::total_cmp);
        let expected: Vec<f32> = (0..dataset.len()).map(|id| id as f32).collect();
        assert_eq!(ids, expected, "every row lands in exactly one half");
    }

    #[test]
    fn split_is_deterministic_for_a_seed_and_varies_between_seeds() {
        let dataset = labelled(&[30, 30]);

        let first = stratified_split(&dataset, 0.25, 11);
        let again = stratified_split(&dataset, 0.25, 11);
        let other = stratified_split(&dataset, 0.25, 12);

        assert_eq!(first, again);
        assert_ne!(first.1.features, other.1.features);
    }

    #[test]
    fn split_matches_recorded_rows_for_seed_42() {
        // Guards cross-platform reproducibility: these ids were recorded from this
        // implementation on x86_64 and must come out the same on wasm32.
        let dataset = labelled(&[8, 8]);

        let (_, validation) = stratified_split(&dataset, 0.25, 42);

        let ids: Vec<f32> = validation.features.column(0).to_vec();
        assert_eq!(ids, RECORDED_SEED_42);
    }

    const RECORDED_SEED_42: [f32; 4] = [0.0, 3.0, 8.0, 11.0];

    #[test]
    fn extreme_fractions_keep_every_class_in_training() {
        let dataset = labelled(&[5, 2]);

        let (train, validation) = stratified_split(&dataset, 1.0, 0);
        assert_eq!(train.class_counts(), vec![1, 1]);
        assert_eq!(validation.class_counts(), vec![4, 1]);

        let (train, validation) = stratified_split(&dataset, f32::NAN, 0);
        assert_eq!(train.len(), 7);
        assert!(validation.is_empty());
    }

    #[test]
    fn standardised_training_columns_have_zero_mean_and_unit_std() {
        let dataset = labelled(&[40, 40]);
        let prepared = prepare(dataset, 0.25, 3);

        for (index, column) in prepared.train.features.axis_iter(Axis(1)).enumerate() {
            let count = column.len() as f32;
            let mean = column.sum() / count;
            let std = (column.mapv(|value| (value - mean).powi(2)).sum() / count).sqrt();
            assert!(mean.abs() < 1e-5, "column {index}: mean {mean}");
            if index < 2 {
                assert!((std - 1.0).abs() < 1e-4, "column {index}: std {std}");
            }
        }
    }

    #[test]
    fn constant_columns_stay_finite_and_raw_rows_are_kept() {
        let dataset = labelled(&[10, 10]);
        let prepared = prepare(dataset.clone(), 0.3, 9);

        assert_eq!(prepared.standardiser.scale[2], 1.0);
        assert!(prepared
            .train
            .features
            .iter()
            .all(|value| value.is_finite()));
        assert!(prepared
            .validation
            .features
            .column(2)
            .iter()
            .all(|&value| value == 0.0));
        let (raw_train, _) = stratified_split(&dataset, 0.3, 9);
        assert_eq!(prepared.raw_train, raw_train.features);
        assert_eq!(prepared.raw_validation.nrows(), prepared.validation.len());
    }

    #[test]
    fn fit_on_no_rows_is_the_identity() {
        let standardiser = Standardiser::fit(&Array2::zeros((0, 3)));

        assert_eq!(standardiser.mean, vec![0.0; 3]);
        assert_eq!(standardiser.scale, vec![1.0; 3]);
    }
}
