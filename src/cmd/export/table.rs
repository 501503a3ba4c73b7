//! A table being exported: typed columns filled row by row and written in
//! batches, as CSV or as Parquet row groups, so memory stays at one batch.
//!
//! Fixed-point numbers stay exact: a decimal column has one scale (the
//! largest of the session's instruments for that column), every value is
//! rescaled to it with integer arithmetic, and Parquet stores it as
//! `Decimal128(38, scale)`, CSV as its decimal text.

use arrow_array::builder::{BooleanBuilder, Decimal128Builder, Int64Builder, StringBuilder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use std::io::{self, Write};
use std::sync::Arc;

/// Rows per batch (one Parquet row group, one CSV write).
pub const BATCH_ROWS: usize = 65_536;

/// The type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColType {
    I64,
    U64,
    Str,
    Bool,
    /// Exact decimal with this many fraction digits.
    Dec(u8),
}

/// One value of a row.
#[derive(Clone, Copy, Debug)]
pub enum Val<'a> {
    I64(i64),
    U64(u64),
    Str(&'a str),
    Bool(bool),
    /// A raw fixed-point integer and its scale.
    Dec(i128, u8),
}

enum Col {
    I64(Vec<i64>),
    U64(Vec<u64>),
    Str(Vec<String>),
    Bool(Vec<bool>),
    Dec(Vec<i128>, u8),
}

/// Where the batches go.
pub enum Out {
    Csv(io::BufWriter<std::fs::File>),
    Parquet(Box<parquet::arrow::ArrowWriter<std::fs::File>>),
}

pub struct Table {
    names: Vec<&'static str>,
    cols: Vec<Col>,
    schema: Arc<Schema>,
    out: Option<Out>,
    rows: u64,
    /// Values refused: a decimal that does not fit its column's scale.
    pub overflows: u64,
}

impl Table {
    /// A table with `columns`, written to `file` as `format` (`csv` or `parquet`).
    pub fn create(columns: &[(&'static str, ColType)], file: &std::path::Path, parquet: bool) -> io::Result<Self> {
        let fields: Vec<Field> = columns
            .iter()
            .map(|(n, t)| {
                let dt = match t {
                    ColType::I64 => DataType::Int64,
                    ColType::U64 => DataType::UInt64,
                    ColType::Str => DataType::Utf8,
                    ColType::Bool => DataType::Boolean,
                    ColType::Dec(s) => DataType::Decimal128(38, i8::try_from(*s).unwrap_or(18)),
                };
                Field::new(*n, dt, false)
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let f = std::fs::File::create(file)?;
        let out = if parquet {
            let props = parquet::file::properties::WriterProperties::builder()
                .set_compression(parquet::basic::Compression::ZSTD(parquet::basic::ZstdLevel::default()))
                .build();
            let w = parquet::arrow::ArrowWriter::try_new(f, schema.clone(), Some(props)).map_err(io::Error::other)?;
            Out::Parquet(Box::new(w))
        } else {
            let mut w = io::BufWriter::new(f);
            let header: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
            writeln!(w, "{}", header.join(","))?;
            Out::Csv(w)
        };
        let cols = columns
            .iter()
            .map(|(_, t)| match t {
                ColType::I64 => Col::I64(Vec::new()),
                ColType::U64 => Col::U64(Vec::new()),
                ColType::Str => Col::Str(Vec::new()),
                ColType::Bool => Col::Bool(Vec::new()),
                ColType::Dec(s) => Col::Dec(Vec::new(), *s),
            })
            .collect();
        Ok(Self {
            names: columns.iter().map(|(n, _)| *n).collect(),
            cols,
            schema,
            out: Some(out),
            rows: 0,
            overflows: 0,
        })
    }

    /// Adds one row; values must match the columns in order and type.
    pub fn push(&mut self, row: &[Val<'_>]) -> io::Result<()> {
        if row.len() != self.cols.len() {
            return Err(io::Error::other(format!("row of {} values for {} columns", row.len(), self.names.len())));
        }
        for (c, v) in self.cols.iter_mut().zip(row) {
            match (c, v) {
                (Col::I64(x), Val::I64(v)) => x.push(*v),
                (Col::U64(x), Val::U64(v)) => x.push(*v),
                (Col::Str(x), Val::Str(v)) => x.push((*v).to_string()),
                (Col::Bool(x), Val::Bool(v)) => x.push(*v),
                (Col::Dec(x, to), Val::Dec(raw, from)) => {
                    let v = rescale(*raw, *from, *to).unwrap_or_else(|| {
                        self.overflows += 1;
                        0
                    });
                    x.push(v);
                }
                _ => return Err(io::Error::other("a value does not match its column's type")),
            }
        }
        self.rows += 1;
        if self.rows % BATCH_ROWS as u64 == 0 {
            self.write_batch()?;
        }
        Ok(())
    }

    fn pending(&self) -> usize {
        match self.cols.first() {
            Some(Col::I64(v)) => v.len(),
            Some(Col::U64(v)) => v.len(),
            Some(Col::Str(v)) => v.len(),
            Some(Col::Bool(v)) => v.len(),
            Some(Col::Dec(v, _)) => v.len(),
            None => 0,
        }
    }

    fn write_batch(&mut self) -> io::Result<()> {
        let n = self.pending();
        if n == 0 {
            return Ok(());
        }
        match self.out.as_mut() {
            Some(Out::Csv(w)) => {
                let mut line = String::new();
                for i in 0..n {
                    line.clear();
                    for (k, c) in self.cols.iter().enumerate() {
                        if k > 0 {
                            line.push(',');
                        }
                        match c {
                            Col::I64(v) => line.push_str(&v[i].to_string()),
                            Col::U64(v) => line.push_str(&v[i].to_string()),
                            Col::Str(v) => line.push_str(&csv_field(&v[i])),
                            Col::Bool(v) => line.push_str(if v[i] { "true" } else { "false" }),
                            Col::Dec(v, s) => line.push_str(&decimal(v[i], *s)),
                        }
                    }
                    line.push('\n');
                    w.write_all(line.as_bytes())?;
                }
            }
            Some(Out::Parquet(w)) => {
                let arrays: Vec<ArrayRef> = self.cols.iter().map(to_array).collect::<io::Result<_>>()?;
                let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(io::Error::other)?;
                w.write(&batch).map_err(io::Error::other)?;
                w.flush().map_err(io::Error::other)?;
            }
            None => {}
        }
        for c in &mut self.cols {
            match c {
                Col::I64(v) => v.clear(),
                Col::U64(v) => v.clear(),
                Col::Str(v) => v.clear(),
                Col::Bool(v) => v.clear(),
                Col::Dec(v, _) => v.clear(),
            }
        }
        Ok(())
    }

    /// Writes what is left and closes the file.
    pub fn finish(mut self) -> io::Result<u64> {
        self.write_batch()?;
        match self.out.take() {
            Some(Out::Csv(mut w)) => w.flush()?,
            Some(Out::Parquet(w)) => {
                w.close().map_err(io::Error::other)?;
            }
            None => {}
        }
        Ok(self.rows)
    }
}

fn to_array(c: &Col) -> io::Result<ArrayRef> {
    Ok(match c {
        Col::I64(v) => {
            let mut b = Int64Builder::with_capacity(v.len());
            b.append_slice(v);
            Arc::new(b.finish())
        }
        Col::U64(v) => {
            let mut b = UInt64Builder::with_capacity(v.len());
            b.append_slice(v);
            Arc::new(b.finish())
        }
        Col::Str(v) => {
            let mut b = StringBuilder::new();
            for s in v {
                b.append_value(s);
            }
            Arc::new(b.finish())
        }
        Col::Bool(v) => {
            let mut b = BooleanBuilder::with_capacity(v.len());
            b.append_slice(v);
            Arc::new(b.finish())
        }
        Col::Dec(v, s) => {
            let mut b = Decimal128Builder::with_capacity(v.len())
                .with_precision_and_scale(38, i8::try_from(*s).unwrap_or(18))
                .map_err(io::Error::other)?;
            b.append_slice(v);
            Arc::new(b.finish())
        }
    })
}

/// `raw` at scale `from` as an integer at scale `to` (never loses digits:
/// a value that would is refused).
pub fn rescale(raw: i128, from: u8, to: u8) -> Option<i128> {
    if to >= from {
        raw.checked_mul(10i128.checked_pow(u32::from(to - from))?)
    } else {
        let d = 10i128.checked_pow(u32::from(from - to))?;
        (raw % d == 0).then_some(raw / d)
    }
}

/// Exact decimal text of `raw` at `scale` (`-12.340`).
pub fn decimal(raw: i128, scale: u8) -> String {
    let neg = raw < 0;
    let digits = raw.unsigned_abs().to_string();
    let s = usize::from(scale);
    let body = if s == 0 {
        digits
    } else if digits.len() > s {
        format!("{}.{}", &digits[..digits.len() - s], &digits[digits.len() - s..])
    } else {
        format!("0.{}{}", "0".repeat(s - digits.len()), digits)
    };
    if neg { format!("-{body}") } else { body }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_exact_text() {
        assert_eq!(decimal(1234, 2), "12.34");
        assert_eq!(decimal(-5, 3), "-0.005");
        assert_eq!(decimal(7, 0), "7");
        assert_eq!(decimal(0, 2), "0.00");
    }

    #[test]
    fn rescaling_never_loses_digits() {
        assert_eq!(rescale(1234, 2, 4), Some(123_400));
        assert_eq!(rescale(123_400, 4, 2), Some(1234));
        assert_eq!(rescale(123_401, 4, 2), None);
        assert_eq!(rescale(i128::MAX, 0, 1), None);
    }
}
