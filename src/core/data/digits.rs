//! The bundled handwritten digits: 1,797 images of 8×8 pixels, each pixel a count from 0 to 16.
//!
//! The app ships them as `assets/digits.bin`, converted from `digits.csv.gz` by
//! `examples/convert_digits.rs` with [`encode_csv`]. The binary form is one 65-byte record per
//! image, in the CSV's row order:
//!
//! ```text
//! byte 0..64   pixel counts 0..=16, row-major (row 0 left to right, then row 1, ...)
//! byte 64      label 0..=9
//! ```
//!
//! Data: UCI "Optical Recognition of Handwritten Digits" (E. Alpaydin and C. Kaynak, 1998),
//! CC BY 4.0.

use ndarray::Array2;

use super::Dataset;

/// Pixels per image.
pub const PIXELS: usize = 64;
/// Bytes per record: the pixels, then the label.
pub const RECORD_BYTES: usize = PIXELS + 1;
/// Side of the square image.
pub const IMAGE_SIDE: usize = 8;
/// Largest pixel count.
pub const MAX_PIXEL: u8 = 16;
/// Number of digit classes.
pub const CLASSES: usize = 10;

static DIGITS_BIN: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/digits.bin"));

/// What can be wrong with digits in binary or CSV form.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DigitsError {
    /// The binary data is empty or not a whole number of 65-byte records.
    #[error("digits data has {bytes} bytes, which is not a positive multiple of {RECORD_BYTES}")]
    Length { bytes: usize },
    /// A pixel count above 16. `record` and `pixel` count from 1.
    #[error("record {record}, pixel {pixel}: count {value} is above {MAX_PIXEL}")]
    PixelOutOfRange {
        record: usize,
        pixel: usize,
        value: u8,
    },
    /// A label above 9. `record` counts from 1.
    #[error("record {record}: label {value} is not a digit 0 to 9")]
    LabelOutOfRange { record: usize, value: u8 },
    /// A CSV line without exactly 65 cells.
    #[error("line {line}: expected {RECORD_BYTES} cells, found {found}")]
    CellCount { line: usize, found: usize },
    /// A CSV cell that is not a whole number from 0 to 255. `column` counts from 1.
    #[error("line {line}, column {column}: '{value}' is not a whole number from 0 to 255")]
    NotACount {
        line: usize,
        column: usize,
        value: String,
    },
    /// The CSV reader itself failed.
    #[error("line {line}: unreadable CSV ({message})")]
    Malformed { line: usize, message: String },
}

/// The bundled digits: pixel counts as `f32` (not standardised), class names "0" to "9".
///
/// Decodes the embedded 117 KB on every call; keep the result rather than calling it per epoch.
pub fn digits() -> Dataset {
    decode(DIGITS_BIN).expect("the bundled asset is valid; tests/digits_asset.rs checks it")
}

/// Decodes the binary form, checking its length, every pixel and every label.
pub fn decode(bytes: &[u8]) -> Result<Dataset, DigitsError> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(RECORD_BYTES) {
        return Err(DigitsError::Length { bytes: bytes.len() });
    }

    let count = bytes.len() / RECORD_BYTES;
    let mut pixels = Vec::with_capacity(count * PIXELS);
    let mut labels = Vec::with_capacity(count);
    for (index, record) in bytes.chunks_exact(RECORD_BYTES).enumerate() {
        let (image, label) = record.split_at(PIXELS);
        check_record(index + 1, image, label[0])?;
        pixels.extend(image.iter().map(|&value| f32::from(value)));
        labels.push(usize::from(label[0]));
    }

    let features = Array2::from_shape_vec((count, PIXELS), pixels)
        .expect("each record contributes exactly PIXELS values");
    Ok(Dataset {
        name: "digits".to_string(),
        features,
        labels,
        classes: CLASSES,
        class_names: (0..CLASSES).map(|digit| digit.to_string()).collect(),
        image_side: Some(IMAGE_SIDE),
    })
}

/// Converts the CSV form (65 integer cells a line, no header) into the binary form.
pub fn encode_csv(csv_text: &str) -> Result<Vec<u8>, DigitsError> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv_text.as_bytes());

    let mut bytes = Vec::new();
    let mut record = ::csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                let line = error
                    .position()
                    .map_or(0, |position| position.line() as usize);
                return Err(DigitsError::Malformed {
                    line,
                    message: error.to_string(),
                });
            }
        }

        let line = record
            .position()
            .map_or(0, |position| position.line() as usize);
        if record.len() != RECORD_BYTES {
            return Err(DigitsError::CellCount {
                line,
                found: record.len(),
            });
        }
        let start = bytes.len();
        for (index, cell) in record.iter().enumerate() {
            let value = cell
                .trim()
                .parse::<u8>()
                .map_err(|_| DigitsError::NotACount {
                    line,
                    column: index + 1,
                    value: cell.to_string(),
                })?;
            bytes.push(value);
        }

        let (image, label) = bytes[start..].split_at(PIXELS);
        check_record(start / RECORD_BYTES + 1, image, label[0])?;
    }

    if bytes.is_empty() {
        return Err(DigitsError::Length { bytes: 0 });
    }
    Ok(bytes)
}

fn check_record(record: usize, image: &[u8], label: u8) -> Result<(), DigitsError> {
    if let Some(pixel) = image.iter().position(|&value| value > MAX_PIXEL) {
        return Err(DigitsError::PixelOutOfRange {
            record,
            pixel: pixel + 1,
            value: image[pixel],
        });
    }
    if usize::from(label) >= CLASSES {
        return Err(DigitsError::LabelOutOfRange {
            record,
            value: label,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    // Under wasm32 the same tests run in Node through wasm-bindgen-test, on the simd128 kernels.
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn csv_line(pixels: [u8; PIXELS], label: u8) -> String {
        let cells: Vec<String> = pixels.iter().chain([&label]).map(u8::to_string).collect();
        cells.join(",")
    }

    #[test]
    fn bundled_digits_have_the_documented_shape() {
        let dataset = digits();

        assert_eq!(dataset.features.dim(), (1797, PIXELS));
        assert_eq!(dataset.image_side, Some(IMAGE_SIDE));
        assert_eq!(dataset.class_names[7], "7");
        assert!(dataset
            .class_counts()
            .iter()
            .all(|count| (174..=183).contains(count)));
        assert!(dataset
            .features
            .iter()
            .all(|&value| (0.0..=16.0).contains(&value)));
    }

    #[test]
    fn csv_encodes_then_decodes_to_the_same_numbers() {
        let mut first = [0u8; PIXELS];
        first[0] = 16;
        first[63] = 3;
        let second = [7u8; PIXELS];
        let text = format!("{}\n{}\n", csv_line(first, 9), csv_line(second, 0));

        let bytes = encode_csv(&text).expect("valid digits CSV");
        let dataset = decode(&bytes).expect("valid digits bytes");

        assert_eq!(bytes.len(), 2 * RECORD_BYTES);
        assert_eq!(bytes[PIXELS], 9);
        assert_eq!(dataset.labels, vec![9, 0]);
        assert_eq!(dataset.features[[0, 0]], 16.0);
        assert_eq!(dataset.features[[0, 63]], 3.0);
        assert!(dataset.features.row(1).iter().all(|&value| value == 7.0));
    }

    #[test]
    fn bundled_bytes_survive_a_decode_round_trip() {
        let dataset = decode(DIGITS_BIN).expect("bundled asset decodes");
        let mut rebuilt = Vec::with_capacity(DIGITS_BIN.len());
        for (row, &label) in dataset.features.rows().into_iter().zip(&dataset.labels) {
            rebuilt.extend(row.iter().map(|&value| value as u8));
            rebuilt.push(label as u8);
        }

        assert_eq!(rebuilt, DIGITS_BIN);
    }

    #[test]
    fn decode_rejects_partial_records_and_out_of_range_values() {
        let mut record = [0u8; RECORD_BYTES];

        assert_eq!(decode(&[]), Err(DigitsError::Length { bytes: 0 }));
        assert_eq!(
            decode(&record[..64]),
            Err(DigitsError::Length { bytes: 64 })
        );

        record[10] = 17;
        let expected = DigitsError::PixelOutOfRange {
            record: 1,
            pixel: 11,
            value: 17,
        };
        assert_eq!(decode(&record), Err(expected));

        record[10] = 0;
        record[PIXELS] = 10;
        assert_eq!(
            decode(&record),
            Err(DigitsError::LabelOutOfRange {
                record: 1,
                value: 10
            })
        );
    }

    #[test]
    fn encode_names_the_line_and_column_of_a_bad_cell() {
        let good = csv_line([1; PIXELS], 1);
        let short = "1,2,3";
        let negative = good.replacen("1", "-1", 1);
        let too_bright = csv_line([20; PIXELS], 1);

        let found = encode_csv(&format!("{good}\n{short}\n"));
        assert_eq!(found, Err(DigitsError::CellCount { line: 2, found: 3 }));

        let found = encode_csv(&format!("{good}\n{good}\n{negative}\n"));
        let expected = DigitsError::NotACount {
            line: 3,
            column: 1,
            value: "-1".to_string(),
        };
        assert_eq!(found, Err(expected));

        let found = encode_csv(&format!("{good}\n{too_bright}\n"));
        let expected = DigitsError::PixelOutOfRange {
            record: 2,
            pixel: 1,
            value: 20,
        };
        assert_eq!(found, Err(expected));

        assert_eq!(encode_csv(""), Err(DigitsError::Length { bytes: 0 }));
    }
}
