//! A benchmark file already on disk, read for `--resume`: its rows as written (so a rewrite
//! keeps them byte for byte), the cell each fills, and what the summary needs of each. A line
//! cut short by a kill (the file does not end in a newline) is dropped: that request runs again.

use std::io::{self, Write};
use std::path::Path;

use super::rows::columns;
use super::summary::Sample;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Clone)]
enum Raw {
    Csv(::csv::StringRecord),
    Json(String),
}

/// Why a stored bench file cannot be read back and completed (the data only; a front end words it).
#[derive(Debug)]
pub enum ResumeProblem {
    Read(std::io::Error),
    NotUtf8,
    Empty,
    /// A CSV whose header is not the bench columns.
    Columns,
    BadLine(usize),
    BadRow {
        line: usize,
        field: &'static str,
    },
    /// The file holds more than one run.
    MixedRuns(String, String),
    /// The file holds rows of prompts or models this run does not have, or was made with
    /// other prompts, repeats or request settings.
    OtherRun {
        file: String,
        ours: String,
        extra: Vec<String>,
    },
    /// `--format` names another format than the file's.
    Format,
    /// Not a regular file (a device, a FIFO): a resume rewrites the file it completes.
    NotAFile,
    /// Larger than any bench file llmx would read back.
    TooLarge(u64),
}

/// The largest bench file `--resume` reads (about a million rows).
pub const MAX_STORED_BYTES: u64 = 2 << 30;

/// One row of the file.
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub run_id: String,
    pub prompt_id: String,
    pub model: String,
    pub repeat: u32,
    pub sample: Sample,
    /// The start of the answer and the error, for the report (see [`super::findings`]).
    pub answer: String,
    pub error: Option<String>,
    raw: Raw,
}

impl StoredRow {
    pub fn ok(&self) -> bool {
        self.sample.ok
    }

    /// What the findings count of this row, in cell `prompt` × `model`.
    pub fn outcome(&self, prompt: usize, model: usize) -> super::findings::Outcome {
        super::findings::Outcome {
            prompt,
            model,
            repeat: self.repeat,
            error: self
                .error
                .clone()
                .or_else(|| (!self.sample.ok).then(String::new)),
            pass: self.sample.pass,
            latency_ms: self.sample.latency_ms,
            answer: self.answer.clone(),
        }
    }

    pub fn key(&self) -> (&str, &str, u32) {
        (&self.prompt_id, &self.model, self.repeat)
    }
}

#[derive(Debug, Clone)]
pub struct Stored {
    pub format: FileFormat,
    pub rows: Vec<StoredRow>,
    /// A last line cut short was dropped.
    pub dropped_partial: bool,
}

/// Read a bench file: JSONL when its first character opens an object, else CSV.
pub fn read(path: &Path) -> Result<Stored, ResumeProblem> {
    let meta = std::fs::metadata(path).map_err(ResumeProblem::Read)?;
    if !meta.is_file() {
        return Err(ResumeProblem::NotAFile);
    }
    if meta.len() > MAX_STORED_BYTES {
        return Err(ResumeProblem::TooLarge(meta.len()));
    }
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| ResumeProblem::NotUtf8)?,
        Err(e) => return Err(ResumeProblem::Read(e)),
    };
    if text.trim().is_empty() {
        return Err(ResumeProblem::Empty);
    }
    let complete = text.ends_with('\n');
    let first = text.trim_start().chars().next();
    let (format, mut rows, dropped) = if first == Some('{') {
        let (rows, dropped) = read_jsonl(&text, complete)?;
        (FileFormat::Jsonl, rows, dropped)
    } else {
        let (rows, dropped) = read_csv(&text, complete)?;
        (FileFormat::Csv, rows, dropped)
    };
    rows.shrink_to_fit();
    Ok(Stored {
        format,
        rows,
        dropped_partial: dropped,
    })
}

/// The value of a field as text (`""` for null or missing).
fn parse_row(
    get: &dyn Fn(&str) -> String,
    raw: Raw,
    line: usize,
) -> Result<StoredRow, ResumeProblem> {
    let num = |name: &str| get(name).trim().parse::<f64>().ok();
    let repeat = get("repeat")
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|r| *r >= 1)
        .ok_or(ResumeProblem::BadRow {
            line,
            field: "repeat",
        })?;
    let flag = |name: &str| match get(name).trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    let row = StoredRow {
        run_id: get("run_id"),
        prompt_id: get("prompt_id"),
        model: get("model"),
        repeat,
        sample: Sample {
            ok: get("error").is_empty() && get("error_kind").is_empty(),
            latency_ms: num("latency_ms"),
            ttft_ms: num("ttft_ms"),
            itl_ms: num("itl_ms"),
            tokens_per_s: num("tokens_per_s"),
            cost_usd: num("cost_usd"),
            cost_estimated: flag("cost_estimated") == Some(true),
            pass: flag("pass"),
        },
        answer: super::findings::start(&get("output"), super::findings::ANSWER_KEPT),
        error: Some(get("error"))
            .filter(|e| !e.is_empty())
            .map(|e| super::findings::start(&e, super::findings::ANSWER_KEPT)),
        raw,
    };
    if row.prompt_id.is_empty() {
        return Err(ResumeProblem::BadRow {
            line,
            field: "prompt_id",
        });
    }
    if row.model.is_empty() {
        return Err(ResumeProblem::BadRow {
            line,
            field: "model",
        });
    }
    Ok(row)
}

fn read_csv(text: &str, complete: bool) -> Result<(Vec<StoredRow>, bool), ResumeProblem> {
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|_| ResumeProblem::Columns)?
        .clone();
    let want = columns();
    // A file written before the batch columns existed reads back with them empty.
    let older = want.len() - super::rows::NEWER.len();
    let pad = if header.iter().eq(want.iter().copied()) {
        0
    } else if header.iter().eq(want[..older].iter().copied()) {
        super::rows::NEWER.len()
    } else {
        return Err(ResumeProblem::Columns);
    };
    let mut records = Vec::new();
    for rec in reader.records() {
        match rec {
            // Shards' files concatenated repeat the header: skip it.
            Ok(r) if r == header || r.iter().eq(want.iter().copied()) => {}
            Ok(mut r) if pad > 0 && r.len() == older => {
                let pos = r.position().cloned();
                for _ in 0..pad {
                    r.push_field("");
                }
                r.set_position(pos);
                records.push(r)
            }
            Ok(r) => records.push(r),
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                return Err(ResumeProblem::BadLine(line));
            }
        }
    }
    let header = ::csv::StringRecord::from(want.clone());
    let mut dropped = false;
    if let Some(last) = records.last() {
        if !complete || last.len() != header.len() {
            records.pop();
            dropped = true;
        }
    }
    let mut rows = Vec::with_capacity(records.len());
    for rec in records {
        let line = rec.position().map_or(0, |p| p.line() as usize);
        if rec.len() != header.len() {
            return Err(ResumeProblem::BadLine(line));
        }
        let get = |name: &str| {
            want.iter()
                .position(|c| *c == name)
                .and_then(|i| rec.get(i))
                // A file written with --csv-safe reads back as written.
                .map_or("", crate::csv_safe::undo)
                .to_string()
        };
        let row = parse_row(&get, Raw::Csv(rec.clone()), line)?;
        rows.push(row);
    }
    Ok((rows, dropped))
}

fn read_jsonl(text: &str, complete: bool) -> Result<(Vec<StoredRow>, bool), ResumeProblem> {
    let mut lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l))
        .collect();
    let dropped = !complete && lines.pop().is_some();
    let mut rows = Vec::with_capacity(lines.len());
    for (line, l) in lines {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str(l) else {
            return Err(ResumeProblem::BadLine(line));
        };
        let get = |name: &str| match map.get(name) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        };
        rows.push(parse_row(&get, Raw::Json(l.to_string()), line)?);
    }
    Ok((rows, dropped))
}

impl Stored {
    /// Keep one row per cell: the last without an error, else the last; in file order.
    pub fn dedupe(&mut self) {
        use std::collections::HashMap;
        let mut best: HashMap<(String, String, u32), usize> = HashMap::new();
        for (i, r) in self.rows.iter().enumerate() {
            let key = (r.prompt_id.clone(), r.model.clone(), r.repeat);
            match best.get(&key) {
                Some(&j) if self.rows[j].ok() && !r.ok() => {}
                _ => {
                    best.insert(key, i);
                }
            }
        }
        let mut keep = vec![false; self.rows.len()];
        for i in best.into_values() {
            keep[i] = true;
        }
        let mut i = 0;
        self.rows.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }

    /// The whole file: the header (CSV), then every row as it was read.
    pub fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        match self.format {
            FileFormat::Csv => {
                let mut wr = ::csv::Writer::from_writer(&mut *w);
                wr.write_record(columns()).map_err(io::Error::other)?;
                for r in &self.rows {
                    if let Raw::Csv(rec) = &r.raw {
                        wr.write_record(rec).map_err(io::Error::other)?;
                    }
                }
                wr.flush()
            }
            FileFormat::Jsonl => {
                for r in &self.rows {
                    if let Raw::Json(line) = &r.raw {
                        writeln!(w, "{line}")?;
                    }
                }
                Ok(())
            }
        }
    }

    /// Replace `path` with these rows, through a temporary file renamed into place.
    pub fn rewrite(&self, path: &Path) -> io::Result<()> {
        let mut f = crate::file::PendingFile::create(path)?;
        self.write(&mut f)?;
        f.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::super::rows::{csv_header, BenchRow, Head, Tail};
    use super::*;
    use crate::row::Row;

    fn row(prompt: &str, model: &str, repeat: u32, error: bool) -> BenchRow {
        let mut row = Row::empty(model, "mock", model);
        row.latency_ms = Some(10 * u64::from(repeat));
        if error {
            row.error = Some("HTTP 500".into());
        }
        BenchRow {
            head: Head {
                run_id: "r1".into(),
                prompt_id: prompt.into(),
                repeat,
            },
            row,
            tail: Tail {
                itl_ms: None,
                pass: None,
                started_at: "2026-11-24T00:00:00.000Z".into(),
                batch: false,
                provider_request_id: None,
            },
        }
    }

    #[test]
    fn resume_keeps_one_row_per_cell_and_drops_a_cut_line() {
        let dir = tempfile::tempdir().unwrap();
        for jsonl in [false, true] {
            let path = dir.path().join(if jsonl { "b.jsonl" } else { "b.csv" });
            let mut body = Vec::new();
            if !jsonl {
                csv_header(&mut body).unwrap();
            }
            for r in [
                row("p1", "a", 1, true),
                row("p1", "a", 2, false),
                row("p1", "a", 1, false),
                row("p2", "a", 1, true),
                row("p2", "a", 1, true),
                row("p2", "a", 2, false),
                row("p2", "a", 2, true),
            ] {
                if jsonl {
                    r.jsonl(&mut body).unwrap();
                } else {
                    r.csv(&mut body).unwrap();
                }
            }
            // A concatenated shard repeats the header; a kill cut the last line.
            if !jsonl {
                csv_header(&mut body).unwrap();
            }
            body.extend_from_slice(b"r1,p3,1,a,mo");
            std::fs::write(&path, &body).unwrap();
            let mut s = read(&path).unwrap();
            assert!(s.dropped_partial);
            assert_eq!(s.rows.len(), 7);
            s.dedupe();
            let kept: Vec<(&str, u32, bool)> = s
                .rows
                .iter()
                .map(|r| (r.prompt_id.as_str(), r.repeat, r.ok()))
                .collect();
            assert_eq!(
                kept,
                [
                    ("p1", 2, true),
                    ("p1", 1, true),
                    ("p2", 1, false),
                    ("p2", 2, true)
                ]
            );
            s.rewrite(&path).unwrap();
            let again = read(&path).unwrap();
            assert!(!again.dropped_partial);
            assert_eq!(again.rows.len(), 4);
            assert_eq!(again.rows[1].sample.latency_ms, Some(10.0));
            assert_eq!(
                again.format,
                if jsonl {
                    FileFormat::Jsonl
                } else {
                    FileFormat::Csv
                }
            );
        }
    }

    #[test]
    fn a_file_written_before_the_batch_columns_resumes_with_them_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.csv");
        let strip = |bytes: Vec<u8>| -> String {
            // Each line less its last two fields (`batch`, `provider_request_id`).
            String::from_utf8(bytes)
                .unwrap()
                .lines()
                .map(|l| {
                    let mut f: Vec<&str> = l.split(',').collect();
                    f.truncate(f.len() - 2);
                    f.join(",") + "\n"
                })
                .collect()
        };
        let mut header = Vec::new();
        csv_header(&mut header).unwrap();
        let mut rows = Vec::new();
        row("p1", "a", 1, false).csv(&mut rows).unwrap();
        row("p2", "a", 1, false).csv(&mut rows).unwrap();
        std::fs::write(&path, strip(header) + &strip(rows)).unwrap();
        let s = read(&path).unwrap();
        assert_eq!(s.rows.len(), 2);
        assert!(!s.dropped_partial);
        // Rewritten, it has every column.
        s.rewrite(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text
            .lines()
            .next()
            .unwrap()
            .ends_with(",batch,provider_request_id"));
        assert_eq!(read(&path).unwrap().rows.len(), 2);
    }

    #[test]
    fn a_file_that_is_not_a_bench_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, "model,provider\na,b\n").unwrap();
        assert!(matches!(read(&path), Err(ResumeProblem::Columns)));
        std::fs::write(&path, "").unwrap();
        assert!(matches!(read(&path), Err(ResumeProblem::Empty)));
        std::fs::write(&path, "{\"run_id\": \"r\"}\n{oops\n").unwrap();
        assert!(matches!(
            read(&path),
            Err(ResumeProblem::BadRow {
                line: 1,
                field: "repeat"
            })
        ));
    }
}
