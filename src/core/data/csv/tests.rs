//! Tests for the CSV upload parser: one per error, the header and label rules, and a seeded
//! stream of junk that must never make the parser panic.

// Under wasm32 the same tests run in Node through wasm-bindgen-test, on the simd128 kernels.
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::*;
use ndarray::array;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn parse(text: &str) -> Result<Dataset, CsvError> {
    parse_csv(text.as_bytes())
}

#[test]
fn reads_features_and_integer_labels_without_a_header() {
    let dataset = parse("1,2.5,0\n-3,4e1,1\n").expect("valid CSV");

    assert_eq!(dataset.features, array![[1.0, 2.5], [-3.0, 40.0]]);
    assert_eq!(dataset.labels, vec![0, 1]);
    assert_eq!(dataset.class_names, vec!["0", "1"]);
    assert_eq!(dataset.image_side, None);
}

#[test]
fn a_first_row_with_text_features_is_a_header() {
    let dataset = parse("width,height,kind\n1,2,cat\n3,4,dog\n5,6,cat\n").expect("valid CSV");

    assert_eq!(dataset.len(), 3);
    assert_eq!(dataset.labels, vec![0, 1, 0]);
    assert_eq!(dataset.class_names, vec!["cat", "dog"]);
}

#[test]
fn a_text_label_over_numeric_labels_marks_a_numeric_header() {
    let dataset = parse("1,2,label\n3,4,0\n5,6,1\n").expect("valid CSV");

    assert_eq!(dataset.features, array![[3.0, 4.0], [5.0, 6.0]]);
    assert_eq!(dataset.labels, vec![0, 1]);
}

#[test]
fn text_labels_keep_the_first_row_and_their_order_of_appearance() {
    let dataset = parse("1,zebra\n2,ant\n3, zebra\n4,moth\n").expect("valid CSV");

    assert_eq!(dataset.len(), 4);
    assert_eq!(dataset.class_names, vec!["zebra", "ant", "moth"]);
    assert_eq!(dataset.labels, vec![0, 1, 0, 2]);
}

#[test]
fn integer_labels_are_sorted_and_equal_values_merge() {
    let dataset = parse("0,10\n1,2\n2,-1\n3,02\n").expect("valid CSV");

    assert_eq!(dataset.class_names, vec!["-1", "2", "10"]);
    assert_eq!(dataset.labels, vec![2, 1, 0, 1]);
}

#[test]
fn quotes_crlf_blank_lines_bom_and_padding_are_accepted() {
    let text = "\u{FEFF}\"a\",\"b\",c\r\n\r\n\"1\", 2 ,x\r\n3,4, y\r\n";

    let dataset = parse(text).expect("valid CSV");

    assert_eq!(dataset.features, array![[1.0, 2.0], [3.0, 4.0]]);
    assert_eq!(dataset.class_names, vec!["x", "y"]);
}

#[test]
fn too_large_is_checked_before_anything_else() {
    let bytes = vec![0xFF; MAX_BYTES + 1];

    assert_eq!(
        parse_csv(&bytes),
        Err(CsvError::TooLarge {
            bytes: MAX_BYTES + 1
        })
    );
}

#[test]
fn blank_files_and_header_only_files_are_empty() {
    assert_eq!(parse(""), Err(CsvError::Empty));
    assert_eq!(parse("\n\n"), Err(CsvError::Empty));
    assert_eq!(parse("x,y,label\n"), Err(CsvError::Empty));
}

#[test]
fn a_single_column_is_too_few() {
    assert_eq!(parse("1\n2\n"), Err(CsvError::TooFewColumns { found: 1 }));
}

#[test]
fn ragged_rows_name_their_line_and_width() {
    let found = parse("x,y,label\n1,2,0\n3,4,1\n5,1\n");

    assert_eq!(
        found,
        Err(CsvError::Ragged {
            line: 4,
            expected: 3,
            found: 2
        })
    );
    let found = parse("1,2,0\n3,4,1,9\n");
    assert_eq!(
        found,
        Err(CsvError::Ragged {
            line: 2,
            expected: 3,
            found: 4
        })
    );
}

#[test]
fn non_numeric_features_name_line_column_and_value() {
    let found = parse("x,y,label\n1,2,0\n3,abc,1\n");

    let expected = CsvError::NonNumeric {
        line: 3,
        column: 2,
        value: "abc".into(),
    };
    assert_eq!(found, Err(expected));
    let found = parse("1,2,0\n,4,1\n");
    assert_eq!(
        found,
        Err(CsvError::NonNumeric {
            line: 2,
            column: 1,
            value: String::new()
        })
    );
}

#[test]
fn long_offending_values_are_shortened() {
    let long = "q".repeat(100);

    let found = parse(&format!("1,2,0\n3,{long},1\n"));

    let expected = format!("{}…", "q".repeat(SHOWN_CHARS));
    assert_eq!(
        found,
        Err(CsvError::NonNumeric {
            line: 2,
            column: 2,
            value: expected
        })
    );
}

#[test]
fn nan_infinity_and_overflow_are_not_finite() {
    for (cell, column) in [("NaN", 2), ("inf", 1), ("-infinity", 2), ("1e40", 1)] {
        let row = if column == 1 {
            format!("{cell},4,1")
        } else {
            format!("3,{cell},1")
        };

        let found = parse(&format!("1,2,0\n{row}\n"));

        let expected = CsvError::NotFinite {
            line: 2,
            column,
            value: cell.into(),
        };
        assert_eq!(found, Err(expected), "cell {cell}");
    }
}

#[test]
fn empty_labels_name_their_line() {
    assert_eq!(
        parse("1,2,0\n3,4,\n"),
        Err(CsvError::MissingLabel { line: 2 })
    );
    assert_eq!(
        parse("1,2,\n3,4,0\n5,6,1\n"),
        Err(CsvError::MissingLabel { line: 1 })
    );
}

#[test]
fn class_counts_outside_two_to_fifty_are_rejected() {
    assert_eq!(
        parse("1,2,0\n3,4,0\n"),
        Err(CsvError::TooFewClasses { found: 1 })
    );
    assert_eq!(
        parse("1,2,5\n3,4,05\n"),
        Err(CsvError::TooFewClasses { found: 1 })
    );

    let rows: String = (0..51).map(|class| format!("{class},{class}\n")).collect();
    assert_eq!(parse(&rows), Err(CsvError::TooManyClasses { found: 51 }));
    let rows: String = (0..50).map(|class| format!("{class},c{class}\n")).collect();
    assert_eq!(parse(&rows).map(|dataset| dataset.classes), Ok(50));
}

#[test]
fn invalid_utf8_names_line_and_column() {
    let found = parse_csv(b"1,2,0\n3,4,1\n5,\xFF\xFE,1\n");

    assert_eq!(found, Err(CsvError::InvalidUtf8 { line: 3, column: 2 }));
}

#[test]
fn line_numbers_count_physical_lines_inside_quoted_cells() {
    let found = parse("\"x\ny\",z,label\n1,2,0\n3,?,1\n");

    let expected = CsvError::NonNumeric {
        line: 4,
        column: 2,
        value: "?".into(),
    };
    assert_eq!(found, Err(expected));
}

/// Junk from `pieces`, or (when `rows` is set) rows of three cells that are mostly valid.
fn junk(rng: &mut ChaCha8Rng, rows: bool) -> Vec<u8> {
    const PIECES: [&[u8]; 16] = [
        b"0", b"7", b"-1.5", b"2e3", b",", b",", b"\n", b"\r\n", b"\"", b"nan", b"inf", b"cat",
        b" ", b"\xFF", b"\xC3", b"1e39",
    ];
    let mut bytes = Vec::new();

    for _ in 0..rng.gen_range(0..40) {
        if rows {
            let label = rng.gen_range(0..3);
            let row = format!("{},{:.2},{label}\n", rng.gen_range(-9..9), rng.gen::<f32>());
            bytes.extend_from_slice(row.as_bytes());
        }
        if rng.gen_bool(if rows { 0.02 } else { 0.95 }) {
            bytes.extend_from_slice(PIECES[rng.gen_range(0..PIECES.len())]);
        }
        if rng.gen_bool(0.03) {
            bytes.push(rng.gen());
        }
    }
    bytes
}

#[test]
fn random_bytes_never_panic_and_successes_are_consistent() {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut successes = 0;

    for attempt in 0..4000 {
        let bytes = junk(&mut rng, attempt % 2 == 0);

        if let Ok(dataset) = parse_csv(&bytes) {
            successes += 1;
            assert_eq!(dataset.features.nrows(), dataset.len());
            assert_eq!(dataset.class_names.len(), dataset.classes);
            assert!((MIN_CLASSES..=MAX_CLASSES).contains(&dataset.classes));
            assert!(dataset.labels.iter().all(|&label| label < dataset.classes));
            assert!(dataset.features.iter().all(|value| value.is_finite()));
        }
    }

    assert!(
        successes > 100,
        "only {successes} inputs parsed; the generator is too noisy"
    );
}
