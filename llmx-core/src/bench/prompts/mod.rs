//! A benchmark's prompts, from the inputs named on the command line: `.txt`/`.md` files (one
//! prompt each, its id the file stem), directories (their `.txt`/`.md` files, sorted by name),
//! `.jsonl` and `.csv` files (`id`, `prompt`, optional `system` and `expect`), and `-` (JSONL on
//! stdin). Every problem names the file and line it is on.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use std::io::{BufRead, Read};

use super::expect::Expect;
use crate::input::{read_text_file, stdin_text, InputError, MAX_PROMPT_BYTES};

mod set;
pub use set::{Prompts, Record, SPILL_AT};

/// Why a benchmark's prompts could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PromptsError {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{at}: {problem}")]
    Bad { at: Origin, problem: PromptProblem },
    /// The inputs hold no prompt at all.
    #[error("the inputs hold no prompts")]
    Empty,
    #[error(
        "cannot hold the prompts in a temporary file: {0}; set TMPDIR to a writable directory"
    )]
    Store(std::io::Error),
}

/// Where in the input a prompt came from: a file (or stdin) and maybe a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `None` for stdin.
    pub path: Option<PathBuf>,
    pub line: Option<usize>,
}

impl Origin {
    pub fn file(path: &Path) -> Origin {
        Origin {
            path: Some(path.to_path_buf()),
            line: None,
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.path {
            Some(p) => write!(f, "`{}`", p.display())?,
            None => f.write_str("stdin")?,
        }
        match self.line {
            Some(n) => write!(f, " line {n}"),
            None => Ok(()),
        }
    }
}

/// What is wrong with a prompt of a benchmark's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptProblem {
    NoId,
    NoPrompt,
    DuplicateId {
        id: String,
        first: Origin,
    },
    NotJson(String),
    NotObject,
    /// A field that must be text is not.
    NotText(&'static str),
    BadExpect(String),
    CsvColumns,
    Csv(String),
    EmptyPrompt,
    EmptyDir,
    UnknownKind,
    /// A quoted CSV field that never closes: the rest of the file would be one prompt.
    UnclosedQuote,
    /// A JSONL line longer than any prompt can be.
    TooLong,
}

impl std::fmt::Display for PromptProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PromptProblem::NoId => f.write_str("no `id`; every prompt needs a unique id"),
            PromptProblem::NoPrompt => f.write_str("no `prompt` text"),
            PromptProblem::DuplicateId { id, first } => write!(
                f,
                "prompt id `{id}` is already used at {first}; ids must be unique"
            ),
            PromptProblem::NotJson(e) => write!(
                f,
                "not a JSON object ({e}); each line holds one object with `id` and `prompt`"
            ),
            PromptProblem::NotObject => {
                f.write_str("not a JSON object; each line holds one object with `id` and `prompt`")
            }
            PromptProblem::NotText(field) => write!(f, "`{field}` must be a string"),
            PromptProblem::BadExpect(e) => f.write_str(e),
            PromptProblem::CsvColumns => {
                f.write_str("a prompt CSV needs `id` and `prompt` columns in its header")
            }
            PromptProblem::Csv(e) => write!(f, "not valid CSV: {e}"),
            PromptProblem::EmptyPrompt => f.write_str("the prompt is empty"),
            PromptProblem::EmptyDir => f.write_str("holds no .txt or .md prompt files"),
            PromptProblem::UnclosedQuote => f.write_str(
                "a quoted field starts here and is never closed (the rest of the file would be one prompt); close the quote, and double any quote inside it (\"\")",
            ),
            PromptProblem::TooLong => write!(
                f,
                "the line is longer than {} MiB, more than any model reads; split it or shorten the prompt",
                MAX_PROMPT_BYTES >> 20
            ),
            PromptProblem::UnknownKind => f.write_str(
                "is not a prompt file: use .txt or .md (one prompt), .jsonl or .csv (many), or a directory",
            ),
        }
    }
}

/// One prompt of the set.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub id: String,
    pub text: String,
    /// Overrides `--system` for this prompt.
    pub system: Option<String>,
    pub expect: Option<Expect>,
}

/// Read every input, in order; ids must be unique across all of them. JSONL files and
/// one-prompt files are read a record at a time into the set (which holds the ids, and the
/// rest in a temporary file past [`set::SPILL_AT`]); a CSV file and stdin are read whole
/// while they are parsed.
pub fn load(
    inputs: &[String],
    read_stdin: &mut dyn FnMut() -> std::io::Result<Vec<u8>>,
) -> Result<Prompts, PromptsError> {
    let mut l = Loader::default();
    for input in inputs {
        if input == "-" {
            let text = stdin_text(read_stdin)?;
            let file = l.file(None);
            jsonl(text.as_bytes(), None, &mut |r, line| l.add(r, file, line))?;
            continue;
        }
        let path = PathBuf::from(input);
        if path.is_dir() {
            for path in prompt_files(&path)? {
                let r = one_file(&path)?;
                let file = l.file(Some(&path));
                l.add(r, file, None)?;
            }
            continue;
        }
        match kind(&path) {
            Some(Kind::Text) => {
                let r = one_file(&path)?;
                let file = l.file(Some(&path));
                l.add(r, file, None)?;
            }
            Some(Kind::Jsonl) => {
                let f = std::fs::File::open(&path)
                    .map_err(|e| InputError::read("prompt file", &path, e))?;
                let file = l.file(Some(&path));
                let reader = std::io::BufReader::with_capacity(64 << 10, f);
                jsonl(reader, Some(&path), &mut |r, line| l.add(r, file, line))?;
            }
            Some(Kind::Csv) => {
                let text = read_text_file(&path, "prompt file")?;
                let file = l.file(Some(&path));
                csv(&text, &path, &mut |r, line| l.add(r, file, line))?;
            }
            None if !path.exists() => {
                return Err(InputError::read(
                    "prompt file",
                    &path,
                    std::io::ErrorKind::NotFound.into(),
                )
                .into())
            }
            None => {
                return Err(PromptsError::Bad {
                    at: Origin::file(&path),
                    problem: PromptProblem::UnknownKind,
                })
            }
        }
    }
    if l.set.is_empty() {
        return Err(PromptsError::Empty);
    }
    Ok(l.set)
}

/// The set being loaded, and where each id was first seen (a file's index and line, not a
/// path a prompt).
#[derive(Default)]
struct Loader {
    set: Prompts,
    seen: HashMap<Box<str>, (u32, Option<usize>)>,
    /// `None` for stdin.
    files: Vec<Option<PathBuf>>,
}

impl Loader {
    fn file(&mut self, path: Option<&Path>) -> u32 {
        self.files.push(path.map(Path::to_path_buf));
        (self.files.len() - 1) as u32
    }

    fn origin(&self, file: u32, line: Option<usize>) -> Origin {
        Origin {
            path: self.files.get(file as usize).cloned().flatten(),
            line,
        }
    }

    fn add(&mut self, r: Record, file: u32, line: Option<usize>) -> Result<(), PromptsError> {
        if let Some(&(f, l)) = self.seen.get(r.id.as_str()) {
            return Err(PromptsError::Bad {
                at: self.origin(file, line),
                problem: PromptProblem::DuplicateId {
                    id: r.id,
                    first: self.origin(f, l),
                },
            });
        }
        self.set.push(&r).map_err(PromptsError::Store)?;
        self.seen.insert(r.id.into(), (file, line));
        Ok(())
    }
}

enum Kind {
    Text,
    Jsonl,
    Csv,
}

fn kind(path: &Path) -> Option<Kind> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "txt" | "md" => Some(Kind::Text),
        "jsonl" | "ndjson" => Some(Kind::Jsonl),
        "csv" => Some(Kind::Csv),
        _ => None,
    }
}

/// A directory's `.txt` and `.md` files, sorted by name (not recursive).
fn prompt_files(dir: &Path) -> Result<Vec<PathBuf>, PromptsError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| InputError::read("prompt directory", dir, e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && matches!(kind(p), Some(Kind::Text)))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(PromptsError::Bad {
            at: Origin::file(dir),
            problem: PromptProblem::EmptyDir,
        });
    }
    Ok(files)
}

/// A whole file is one prompt; its id is the file stem.
fn one_file(path: &Path) -> Result<Record, PromptsError> {
    let at = Origin::file(path);
    let text = read_text_file(path, "prompt file")?;
    let text = text.trim_end().to_string();
    if text.trim().is_empty() {
        return Err(PromptsError::Bad {
            at,
            problem: PromptProblem::EmptyPrompt,
        });
    }
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Record {
        id,
        text: Some(text),
        system: None,
        expect: None,
    })
}

/// The fields of one record, from JSONL or CSV.
struct Fields {
    id: Option<String>,
    prompt: Option<String>,
    system: Option<String>,
    expect: Option<String>,
}

/// A record's fields checked: an id, some text, a check that parses (kept as written).
fn record(f: Fields, at: impl Fn() -> Origin) -> Result<Record, PromptsError> {
    let bad = |problem| PromptsError::Bad { at: at(), problem };
    let id =
        f.id.map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad(PromptProblem::NoId))?;
    let text = f
        .prompt
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| bad(PromptProblem::NoPrompt))?;
    let expect = match f.expect.filter(|e| !e.trim().is_empty()) {
        Some(e) => {
            Expect::parse(&e).map_err(|e| bad(PromptProblem::BadExpect(e)))?;
            Some(e.trim().to_string())
        }
        None => None,
    };
    Ok(Record {
        id,
        text: Some(text),
        system: f.system.filter(|s| !s.trim().is_empty()),
        expect,
    })
}

/// Where a record goes: its line in the file.
type Add<'a> = dyn FnMut(Record, Option<usize>) -> Result<(), PromptsError> + 'a;

/// JSONL read a line at a time (a line, one prompt, at most [`MAX_PROMPT_BYTES`]).
fn jsonl(
    mut r: impl std::io::BufRead,
    path: Option<&Path>,
    add: &mut Add<'_>,
) -> Result<(), PromptsError> {
    let read_error = |e: std::io::Error| -> PromptsError {
        match path {
            Some(p) => InputError::read("prompt file", p, e).into(),
            None => InputError::Stdin(e).into(),
        }
    };
    let mut buf: Vec<u8> = Vec::new();
    let (mut n, mut offset) = (0usize, 0usize);
    loop {
        buf.clear();
        let got = (&mut r)
            .take(MAX_PROMPT_BYTES + 1)
            .read_until(b'\n', &mut buf)
            .map_err(read_error)?;
        if got == 0 {
            return Ok(());
        }
        n += 1;
        let at = || Origin {
            path: path.map(Path::to_path_buf),
            line: Some(n),
        };
        let bad = |problem| PromptsError::Bad { at: at(), problem };
        if got as u64 > MAX_PROMPT_BYTES {
            return Err(bad(PromptProblem::TooLong));
        }
        let line = std::str::from_utf8(&buf).map_err(|e| InputError::NotUtf8 {
            what: if path.is_some() {
                "prompt file"
            } else {
                "stdin"
            },
            path: path.map(Path::to_path_buf),
            offset: offset + e.valid_up_to(),
        })?;
        offset += got;
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(PromptProblem::NotJson(e.to_string())))?;
        let serde_json::Value::Object(map) = value else {
            return Err(bad(PromptProblem::NotObject));
        };
        let field = |name: &'static str| -> Result<Option<String>, PromptsError> {
            match map.get(name) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                // Numbered ids are common in datasets.
                Some(serde_json::Value::Number(n)) if name == "id" => Ok(Some(n.to_string())),
                Some(_) => Err(bad(PromptProblem::NotText(name))),
            }
        };
        let fields = Fields {
            id: field("id")?,
            prompt: field("prompt")?,
            system: field("system")?,
            expect: field("expect")?,
        };
        add(record(fields, at)?, Some(n))?;
    }
}

/// The line a quoted field that never closes starts on (RFC 4180: `""` inside quotes is a
/// quote), if there is one.
fn unclosed_quote(text: &str) -> Option<usize> {
    let (mut line, mut opened_at) = (1usize, None);
    let mut field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (opened_at, c) {
            (None, '"') if field_start => opened_at = Some(line),
            (Some(_), '"') if chars.peek() == Some(&'"') => {
                chars.next();
            }
            (Some(_), '"') => opened_at = None,
            (_, '\n') => line += 1,
            _ => {}
        }
        field_start = opened_at.is_none() && matches!(c, ',' | '\n' | '\r');
    }
    opened_at
}

fn csv(text: &str, path: &Path, add: &mut Add<'_>) -> Result<(), PromptsError> {
    if let Some(line) = unclosed_quote(text) {
        return Err(PromptsError::Bad {
            at: Origin {
                path: Some(path.to_path_buf()),
                line: Some(line),
            },
            problem: PromptProblem::UnclosedQuote,
        });
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let header_at = Origin {
        path: Some(path.to_path_buf()),
        line: Some(1),
    };
    let headers = reader.headers().map_err(|e| PromptsError::Bad {
        at: header_at.clone(),
        problem: PromptProblem::Csv(e.to_string()),
    })?;
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(id), Some(prompt)) = (col("id"), col("prompt")) else {
        return Err(PromptsError::Bad {
            at: header_at,
            problem: PromptProblem::CsvColumns,
        });
    };
    let (system, expect) = (col("system"), col("expect"));
    for rec in reader.records() {
        let rec = rec.map_err(|e| PromptsError::Bad {
            at: Origin {
                path: Some(path.to_path_buf()),
                line: e.position().map(|p| p.line() as usize),
            },
            problem: PromptProblem::Csv(e.to_string()),
        })?;
        let line = rec.position().map(|p| p.line() as usize);
        let at = || Origin {
            path: Some(path.to_path_buf()),
            line,
        };
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(str::to_string);
        let fields = Fields {
            id: get(Some(id)),
            prompt: get(Some(prompt)),
            system: get(system),
            expect: get(expect),
        };
        add(record(fields, at)?, line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_stdin() -> std::io::Result<Vec<u8>> {
        panic!("stdin must not be read")
    }

    fn load_all(dir: &Path, inputs: &[&str]) -> Result<Vec<Prompt>, PromptsError> {
        let inputs: Vec<String> = inputs
            .iter()
            .map(|i| match *i {
                "-" => "-".to_string(),
                i => dir.join(i).display().to_string(),
            })
            .collect();
        let set = load(&inputs, &mut || {
            Ok(b"{\"id\": \"s1\", \"prompt\": \"from stdin\"}\n".to_vec())
        })?;
        Ok(set.iter().map(Result::unwrap).collect())
    }

    #[test]
    fn every_kind_of_input_in_order() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir(p.join("dir")).unwrap();
        std::fs::write(p.join("dir/b.md"), "second in the dir\n").unwrap();
        std::fs::write(p.join("dir/a.txt"), "first in the dir\n").unwrap();
        std::fs::write(p.join("dir/notes.json"), "{}").unwrap();
        std::fs::write(p.join("one.txt"), "a file\n\n").unwrap();
        std::fs::write(
            p.join("set.jsonl"),
            "{\"id\": \"j1\", \"prompt\": \"json one\", \"expect\": \"json\"}\n\n{\"id\": 7, \"prompt\": \"json two\", \"system\": \"Be terse.\"}\n",
        )
        .unwrap();
        std::fs::write(
            p.join("set.csv"),
            "id,prompt,expect\nc1,\"csv, with a comma\",equals:4\nc2,plain,\n",
        )
        .unwrap();
        let all = load_all(p, &["dir", "one.txt", "set.jsonl", "set.csv", "-"]).unwrap();
        let ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "one", "j1", "7", "c1", "c2", "s1"]);
        assert_eq!(all[2].text, "a file");
        assert_eq!(all[4].system.as_deref(), Some("Be terse."));
        assert_eq!(all[5].text, "csv, with a comma");
        assert!(matches!(all[3].expect, Some(Expect::Json)));
        assert!(matches!(&all[5].expect, Some(Expect::Equals(t)) if t == "4"));
        assert!(all[6].expect.is_none());
        assert_eq!(all[7].text, "from stdin");
    }

    #[test]
    fn a_jsonl_file_is_read_a_line_at_a_time_whatever_its_size() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        // 17 MiB in one file: more than a file read whole may hold, and past the set's
        // memory threshold, so the prompts are read back from its temporary file.
        let mut text = String::new();
        for i in 0..1700u32 {
            let line =
                serde_json::json!({"id": i, "prompt": format!("{i} {}", "y".repeat(10_500))});
            text.push_str(&line.to_string());
            text.push_str(if i.is_multiple_of(2) { "\r\n" } else { "\n" });
        }
        assert!(text.len() as u64 > MAX_PROMPT_BYTES);
        std::fs::write(p.join("big.jsonl"), &text).unwrap();
        let set = load(&[p.join("big.jsonl").display().to_string()], &mut no_stdin).unwrap();
        assert_eq!(set.len(), 1700);
        assert!(set.spilled());
        let last = set.get(1699).unwrap();
        assert_eq!((last.id.as_str(), last.text.len()), ("1699", 10_505));
        assert_eq!(
            set.get(0).unwrap().text,
            format!("0 {}", "y".repeat(10_500))
        );
        // One line longer than any prompt may be is refused by its line.
        let mut long = b"{\"id\": 1, \"prompt\": \"ok\"}\n".to_vec();
        long.extend(std::iter::repeat_n(b'z', MAX_PROMPT_BYTES as usize + 1));
        std::fs::write(p.join("long.jsonl"), long).unwrap();
        let e = load(&[p.join("long.jsonl").display().to_string()], &mut no_stdin).unwrap_err();
        assert!(
            e.to_string().ends_with("line 2: the line is longer than 16 MiB, more than any model reads; split it or shorten the prompt"),
            "{e}"
        );
        // A bad byte is named by its offset in the file, not in its line.
        std::fs::write(
            p.join("latin1.jsonl"),
            b"{\"id\": 1, \"prompt\": \"ok\"}\n{\"id\": 2, \"prompt\": \"caf\xe9\"}\n",
        )
        .unwrap();
        let e = load(
            &[p.join("latin1.jsonl").display().to_string()],
            &mut no_stdin,
        )
        .unwrap_err();
        assert!(e.to_string().contains("bad byte at offset 50"), "{e}");
    }

    #[test]
    fn problems_name_the_file_and_line() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::write(
            p.join("a.jsonl"),
            "{\"id\": \"x\", \"prompt\": \"1\"}\n{\"prompt\": \"no id\"}\n",
        )
        .unwrap();
        std::fs::write(
            p.join("dup.jsonl"),
            "{\"id\": \"x\", \"prompt\": \"1\"}\n\n{\"id\": \"x\", \"prompt\": \"2\"}\n",
        )
        .unwrap();
        std::fs::write(p.join("x.txt"), "also x").unwrap();
        std::fs::write(p.join("bad.csv"), "name,prompt\nx,y\n").unwrap();
        std::fs::write(
            p.join("re.jsonl"),
            "{\"id\": \"r\", \"prompt\": \"1\", \"expect\": \"/(/\"}\n",
        )
        .unwrap();
        std::fs::write(p.join("p.yaml"), "x").unwrap();
        let msg = |inputs: &[&str]| load_all(p, inputs).unwrap_err().to_string();
        let shown = |f: &str| p.join(f).display().to_string();
        assert_eq!(
            msg(&["a.jsonl"]),
            format!(
                "`{}` line 2: no `id`; every prompt needs a unique id",
                shown("a.jsonl")
            )
        );
        assert_eq!(
            msg(&["dup.jsonl"]),
            format!(
                "`{}` line 3: prompt id `x` is already used at `{}` line 1; ids must be unique",
                shown("dup.jsonl"),
                shown("dup.jsonl")
            )
        );
        assert!(msg(&["dup.jsonl", "x.txt"]).contains("line 3"));
        assert_eq!(
            msg(&["x.txt", "dup.jsonl"]),
            format!(
                "`{}` line 1: prompt id `x` is already used at `{}`; ids must be unique",
                shown("dup.jsonl"),
                shown("x.txt")
            )
        );
        assert_eq!(
            msg(&["bad.csv"]),
            format!(
                "`{}` line 1: a prompt CSV needs `id` and `prompt` columns in its header",
                shown("bad.csv")
            )
        );
        assert!(
            msg(&["re.jsonl"]).starts_with(&format!(
                "`{}` line 1: expect `/(/` is not a valid regex",
                shown("re.jsonl")
            )),
            "{}",
            msg(&["re.jsonl"])
        );
        assert!(
            msg(&["p.yaml"]).contains("is not a prompt file: use .txt or .md"),
            "{}",
            msg(&["p.yaml"])
        );
        assert!(msg(&["missing.txt"]).contains("not found"));
        assert!(matches!(
            load(&[], &mut no_stdin).unwrap_err(),
            PromptsError::Empty
        ));
    }
}
