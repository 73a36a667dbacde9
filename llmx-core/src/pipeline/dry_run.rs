//! What a run would send, without sending it (`--dry-run`): for each job its chain of links,
//! and for each link the endpoint, where the key comes from (never the key), the headers and
//! the exact body the HTTP layer would send, secrets masked; and each job's worst-case cost.
//! Nothing here opens a connection: image URLs a provider takes none of are noted, not
//! downloaded.

use serde_json::Value;

use super::{plan, PipelineError, RunSpec};
use crate::engine::budget::{self, Unbounded};
use crate::engine::{Engine, Job};
use crate::keys::KeyOrigin;
use crate::provider::{AuthStyle, ChatRequest, Image};
use crate::secret::{redact_url, scrub, Secret};

/// Where a link's key would come from.
#[derive(Debug, Clone, PartialEq)]
pub enum KeySource {
    Found(KeyOrigin),
    /// The provider takes requests without one (a local server, the offline mock).
    NotNeeded,
    /// None was found: the link would not be sent.
    Missing,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Found(o) => write!(f, "{o}"),
            KeySource::NotNeeded => f.write_str("none needed"),
            KeySource::Missing => f.write_str("none found"),
        }
    }
}

/// One link as it would be sent.
#[derive(Debug, Clone)]
pub struct LinkPlan {
    /// `provider/model`.
    pub name: String,
    /// `openai`, `anthropic`, `gemini`, or `offline` for the built-in mock.
    pub dialect: &'static str,
    /// The endpoint (user info in it masked); empty for the offline mock.
    pub url: String,
    pub key: KeySource,
    /// Every header the HTTP layer adds, secret values masked.
    pub headers: Vec<(String, String)>,
    /// The body as it would be sent, secrets masked.
    pub body: Value,
    /// Why the link would not be sent (no key, a capability the catalog says it lacks).
    pub skipped: Option<String>,
    /// What the dialect changed to fit the provider, and what llmx does first.
    pub notes: Vec<String>,
}

/// One job (one model as given) as it would run.
#[derive(Debug, Clone)]
pub struct JobPlan {
    pub label: String,
    pub links: Vec<LinkPlan>,
    /// How many requests of it the run sends (bench: prompts × repeats).
    pub requests: u64,
    /// The most the job's requests can cost together, or why that is unknown.
    pub worst_case: Result<f64, Unbounded>,
}

/// A one-prompt run (compare, ask) as it would be sent.
pub fn one_prompt(
    engine: &Engine,
    run: &RunSpec,
    prompt: String,
    latency_file: Option<&std::path::Path>,
) -> Result<Vec<JobPlan>, PipelineError> {
    let request = super::chat_request(&run.request, prompt)?;
    let mut jobs = plan(engine, run, &request, latency_file)?;
    for job in &mut jobs {
        super::attach::check_links_unfetched(job, engine.catalog(), run.request.force);
    }
    Ok(jobs.iter().map(|j| job_plan(engine, j, 1)).collect())
}

/// `job` as it would be sent `requests` times.
pub fn job_plan(engine: &Engine, job: &Job, requests: u64) -> JobPlan {
    let worst_case = budget::worst_case(job, engine.catalog(), engine.clock().now())
        .map(|c| c * requests as f64);
    JobPlan {
        label: job.label.clone(),
        links: job
            .links
            .iter()
            .map(|l| {
                let mut request = job.request.clone();
                request.model = l.target.model.clone();
                link_plan(engine, l, &request)
            })
            .collect(),
        requests,
        worst_case,
    }
}

fn link_plan(engine: &Engine, link: &crate::job::Link, request: &ChatRequest) -> LinkPlan {
    let t = &link.target;
    let key = match engine.keys().find(&t.provider) {
        Some((_, origin)) => KeySource::Found(origin),
        None if !t.provider.key_required || t.provider.is_offline() => KeySource::NotNeeded,
        None => KeySource::Missing,
    };
    let creds = t.credentials();
    let secrets = creds.secrets();
    let mask = |s: &str| scrub(s, &secrets);
    let mut notes = link.notes.clone();
    if t.provider.is_offline() {
        return LinkPlan {
            name: link.name(),
            dialect: "offline",
            url: String::new(),
            key,
            headers: Vec::new(),
            body: Value::Null,
            skipped: link.preflight.as_ref().map(|e| e.message.clone()),
            notes,
        };
    }
    let wire = t.provider.dialect.wire();
    let call = crate::provider::build_request(&t.provider, &t.base_url, request);
    notes.extend(call.notes.iter().cloned());
    if !wire.takes_image_urls() {
        for img in request.images() {
            if let Image::Url(u) = img {
                notes.push(format!(
                    "llmx downloads `{}` first and sends its bytes ({} takes no image URLs)",
                    redact_url(u),
                    t.provider.id
                ));
            }
        }
    }
    let mut headers = vec![
        ("content-type".to_string(), "application/json".to_string()),
        (
            "user-agent".to_string(),
            concat!("llmx/", env!("CARGO_PKG_VERSION")).to_string(),
        ),
    ];
    headers.extend(call.headers.iter().map(|(k, v)| (k.clone(), mask(v))));
    headers.extend(
        creds
            .headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.masked())),
    );
    if let Some(k) = &creds.key {
        headers.push(auth_shown(call.auth, k));
    }
    // The body passes the scrubber as text: a key pasted into a prompt is masked too.
    let body = serde_json::to_string(&call.body)
        .ok()
        .and_then(|s| serde_json::from_str(&mask(&s)).ok())
        .unwrap_or(Value::Null);
    LinkPlan {
        name: link.name(),
        dialect: wire.name(),
        url: redact_url(&call.url),
        key,
        headers,
        body,
        skipped: link.preflight.as_ref().map(|e| e.message.clone()),
        notes,
    }
}

/// The auth header as shown: its name and the key masked.
pub(crate) fn auth_shown(style: AuthStyle, key: &Secret) -> (String, String) {
    match style {
        AuthStyle::Bearer => ("authorization".into(), format!("Bearer {}", key.masked())),
        AuthStyle::Header(h) => (h.to_string(), key.masked()),
    }
}

/// A run of many prompts (bench) as it would be sent: each model's links shown with the first
/// prompt's request, its worst case summed over every prompt, `repeats` times each.
pub fn many_prompts(
    engine: &Engine,
    run: &RunSpec,
    base: &ChatRequest,
    requests: &[ChatRequest],
    repeats: u64,
    latency_file: Option<&std::path::Path>,
) -> Result<Vec<JobPlan>, PipelineError> {
    let templates = plan(engine, run, base, latency_file)?;
    let now = engine.clock().now();
    let mut out = Vec::with_capacity(templates.len());
    for t in templates {
        let mut first = Job {
            request: requests.first().cloned().unwrap_or_else(|| base.clone()),
            ..t
        };
        super::attach::check_links_unfetched(&mut first, engine.catalog(), run.request.force);
        let mut shown = job_plan(engine, &first, requests.len() as u64 * repeats);
        let mut total: Result<f64, Unbounded> = Ok(0.0);
        for r in requests {
            let job = Job {
                label: first.label.clone(),
                links: first.links.clone(),
                request: r.clone(),
            };
            total = total
                .and_then(|sum| budget::worst_case(&job, engine.catalog(), now).map(|c| sum + c));
        }
        shown.worst_case = total.map(|t| t * repeats as f64);
        out.push(shown);
    }
    Ok(out)
}
