//! Tests for the synthetic generators: determinism, shapes, geometry and clamping.

// Under wasm32 the same tests run in Node through wasm-bindgen-test, on the simd128 kernels.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;

fn distance(centres: &Array2<f32>, a: usize, b: usize) -> f32 {
    let difference = &centres.row(a) - &centres.row(b);
    difference.dot(&difference).sqrt()
}

fn class_mean(dataset: &Dataset, class: usize) -> Vec<f32> {
    let rows: Vec<usize> = (0..dataset.len())
        .filter(|&row| dataset.labels[row] == class)
        .collect();
    let picked = dataset.select(&rows);
    picked
        .features
        .mean_axis(ndarray::Axis(0))
        .expect("class has rows")
        .to_vec()
}

#[test]
fn generators_are_deterministic_per_seed() {
    let blob_config = BlobsConfig {
        layout: BlobsLayout::Random,
        ..BlobsConfig::default()
    };

    assert_eq!(blobs(&blob_config, 4), blobs(&blob_config, 4));
    assert_ne!(
        blobs(&blob_config, 4).features,
        blobs(&blob_config, 5).features
    );
    assert_eq!(
        spirals(&SpiralsConfig::default(), 4),
        spirals(&SpiralsConfig::default(), 4)
    );
    assert_ne!(
        spirals(&SpiralsConfig::default(), 4),
        spirals(&SpiralsConfig::default(), 5)
    );
    assert_eq!(
        rings(&RingsConfig::default(), 4),
        rings(&RingsConfig::default(), 4)
    );
    assert_ne!(
        rings(&RingsConfig::default(), 4),
        rings(&RingsConfig::default(), 5)
    );
}

#[test]
fn generators_give_n_per_class_rows_of_each_class() {
    let config = BlobsConfig {
        n_per_class: 17,
        classes: 5,
        dims: 6,
        layout: BlobsLayout::Simplex,
        ..BlobsConfig::default()
    };
    let spiral_config = SpiralsConfig {
        n_per_class: 9,
        classes: 4,
        ..Default::default()
    };
    let ring_config = RingsConfig {
        n_per_class: 11,
        classes: 2,
        ..Default::default()
    };

    let generated = [
        blobs(&config, 1),
        spirals(&spiral_config, 1),
        rings(&ring_config, 1),
    ];

    let expected = [(17, 5, 6), (9, 4, 2), (11, 2, 2)];
    for (dataset, (per_class, classes, dims)) in generated.iter().zip(expected) {
        assert_eq!(
            dataset.features.dim(),
            (per_class * classes, dims),
            "{}",
            dataset.name
        );
        assert_eq!(
            dataset.class_counts(),
            vec![per_class; classes],
            "{}",
            dataset.name
        );
        assert_eq!(dataset.class_names.len(), classes, "{}", dataset.name);
        assert!(dataset.features.iter().all(|value| value.is_finite()));
    }
}

#[test]
fn two_similar_one_far_puts_the_pair_close_and_the_third_far() {
    let config = BlobsConfig {
        dims: 5,
        ..BlobsConfig::default()
    };

    let centres = blob_centres(&config, 0);
    let means = blobs(&config, 0);
    let (mean_0, mean_1, mean_2) = (
        class_mean(&means, 0),
        class_mean(&means, 1),
        class_mean(&means, 2),
    );

    assert_eq!(centres.dim(), (3, 5));
    assert!((distance(&centres, 0, 1) - 1.0).abs() < 1e-6);
    assert!(distance(&centres, 0, 2) > 3.5 * distance(&centres, 0, 1));
    assert!(distance(&centres, 1, 2) > 3.5 * distance(&centres, 0, 1));
    let gap = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).powi(2))
            .sum::<f32>()
            .sqrt()
    };
    assert!(gap(&mean_0, &mean_2) > 3.0 * gap(&mean_0, &mean_1));
}

#[test]
fn simplex_centres_are_equally_spaced() {
    for (classes, dims) in [(4, 4), (3, 2), (6, 9)] {
        let config = BlobsConfig {
            classes,
            dims,
            layout: BlobsLayout::Simplex,
            ..Default::default()
        };
        let centres = blob_centres(&config, 0);
        for a in 0..classes {
            for b in a + 1..classes {
                let found = distance(&centres, a, b);
                assert!(
                    (found - 1.0).abs() < 1e-5,
                    "{classes} in {dims}-D: {a}-{b} is {found}"
                );
            }
        }
    }
}

#[test]
fn overlap_sets_the_spread_around_each_centre() {
    let config = BlobsConfig {
        n_per_class: 4000,
        overlap: 0.5,
        ..Default::default()
    };

    let dataset = blobs(&config, 8);

    let column = dataset.features.slice(ndarray::s![..4000, 0]).to_owned();
    let mean = column.mean().expect("rows");
    let std = column
        .mapv(|value| (value - mean).powi(2))
        .mean()
        .expect("rows")
        .sqrt();
    assert!((std - 0.5).abs() < 0.03, "std {std}");
}

#[test]
fn rings_sit_at_increasing_radii() {
    let dataset = rings(
        &RingsConfig {
            noise: 0.0,
            ..Default::default()
        },
        2,
    );

    for (row, &label) in dataset.features.rows().into_iter().zip(&dataset.labels) {
        let radius = row.dot(&row).sqrt();
        assert!((radius - (label + 1) as f32 / 3.0).abs() < 1e-5);
    }
}

#[test]
fn sanitised_clamps_out_of_range_fields_and_says_so() {
    let wild = BlobsConfig {
        n_per_class: 0,
        classes: 50,
        dims: 500,
        overlap: f32::NAN,
        ..Default::default()
    };

    let (config, notes) = wild.sanitised();

    assert_eq!(
        (config.n_per_class, config.classes, config.dims),
        (1, 3, MAX_DIMS)
    );
    assert_eq!(config.overlap, BlobsConfig::default().overlap);
    assert_eq!(notes.len(), 4, "{notes:?}");
    assert!(notes.iter().any(|note| note.contains("dims 500")));
    assert!(BlobsConfig::default().sanitised().1.is_empty());

    let (spiral, notes) = SpiralsConfig {
        turns: f32::INFINITY,
        ..Default::default()
    }
    .sanitised();
    assert_eq!((spiral.turns, notes.len()), (4.0, 1));
    let (ring, notes) = RingsConfig {
        noise: -1.0,
        classes: 1,
        ..Default::default()
    }
    .sanitised();
    assert_eq!((ring.noise, ring.classes, notes.len()), (0.0, 2, 2));
}
