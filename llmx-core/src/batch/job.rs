//! The job file of a batched run (`FILE.batch.json` beside the rows): everything needed to
//! write the rows on another machine — the grid (prompt ids with their system text and
//! checks, models, repeats), each batch's cells by `custom_id`, and each batch's id and state.
//!
//! A batch's intent is saved before it is created ([`BatchState::Intent`]), and its id the
//! moment it is known: a process killed in between finds the batch again by its intent
//! ([`super::find`]) instead of paying twice. The file is replaced whole on every save
//! (written to a temporary file and renamed), so it is never half-written.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Api;
use crate::bench::prompts::{Prompts, Record};
use crate::provider::types::{Image, Inline, Message, Part, Role, Tool, ToolChoice};
use crate::provider::ChatRequest;

/// The job file's format version.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobFile {
    pub version: u32,
    pub run_id: String,
    /// The rows file, as the user named it.
    pub rows: String,
    pub grid: Grid,
    pub batches: Vec<Batch>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub prompts: GridPrompts,
    pub models: Vec<GridModel>,
    pub repeat: u32,
    /// What every prompt's request is made from (a resume with no prompt files given
    /// resubmits failed cells from it). `None` in a file written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<GridRequest>,
}

/// The grid's prompts: written into the job file from the run's prompt set one record at a
/// time, and read back into a set the same way, so neither a save nor a load holds them as
/// text (the set keeps only the ids in memory past its threshold).
#[derive(Debug, Clone)]
pub struct GridPrompts(pub Arc<Prompts>);

impl GridPrompts {
    /// The grid of these records.
    pub fn from_records(records: &[GridPrompt]) -> std::io::Result<GridPrompts> {
        let mut set = Prompts::new();
        for r in records {
            set.push(r)?;
        }
        Ok(GridPrompts(Arc::new(set)))
    }
}

impl PartialEq for GridPrompts {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.0, &other.0);
        a.len() == b.len()
            && (0..a.len()).all(|i| matches!((a.raw(i), b.raw(i)), (Ok(x), Ok(y)) if x == y))
    }
}

impl Serialize for GridPrompts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for i in 0..self.0.len() {
            let raw = self.0.raw(i).map_err(S::Error::custom)?;
            let text = String::from_utf8(raw).map_err(S::Error::custom)?;
            let value = serde_json::value::RawValue::from_string(text).map_err(S::Error::custom)?;
            seq.serialize_element(&value)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for GridPrompts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<GridPrompts, D::Error> {
        struct Each;
        impl<'de> serde::de::Visitor<'de> for Each {
            type Value = Prompts;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of prompts")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Prompts, A::Error> {
                let mut set = Prompts::new();
                while let Some(r) = seq.next_element::<GridPrompt>()? {
                    set.push(&r).map_err(serde::de::Error::custom)?;
                }
                Ok(set)
            }
        }
        Ok(GridPrompts(Arc::new(d.deserialize_seq(Each)?)))
    }
}

/// One prompt of the grid, as the job file keeps it.
pub type GridPrompt = Record;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridModel {
    /// What the user asked for.
    pub label: String,
    pub provider: String,
    /// The provider's model id.
    pub model: String,
}

/// The run's base request — what every cell's request is made from (the prompt's text and
/// system prompt go into it) — in the job file's own terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Part of the run's identity (a batch line is always unstreamed).
    pub stream: bool,
    /// Each `{name, description?, parameters?}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<serde_json::Value>,
    /// `auto`, `none`, `required` or a tool's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<String>,
    /// The images before each prompt's text, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<GridImage>,
}

/// An image of the base request: its URL, its bytes, or both (a URL llmx fetched).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridImage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

impl GridRequest {
    /// The base request (its one message's parts other than text are the images).
    pub fn of(base: &ChatRequest) -> GridRequest {
        let images = base
            .messages
            .first()
            .into_iter()
            .flat_map(|m| &m.content)
            .filter_map(|p| match p {
                Part::Image(i) => Some(GridImage::of(i)),
                _ => None,
            })
            .collect();
        GridRequest {
            system: base.system.clone(),
            temperature: base.temperature,
            max_tokens: base.max_tokens,
            stream: base.stream,
            tools: base
                .tools
                .iter()
                .map(|t| {
                    let mut o = t.head();
                    if let Some(p) = &t.parameters {
                        o.insert("parameters".into(), p.clone());
                    }
                    serde_json::Value::Object(o)
                })
                .collect(),
            tool_choice: base.tool_choice.as_ref().map(ToString::to_string),
            images,
        }
    }

    /// The base request again, with an empty prompt text (each cell's goes in its place).
    pub fn request(&self) -> ChatRequest {
        let mut content: Vec<Part> = self.images.iter().filter_map(GridImage::part).collect();
        content.push(Part::Text(String::new()));
        let tools: Vec<Tool> = self
            .tools
            .iter()
            .map(|t| Tool {
                name: t["name"].as_str().unwrap_or("").to_string(),
                description: t["description"].as_str().map(str::to_string),
                parameters: Some(t["parameters"].clone()).filter(|p| !p.is_null()),
            })
            .collect();
        let tool_choice = self.tool_choice.as_deref().map(|c| match c {
            "auto" => ToolChoice::Auto,
            "none" => ToolChoice::None,
            "required" => ToolChoice::Required,
            name => ToolChoice::Named(name.to_string()),
        });
        ChatRequest {
            system: self.system.clone(),
            messages: vec![Message {
                role: Role::User,
                content,
            }],
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            stream: self.stream,
            tools: tools.into(),
            tool_choice,
            ..ChatRequest::default()
        }
    }
}

impl GridImage {
    fn of(i: &Image) -> GridImage {
        let (url, inline) = match i {
            Image::Url(u) => (Some(u.clone()), None),
            Image::Inline(x) => (None, Some(x)),
            Image::Fetched { url, inline } => (Some(url.clone()), Some(inline)),
        };
        GridImage {
            url,
            media_type: inline.map(|x| x.media_type.clone()),
            data: inline.map(|x| x.data.clone()),
        }
    }

    fn part(&self) -> Option<Part> {
        let inline = match (&self.media_type, &self.data) {
            (Some(t), Some(d)) => Some(Inline {
                media_type: t.clone(),
                bytes: d.len() / 4 * 3,
                dims: crate::provider::image::decoded_dims(d),
                data: d.clone(),
            }),
            _ => None,
        };
        let image = match (self.url.clone(), inline) {
            (Some(url), Some(inline)) => Image::Fetched { url, inline },
            (Some(url), None) => Image::Url(url),
            (None, Some(inline)) => Image::Inline(inline),
            (None, None) => return None,
        };
        Some(Part::Image(std::sync::Arc::new(image)))
    }
}

/// One provider batch: its cells, and how far it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// Index into [`Grid::models`].
    pub model: u32,
    /// Kept with the batch where the provider keeps something of the client's.
    pub intent: String,
    /// The provider's id, once it is known.
    #[serde(default)]
    pub id: Option<String>,
    pub state: BatchState,
    pub cells: Vec<CellRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    /// About to be created (its id may be unknown even though it exists).
    Intent,
    /// Created; its results not read yet.
    Submitted,
    /// Its results are read and written as rows.
    Read,
}

/// A cell of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellRef {
    pub custom_id: String,
    /// Index into [`Grid::prompts`].
    pub prompt: u32,
    /// 1-based.
    pub repeat: u32,
}

/// Why a job file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JobFileError {
    #[error("cannot read it: {0}")]
    Read(#[from] std::io::Error),
    #[error("it is not a batch job file: {0}")]
    Parse(#[from] serde_json::Error),
    #[error("it is version {0} of the job file; this llmx reads version {VERSION}")]
    Version(u32),
}

impl JobFile {
    pub fn load(path: &Path) -> Result<JobFile, JobFileError> {
        // Read as a stream: the prompts go into their set one at a time.
        let f = std::io::BufReader::with_capacity(64 << 10, std::fs::File::open(path)?);
        let job: JobFile = serde_json::from_reader(f).map_err(|e| {
            if e.is_io() {
                JobFileError::Read(e.into())
            } else {
                JobFileError::Parse(e)
            }
        })?;
        if job.version != VERSION {
            return Err(JobFileError::Version(job.version));
        }
        Ok(job)
    }

    /// Replace the file whole (a temporary file renamed into place).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut f = crate::file::PendingFile::create(path)?;
        // One line, written straight into the file: written again on every change, it stays
        // small and quick to write, and is never held whole as text.
        serde_json::to_writer(&mut f, self).map_err(std::io::Error::other)?;
        f.write_all(b"\n")?;
        f.commit()
    }

    /// The batches whose results are still to be read.
    pub fn open_batches(&self) -> impl Iterator<Item = (usize, &Batch)> {
        self.batches
            .iter()
            .enumerate()
            .filter(|(_, b)| b.state != BatchState::Read)
    }
}

/// The most cells llmx puts in one batch, whatever a provider allows: a batch's request body
/// and its results are each held whole while they are sent or read, so this bounds memory
/// however large the grid (a grid of 100,000 cells is ten batches a model; providers run many
/// batches at once).
pub const MOST_CELLS: usize = 10_000;

/// A provider's documented limits for one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub requests: usize,
    pub bytes: usize,
}

impl Api {
    /// What one batch may hold, as each provider documents it: OpenAI 50,000 requests and a
    /// 200 MB file; Anthropic 100,000 requests and 256 MB; Gemini a 2 GB input file (inline
    /// requests under 20 MB, a file past that). Accounts may have lower limits: a batch
    /// refused for its size is split again.
    pub fn limits(self) -> Limits {
        match self {
            Api::OpenAi => Limits {
                requests: 50_000,
                bytes: 200_000_000,
            },
            Api::Anthropic => Limits {
                requests: 100_000,
                bytes: 256_000_000,
            },
            Api::Gemini => Limits {
                requests: usize::MAX,
                bytes: 2_000_000_000,
            },
            // docs.together.ai/docs/inference/batch/overview: 50,000 requests, 100 MB a file.
            Api::Together => Limits {
                requests: 50_000,
                bytes: 100_000_000,
            },
        }
    }
}

/// Split lines (each `bytes` long) into runs that fit `limits`, keeping their order: the
/// ranges of each batch. A line larger than the byte limit alone is a batch of its own (the
/// provider says whether it takes it).
pub fn split(sizes: &[usize], limits: Limits) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0usize);
    for (i, &n) in sizes.iter().enumerate() {
        let full = i - start >= limits.requests || (i > start && bytes + n + 1 > limits.bytes);
        if full {
            out.push(start..i);
            start = i;
            bytes = 0;
        }
        bytes += n + 1;
    }
    if start < sizes.len() {
        out.push(start..sizes.len());
    }
    out
}

/// A batch refused (or failed at validation) for its size or count: split it in two and
/// submit the halves. `None` when it holds one request (nothing to split).
pub fn halves(cells: &[CellRef]) -> Option<(Vec<CellRef>, Vec<CellRef>)> {
    (cells.len() > 1).then(|| {
        let mid = cells.len() / 2;
        (cells[..mid].to_vec(), cells[mid..].to_vec())
    })
}

/// Whether a refusal or a failed validation is about the batch's size or count (so smaller
/// batches may go through): OpenAI's `too_many_tasks` / `file_too_large` (and kin), a 413, or
/// a 400 that names the size, count or payload.
pub fn too_big(status: Option<u16>, code_or_message: &str) -> bool {
    let m = code_or_message.to_ascii_lowercase();
    status == Some(413)
        || m.contains("too_many")
        || m.contains("too_large")
        || m.contains("too large")
        || m.contains("too many")
        || m.contains("payload size")
        || m.contains("exceeds the limit")
        || m.contains("at most")
}

/// Create the open batches of model `model` in `job` that have no id yet (their provider is
/// `target`), saving the job file at each step:
/// a batch's intent is on disk before it is created, and its id the moment it is known. A
/// batch already created under its intent (by a process that died before saving its id) is
/// found instead of created again, where the provider keeps the intent. A batch the provider
/// refuses for its size or count is split in two in its place, each half created in turn.
/// `line` builds a cell's line. The batches that could not be created, with
/// why.
pub async fn create(
    http: &crate::provider::http::HttpClient,
    target: &crate::provider::run::Target,
    api: Api,
    job: &mut JobFile,
    path: &Path,
    model: u32,
    line: &dyn Fn(&CellRef) -> String,
) -> Result<Vec<(usize, crate::provider::ProviderError)>, std::io::Error> {
    let mut failed = Vec::new();
    let mut todo: Vec<usize> = job
        .batches
        .iter()
        .enumerate()
        .filter(|(_, b)| b.model == model && b.id.is_none() && b.state == BatchState::Intent)
        .map(|(i, _)| i)
        .rev()
        .collect();
    while let Some(i) = todo.pop() {
        let intent = job.batches[i].intent.clone();
        if let Ok(Some(id)) = super::find(http, target, api, &intent).await {
            record(job, i, id);
            job.save(path)?;
            continue;
        }
        job.save(path)?;
        let cells = job.batches[i].cells.clone();
        let mut lines = cells.iter().map(line);
        match super::submit(http, target, api, &mut lines, &intent).await {
            Ok(id) => {
                record(job, i, id);
                job.save(path)?;
            }
            Err(e) if too_big(e.status, &e.message) => match split_in_place(job, i) {
                Some(j) => {
                    job.save(path)?;
                    todo.push(j);
                    todo.push(i);
                }
                None => failed.push((i, e)),
            },
            Err(e) => failed.push((i, e)),
        }
    }
    Ok(failed)
}

fn record(job: &mut JobFile, i: usize, id: String) {
    job.batches[i].id = Some(id);
    job.batches[i].state = BatchState::Submitted;
}

/// Batch `i` becomes its first half (a new intent, no id) and its second half is added as a
/// new batch; the new batch's index. `None` when it holds one cell.
pub fn split_in_place(job: &mut JobFile, i: usize) -> Option<usize> {
    let (a, b) = halves(&job.batches[i].cells)?;
    let old = job.batches[i].clone();
    job.batches[i] = Batch {
        intent: format!("{}a", old.intent),
        id: None,
        state: BatchState::Intent,
        cells: a,
        ..old.clone()
    };
    job.batches.push(Batch {
        intent: format!("{}b", old.intent),
        id: None,
        state: BatchState::Intent,
        cells: b,
        ..old
    });
    Some(job.batches.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> JobFile {
        JobFile {
            version: VERSION,
            run_id: "r1".into(),
            rows: "out.csv".into(),
            grid: Grid {
                prompts: GridPrompts::from_records(&[GridPrompt {
                    id: "p1".into(),
                    text: Some("Capital of France?".into()),
                    system: Some("Be brief.".into()),
                    expect: Some("contains:Paris".into()),
                }])
                .unwrap(),
                models: vec![GridModel {
                    label: "gpt".into(),
                    provider: "openai".into(),
                    model: "gpt-4o-mini".into(),
                }],
                repeat: 2,
                request: Some(GridRequest::of(&base())),
            },
            batches: vec![Batch {
                model: 0,
                intent: "r1-0".into(),
                id: None,
                state: BatchState::Intent,
                cells: vec![CellRef {
                    custom_id: "c1".into(),
                    prompt: 0,
                    repeat: 1,
                }],
            }],
        }
    }

    /// A base request with everything bench can put in one.
    fn base() -> ChatRequest {
        ChatRequest {
            system: Some("Be brief.".into()),
            messages: vec![Message {
                role: Role::User,
                content: vec![
                    Part::image_url("https://example.com/a.png"),
                    Part::image_inline("image/png", "iVBORw0KGgo="),
                    Part::Image(std::sync::Arc::new(Image::Fetched {
                        url: "https://example.com/b.jpg".into(),
                        inline: Inline {
                            media_type: "image/jpeg".into(),
                            data: "/9j/4AAQ".into(),
                            bytes: 6,
                            dims: None,
                        },
                    })),
                    Part::Text(String::new()),
                ],
            }],
            temperature: Some(0.2),
            max_tokens: Some(64),
            stream: true,
            tools: vec![
                Tool {
                    name: "lookup".into(),
                    description: Some("Find a word.".into()),
                    parameters: Some(serde_json::json!({"type": "object"})),
                },
                Tool {
                    name: "now".into(),
                    description: None,
                    parameters: None,
                },
            ]
            .into(),
            tool_choice: Some(ToolChoice::Named("lookup".into())),
            ..ChatRequest::default()
        }
    }

    #[test]
    fn the_base_request_comes_back_from_the_job_file_as_it_was() {
        let b = base();
        let kept: GridRequest =
            serde_json::from_str(&serde_json::to_string(&GridRequest::of(&b)).unwrap()).unwrap();
        assert_eq!(kept.request(), b);
        for choice in [ToolChoice::Auto, ToolChoice::None, ToolChoice::Required] {
            let b = ChatRequest {
                tool_choice: Some(choice),
                ..base()
            };
            assert_eq!(GridRequest::of(&b).request(), b);
        }
    }

    #[test]
    fn a_grid_past_the_memory_threshold_is_saved_and_loaded_a_prompt_at_a_time() {
        let records: Vec<GridPrompt> = (0..3000)
            .map(|i| GridPrompt {
                id: format!("p{i}"),
                text: Some(format!("{i}: {}", "é".repeat(1000 + i % 17))),
                system: i.is_multiple_of(5).then(|| "Be terse.".into()),
                expect: i.is_multiple_of(3).then(|| "/fo+/i".into()),
            })
            .collect();
        let mut j = job();
        j.grid.prompts = GridPrompts::from_records(&records).unwrap();
        assert!(
            j.grid.prompts.0.spilled(),
            "6 MB of prompts is past the threshold"
        );
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("out.csv.batch.json");
        j.save(&path).unwrap();
        let back = JobFile::load(&path).unwrap();
        assert!(back.grid.prompts.0.spilled());
        assert_eq!(back, j);
        for i in [0, 1, 1234, 2999] {
            assert_eq!(back.grid.prompts.0.record(i).unwrap(), records[i]);
        }
        // The file holds the prompts as a plain list of records.
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["grid"]["prompts"].as_array().unwrap().len(), 3000);
        assert_eq!(v["grid"]["prompts"][3]["expect"], "/fo+/i");
    }

    #[test]
    fn a_job_file_reads_back_as_written_and_refuses_other_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv.batch.json");
        let mut j = job();
        j.save(&path).unwrap();
        assert_eq!(JobFile::load(&path).unwrap(), j);
        assert_eq!(j.open_batches().count(), 1);
        j.batches[0].state = BatchState::Read;
        assert_eq!(j.open_batches().count(), 0);
        j.version = 99;
        j.save(&path).unwrap();
        assert!(matches!(
            JobFile::load(&path),
            Err(JobFileError::Version(99))
        ));
        std::fs::write(&path, "not json").unwrap();
        assert!(matches!(JobFile::load(&path), Err(JobFileError::Parse(_))));
        // Nothing but the file itself is left in the directory (no temporary file).
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn lines_split_by_count_and_bytes_in_order() {
        let l = Limits {
            requests: 3,
            bytes: 100,
        };
        assert_eq!(split(&[10; 7], l), vec![0..3, 3..6, 6..7]);
        assert_eq!(split(&[40, 40, 40, 10], l), vec![0..2, 2..4]);
        // One line past the byte limit goes alone.
        assert_eq!(split(&[10, 500, 10], l), vec![0..1, 1..2, 2..3]);
        assert!(split(&[], l).is_empty());
        assert_eq!(
            Api::OpenAi.limits(),
            Limits {
                requests: 50_000,
                bytes: 200_000_000
            }
        );
    }

    #[test]
    fn size_refusals_are_told_from_others() {
        assert!(too_big(None, "too_many_tasks"));
        assert!(too_big(None, "file_too_large"));
        assert!(too_big(
            Some(413),
            "Request exceeds the maximum allowed number of bytes."
        ));
        assert!(too_big(
            Some(400),
            "Request payload size exceeds the limit."
        ));
        assert!(too_big(
            Some(400),
            "requests: the batch has 60 requests; at most 50 are allowed"
        ));
        assert!(!too_big(Some(401), "invalid x-api-key"));
        assert!(!too_big(Some(400), "model: field required"));
        let cells: Vec<CellRef> = (0..5)
            .map(|i| CellRef {
                custom_id: format!("c{i}"),
                prompt: 0,
                repeat: 1,
            })
            .collect();
        let (a, b) = halves(&cells).unwrap();
        assert_eq!((a.len(), b.len()), (2, 3));
        assert!(halves(&cells[..1]).is_none());
    }
}
