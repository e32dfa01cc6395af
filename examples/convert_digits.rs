//! Rebuilds `assets/digits.bin` from the shared `digits.csv.gz`.
//!
//! ```text
//! cargo run --example convert_digits [path/to/digits.csv.gz]
//! ```
//!
//! Without an argument it reads `../shared/data/digits.csv.gz` next to the crate. It refuses a
//! source whose sha256 differs from the one in `shared/data/README.md`, so the bundled asset is
//! always reproducible from the published file. `tests/digits_asset.rs` repeats the conversion
//! and checks that the committed asset is byte-identical.
//!
//! The library embeds the asset with `include_bytes!`, so it must exist for this example to
//! compile; in a checkout without it, create an empty `assets/digits.bin` first.

use std::error::Error;
use std::io::Read;
use std::path::PathBuf;

use sha2::{Digest, Sha256};
use smoothing_lab::core::data::digits::{decode, encode_csv};

/// sha256 of `digits.csv.gz`, as given in `shared/data/README.md`.
const SOURCE_SHA256: &str = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22";

fn main() -> Result<(), Box<dyn Error>> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let source = match std::env::args_os().nth(1) {
        Some(path) => PathBuf::from(path),
        None => manifest_dir.join("../shared/data/digits.csv.gz"),
    };

    let compressed = std::fs::read(&source)
        .map_err(|error| format!("cannot read {}: {error}", source.display()))?;
    let digest = hex(&Sha256::digest(&compressed));
    if digest != SOURCE_SHA256 {
        let message = format!(
            "{} has sha256 {digest}, expected {SOURCE_SHA256}",
            source.display()
        );
        return Err(message.into());
    }

    let mut csv_text = String::new();
    flate2::read::GzDecoder::new(compressed.as_slice()).read_to_string(&mut csv_text)?;
    let bytes = encode_csv(&csv_text)?;
    let dataset = decode(&bytes)?;

    let target = manifest_dir.join("assets/digits.bin");
    std::fs::create_dir_all(manifest_dir.join("assets"))?;
    std::fs::write(&target, &bytes)?;

    println!("read      {} (sha256 {digest})", source.display());
    println!("wrote     {} ({} bytes)", target.display(), bytes.len());
    println!("records   {}", dataset.len());
    println!("per class {:?}", dataset.class_counts());
    println!("sha256    {}", hex(&Sha256::digest(&bytes)));
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
