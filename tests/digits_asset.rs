//! Checks the bundled `assets/digits.bin` against its published source.
//!
//! The asset must be exactly what `examples/convert_digits.rs` makes from
//! `../shared/data/digits.csv.gz`. Where that source is not checked out next to the crate the
//! reproduction test skips with a message; the shape checks always run.

use std::io::Read;
use std::path::PathBuf;

use sha2::{Digest, Sha256};
use smoothing_lab::core::data::digits::{digits, encode_csv};

/// sha256 of `digits.csv.gz`, as given in `shared/data/README.md`.
const SOURCE_SHA256: &str = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn asset_is_byte_identical_to_a_fresh_conversion_of_the_source() {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let source = manifest_dir.join("../shared/data/digits.csv.gz");
    let Ok(compressed) = std::fs::read(&source) else {
        eprintln!("skipping: {} is not available", source.display());
        return;
    };

    assert_eq!(
        hex(&Sha256::digest(&compressed)),
        SOURCE_SHA256,
        "source checksum"
    );

    let mut csv_text = String::new();
    flate2::read::GzDecoder::new(compressed.as_slice())
        .read_to_string(&mut csv_text)
        .expect("source is valid gzip text");
    let converted = encode_csv(&csv_text).expect("source is valid digits CSV");
    let bundled = std::fs::read(manifest_dir.join("assets/digits.bin")).expect("asset exists");

    assert_eq!(converted.len(), bundled.len(), "asset length");
    let first_difference = converted.iter().zip(&bundled).position(|(a, b)| a != b);
    assert_eq!(
        first_difference, None,
        "first differing byte of assets/digits.bin"
    );
}

#[test]
fn bundled_digits_have_1797_images_and_balanced_classes() {
    let dataset = digits();

    assert_eq!(dataset.len(), 1797);
    assert_eq!(dataset.classes, 10);
    for (digit, &count) in dataset.class_counts().iter().enumerate() {
        assert!(
            (174..=183).contains(&count),
            "digit {digit} has {count} images"
        );
    }
}
