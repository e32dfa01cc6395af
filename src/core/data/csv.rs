//! Reading a CSV file a learner uploads: numeric feature columns, then one label column.
//!
//! The first row is a header when any of its feature cells is not a number, or when its label
//! cell is not a number but every later label is (a header such as `x,y,label` over integer
//! labels). No later row is ever taken as a header.
//!
//! Labels may be integers or any text. When every label is an integer the classes are the
//! distinct values in ascending order; otherwise they are the distinct labels (trimmed) in order
//! of first appearance. Every problem is reported as a [`CsvError`] naming the line and column
//! (both counted from 1); no input makes the parser panic.

use std::collections::HashMap;

use ndarray::Array2;

use super::Dataset;

/// Largest accepted upload, in bytes (20 MiB).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// Fewest distinct labels a classification problem needs.
pub const MIN_CLASSES: usize = 2;
/// Most distinct labels accepted.
pub const MAX_CLASSES: usize = 50;

/// Cell values quoted in an error are cut to this many characters.
const SHOWN_CHARS: usize = 40;

/// Why an uploaded CSV file cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CsvError {
    /// The file is larger than [`MAX_BYTES`].
    #[error("the file has {bytes} bytes; the limit is {MAX_BYTES}")]
    TooLarge { bytes: usize },
    /// No data rows (the file is blank or holds only a header).
    #[error("the file has no data rows")]
    Empty,
    /// The first row has fewer than two cells, so there is no feature column before the label.
    #[error("the first row has {found} column(s); need at least one feature and a label")]
    TooFewColumns { found: usize },
    /// A row with a different number of cells from the first row.
    #[error("line {line} has {found} cells, but the first row has {expected}")]
    Ragged {
        line: usize,
        expected: usize,
        found: usize,
    },
    /// A feature cell that is not a number.
    #[error("line {line}, column {column}: '{value}' is not a number")]
    NonNumeric {
        line: usize,
        column: usize,
        value: String,
    },
    /// A feature cell that is NaN or infinite (including numbers too large for `f32`).
    #[error("line {line}, column {column}: '{value}' is not a finite number")]
    NotFinite {
        line: usize,
        column: usize,
        value: String,
    },
    /// A data row whose label cell is empty.
    #[error("line {line}: the label (last column) is empty")]
    MissingLabel { line: usize },
    /// Fewer than [`MIN_CLASSES`] distinct labels.
    #[error("found {found} distinct label(s); need at least {MIN_CLASSES}")]
    TooFewClasses { found: usize },
    /// More than [`MAX_CLASSES`] distinct labels.
    #[error("found {found} distinct labels; at most {MAX_CLASSES} are allowed")]
    TooManyClasses { found: usize },
    /// A cell that is not valid UTF-8 text.
    #[error("line {line}, column {column}: the cell is not valid UTF-8 text")]
    InvalidUtf8 { line: usize, column: usize },
    /// The CSV reader failed for another reason.
    #[error("line {line}: unreadable CSV ({message})")]
    Malformed { line: usize, message: String },
}

/// Parses an uploaded CSV file into a [`Dataset`] named "uploaded CSV".
pub fn parse_csv(bytes: &[u8]) -> Result<Dataset, CsvError> {
    if bytes.len() > MAX_BYTES {
        return Err(CsvError::TooLarge { bytes: bytes.len() });
    }

    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = ::csv::ByteRecord::new();
    let mut rows = Rows::default();
    let mut first: Option<FirstRow> = None;
    let mut later_labels_numeric = true;

    while read(&mut reader, &mut record)? {
        let line = record
            .position()
            .map_or(0, |position| position.line() as usize);
        let cells = text_cells(&record, line)?;
        let Some(first_row) = &first else {
            first = Some(rows.push_first(&cells, line)?);
            continue;
        };

        if cells.len() != first_row.width {
            let (expected, found) = (first_row.width, cells.len());
            return Err(CsvError::Ragged {
                line,
                expected,
                found,
            });
        }
        let (features, label) = cells.split_at(cells.len() - 1);
        let label = label[0].trim();
        if label.is_empty() {
            return Err(CsvError::MissingLabel { line });
        }
        later_labels_numeric &= is_number(label);
        rows.push_features(features, line)?;
        rows.push_label(label);
    }

    let first = first.ok_or(CsvError::Empty)?;
    let label_is_header =
        !first.label_numeric && !first.label_empty && later_labels_numeric && rows.labels.len() > 1;
    if first.has_features && label_is_header {
        rows.drop_first(first.width - 1);
    } else if first.has_features && first.label_empty {
        return Err(CsvError::MissingLabel { line: first.line });
    }
    rows.into_dataset(first.width - 1)
}

/// What the rest of the file needs to know about its first row.
struct FirstRow {
    line: usize,
    width: usize,
    /// Whether the row's features were numeric and so were stored as a tentative data row.
    has_features: bool,
    label_numeric: bool,
    label_empty: bool,
}

/// Features and interned labels of the data rows read so far.
#[derive(Default)]
struct Rows {
    features: Vec<f32>,
    labels: Vec<usize>,
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Rows {
    /// Stores the first row as data unless a feature cell shows it is a header.
    fn push_first(&mut self, cells: &[&str], line: usize) -> Result<FirstRow, CsvError> {
        if cells.len() < 2 {
            return Err(CsvError::TooFewColumns { found: cells.len() });
        }

        let (features, label) = cells.split_at(cells.len() - 1);
        let label = label[0].trim();
        let has_features = features.iter().all(|cell| is_number(cell.trim()));
        if has_features {
            self.push_features(features, line)?;
            self.push_label(label);
        }
        Ok(FirstRow {
            line,
            width: cells.len(),
            has_features,
            label_numeric: is_number(label),
            label_empty: label.is_empty(),
        })
    }

    fn push_features(&mut self, cells: &[&str], line: usize) -> Result<(), CsvError> {
        for (index, cell) in cells.iter().enumerate() {
            let (column, value) = (index + 1, shown(cell));
            let parsed = cell.trim().parse::<f32>();
            match parsed {
                Ok(number) if number.is_finite() => self.features.push(number),
                Ok(_) => {
                    return Err(CsvError::NotFinite {
                        line,
                        column,
                        value,
                    })
                }
                Err(_) => {
                    return Err(CsvError::NonNumeric {
                        line,
                        column,
                        value,
                    })
                }
            }
        }
        Ok(())
    }

    fn push_label(&mut self, label: &str) {
        let next = self.names.len();
        let class = *self.index.entry(label.to_string()).or_insert(next);
        if class == next {
            self.names.push(label.to_string());
        }
        self.labels.push(class);
    }

    /// Forgets the first row after all: it was a header. Its label was the first name seen and,
    /// being the only non-numeric label, occurs nowhere else.
    fn drop_first(&mut self, dim: usize) {
        self.features.drain(..dim);
        self.labels.remove(0);
        self.names.remove(0);
        for label in &mut self.labels {
            *label -= 1;
        }
    }

    fn into_dataset(mut self, dim: usize) -> Result<Dataset, CsvError> {
        if self.labels.is_empty() {
            return Err(CsvError::Empty);
        }

        let integers: Option<Vec<i64>> = self
            .names
            .iter()
            .map(|name| name.parse::<i64>().ok())
            .collect();
        if let Some(values) = integers {
            // "7" and "07" are the same class once the labels are read as numbers.
            let mut sorted = values.clone();
            sorted.sort_unstable();
            sorted.dedup();
            for label in &mut self.labels {
                *label = sorted
                    .binary_search(&values[*label])
                    .expect("value comes from sorted");
            }
            self.names = sorted.iter().map(i64::to_string).collect();
        }

        let found = self.names.len();
        if found < MIN_CLASSES {
            return Err(CsvError::TooFewClasses { found });
        }
        if found > MAX_CLASSES {
            return Err(CsvError::TooManyClasses { found });
        }

        let rows = self.labels.len();
        let features = Array2::from_shape_vec((rows, dim), self.features)
            .expect("every stored row has exactly dim features");
        Ok(Dataset {
            name: "uploaded CSV".to_string(),
            features,
            labels: self.labels,
            classes: self.names.len(),
            class_names: self.names,
            image_side: None,
        })
    }
}

fn read<R: std::io::Read>(
    reader: &mut ::csv::Reader<R>,
    record: &mut ::csv::ByteRecord,
) -> Result<bool, CsvError> {
    reader
        .read_byte_record(record)
        .map_err(|error| CsvError::Malformed {
            line: error
                .position()
                .map_or(0, |position| position.line() as usize),
            message: error.to_string(),
        })
}

fn text_cells(record: &::csv::ByteRecord, line: usize) -> Result<Vec<&str>, CsvError> {
    let mut cells = Vec::with_capacity(record.len());
    for (index, cell) in record.iter().enumerate() {
        let text = std::str::from_utf8(cell).map_err(|_| CsvError::InvalidUtf8 {
            line,
            column: index + 1,
        })?;
        cells.push(text);
    }
    Ok(cells)
}

fn is_number(cell: &str) -> bool {
    cell.parse::<f64>().is_ok()
}

fn shown(cell: &str) -> String {
    let mut chars = cell.chars();
    let mut value: String = chars.by_ref().take(SHOWN_CHARS).collect();
    if chars.next().is_some() {
        value.push('…');
    }
    value
}

#[cfg(test)]
mod tests;
