//! What a request carries beside its prompt: images (`--image`) and tools (`--tools`,
//! `--tool-choice`), read and checked before anything is sent. A file that is not an image, a
//! tools file that is not a list of tools, or a tool choice naming no tool is a usage error.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use std::path::PathBuf;

use super::ImageArg;
use crate::catalog::Catalog;
use crate::input::InputError;
use crate::job::Job;
use crate::provider::http::HttpClient;
use crate::provider::{
    image, ChatRequest, ErrorKind, Image, Inline, Part, ProviderError, Tool, ToolChoice,
};

/// An image or tools file that cannot be sent.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("image `{}` is not PNG, JPEG, WebP or GIF (llmx reads the type from the bytes, not the name); convert it, e.g. to PNG", .0.display())]
    NotAnImage(PathBuf),
    #[error("image `{}` is {}, more than any provider takes ({} at most); make it smaller", .path.display(), image::size(*.bytes), image::size(*.limit))]
    ImageTooLarge {
        path: PathBuf,
        bytes: usize,
        limit: usize,
    },
    #[error("tools file `{}`: {problem}", path.display())]
    BadTools { path: PathBuf, problem: String },
    /// A tool choice that names no tool of the file.
    #[error("tool choice `{name}` is no tool of `{}` (it has {})", path.display(), tools.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "))]
    UnknownToolChoice {
        name: String,
        path: PathBuf,
        tools: Vec<String>,
    },
}

/// No provider takes a single image larger than this; a bigger file is refused unread.
pub(crate) const MAX_IMAGE_BYTES: usize = 64 << 20;

/// The image parts, in the order given: files read and typed from their bytes, URLs as given.
pub(crate) fn images(args: &[ImageArg]) -> Result<Vec<Part>, AttachError> {
    args.iter()
        .map(|a| match a {
            ImageArg::Url(u) => Ok(Part::image_url(u.clone())),
            ImageArg::File(path) => {
                let bytes = read_image(path)?;
                let inline =
                    image::inline(&bytes).ok_or_else(|| AttachError::NotAnImage(path.clone()))?;
                Ok(Part::Image(Arc::new(Image::Inline(inline))))
            }
        })
        .collect()
}

fn read_image(path: &Path) -> Result<Vec<u8>, AttachError> {
    let f = std::fs::File::open(path).map_err(|e| InputError::read("image", path, e))?;
    let mut bytes = Vec::new();
    f.take(MAX_IMAGE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::read("image", path, e))?;
    if bytes.len() > MAX_IMAGE_BYTES {
        let size = std::fs::metadata(path).map_or(bytes.len(), |m| m.len() as usize);
        return Err(AttachError::ImageTooLarge {
            path: path.to_path_buf(),
            bytes: size,
            limit: MAX_IMAGE_BYTES,
        });
    }
    Ok(bytes)
}

/// The tools of a tools file, checked: a JSON array of OpenAI-shaped
/// `{"type":"function","function":{name, description, parameters}}` or plain
/// `{name, description, parameters}` objects, names unique and as every provider takes them.
pub(crate) fn tools(path: &Path) -> Result<Vec<Tool>, AttachError> {
    let text = crate::input::read_text_file(path, "tools file")?;
    let bad = |problem: String| AttachError::BadTools {
        path: path.to_path_buf(),
        problem,
    };
    let v: Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("it is not valid JSON ({e})")))?;
    let Value::Array(items) = v else {
        return Err(bad(format!(
            "it holds {}, not a JSON array of tools",
            kind_of(&v)
        )));
    };
    if items.is_empty() {
        return Err(bad("the array holds no tools".into()));
    }
    let mut tools: Vec<Tool> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let t = tool(item).map_err(|p| bad(format!("tool {n}: {p}")))?;
        if tools.iter().any(|x| x.name == t.name) {
            return Err(bad(format!(
                "tool {n}: the name `{}` is used twice",
                t.name
            )));
        }
        tools.push(t);
    }
    Ok(tools)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One tool, in either shape.
fn tool(item: &Value) -> Result<Tool, String> {
    let Value::Object(o) = item else {
        return Err(format!("{} is not a tool object", kind_of(item)));
    };
    let f = match o.get("type").and_then(Value::as_str) {
        Some("function") => o
            .get("function")
            .filter(|f| f.is_object())
            .ok_or("a `\"type\": \"function\"` tool needs a `function` object")?,
        Some(other) => {
            return Err(format!(
                "type `{other}` is not supported; only function tools are"
            ))
        }
        None => item,
    };
    let name = match f.get("name") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("`name` is not a string".into()),
        None => return Err("it has no `name`".into()),
    };
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        return Err(format!(
            "the name `{}` must be 1 to 64 letters, digits, _ or - (what every provider accepts)",
            crate::safe::visible(&name, crate::safe::Lines::Fold)
        ));
    }
    let description = match f.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(format!("`{name}`: `description` is not a string")),
    };
    let parameters = match f.get("parameters") {
        None | Some(Value::Null) => None,
        Some(p @ Value::Object(_)) => Some(p.clone()),
        Some(_) => {
            return Err(format!(
                "`{name}`: `parameters` is not a JSON Schema object"
            ))
        }
    };
    Ok(Tool {
        name,
        description,
        parameters,
    })
}

/// The tool choice, checked against the tools: a name must be one of them.
pub(crate) fn tool_choice(
    choice: Option<&ToolChoice>,
    tools: &[Tool],
    path: &Path,
) -> Result<Option<ToolChoice>, AttachError> {
    if let Some(ToolChoice::Named(name)) = choice {
        if !tools.iter().any(|t| &t.name == name) {
            return Err(AttachError::UnknownToolChoice {
                name: name.clone(),
                path: path.to_path_buf(),
                tools: tools.iter().map(|t| t.name.clone()).collect(),
            });
        }
    }
    Ok(choice.cloned())
}

/// A URL with a user name or password in it.
fn has_userinfo(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| !u.username().is_empty() || u.password().is_some())
}

/// How long one image download may take.
pub(crate) const FETCH_SECS: u64 = 30;

/// Image URLs fetched for the providers that take none, each with its bytes or why not.
pub(crate) type Fetched = HashMap<String, Result<Inline, ProviderError>>;

/// The image URLs some job must send as bytes: a runnable link of a dialect that takes no
/// URLs (Gemini), on a real server.
pub(crate) fn urls_to_fetch(jobs: &[Job]) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for job in jobs {
        let needs = job.links.iter().any(|l| {
            l.preflight.is_none()
                && !l.target.provider.is_offline()
                && !l.target.provider.dialect.wire().takes_image_urls()
        });
        if !needs {
            continue;
        }
        for img in job.request.images() {
            if let Image::Url(u) = img {
                if !urls.contains(u) {
                    urls.push(u.clone());
                }
            }
        }
    }
    urls
}

/// Download every URL at once, each bounded by the largest image a URL-less provider takes
/// and by [`FETCH_SECS`].
pub async fn fetch_all(client: &HttpClient, urls: Vec<String>) -> Fetched {
    let cap = image::GEMINI.per_image;
    let each = urls.into_iter().map(|url| async move {
        let got = tokio::time::timeout(
            Duration::from_secs(FETCH_SECS),
            client.fetch_image(&url, cap),
        )
        .await
        .unwrap_or_else(|_| {
            Err(ProviderError::new(
                ErrorKind::Timeout,
                format!("no complete image within {FETCH_SECS}s"),
            ))
        })
        .and_then(|bytes| {
            image::inline(&bytes).ok_or_else(|| {
                ProviderError::new(ErrorKind::BadRequest, "it is not PNG, JPEG, WebP or GIF")
            })
        });
        (url, got)
    });
    futures_util::future::join_all(each)
        .await
        .into_iter()
        .collect()
}

/// `req` with every fetched URL's bytes beside it (a dialect that takes URLs still sends the
/// URL).
pub(crate) fn inline_fetched(req: &mut ChatRequest, fetched: &Fetched) {
    for img in req.image_parts_mut() {
        if let Image::Url(u) = &**img {
            if let Some(Ok(inline)) = fetched.get(u) {
                *img = Arc::new(Image::Fetched {
                    url: u.clone(),
                    inline: inline.clone(),
                });
            }
        }
    }
}

/// Stop, before sending, each link that cannot take `job`'s request: the catalog lists no
/// vision (images) or no tool calling (tools) for the model (unless `force`, which sends and
/// notes it), its images pass the provider's documented size limit, or an image URL it needs
/// as bytes could not be downloaded. The job's other links still run.
pub(crate) fn check_links(job: &mut Job, catalog: &Catalog, force: bool, fetched: &Fetched) {
    check(job, catalog, force, Some(fetched));
}

/// [`check_links`] before any image URL is downloaded (`--dry-run`): a URL a provider takes
/// none of is not held against the link.
pub(crate) fn check_links_unfetched(job: &mut Job, catalog: &Catalog, force: bool) {
    check(job, catalog, force, None);
}

fn check(job: &mut Job, catalog: &Catalog, force: bool, fetched: Option<&Fetched>) {
    let req = &job.request;
    let has_images = req.has_images();
    let has_tools = !req.tools.is_empty();
    if !has_images && !has_tools {
        return;
    }
    for link in job.links.iter_mut().filter(|l| l.preflight.is_none()) {
        let t = &link.target;
        let name = format!("{}/{}", t.provider.id, t.model);
        let entry = catalog.lookup(&t.provider.id, &t.model);
        let lacks =
            |cap: fn(&crate::catalog::Model) -> Option<bool>| entry.and_then(cap) == Some(false);
        let mut missing = Vec::new();
        if has_images && lacks(|m| m.vision) {
            missing.push("image input");
        }
        if has_tools && lacks(|m| m.tools) {
            missing.push("tool calling");
        }
        if !missing.is_empty() {
            let what = missing.join(" or ");
            if force {
                link.notes
                    .push(format!("sent with --force: the catalog lists no {what}"));
            } else {
                link.preflight = Some(ProviderError::new(
                    ErrorKind::Unsupported,
                    format!("the catalog lists no {what} for {name}; nothing was sent"),
                ));
                continue;
            }
        }
        // Gemini needs every `$ref` inlined: a schema that would blow up is stopped here.
        if has_tools && t.provider.dialect.wire().name() == "gemini" {
            let huge = req.tools.iter().find_map(|tool| {
                let why = crate::provider::schema::too_large_for_gemini(tool.parameters.as_ref()?)?;
                Some(format!("tool `{}`: {why}", tool.name))
            });
            if let Some(why) = huge {
                link.preflight = Some(ProviderError::new(
                    ErrorKind::BadRequest,
                    format!("{why}; use fewer $refs for {name}; nothing was sent"),
                ));
                continue;
            }
        }
        if !has_images || t.provider.is_offline() {
            continue;
        }
        let wire = t.provider.dialect.wire();
        // A dialect that takes URLs hands the URL to the provider, which fetches it: a user
        // or password in it would go to the provider. (llmx's own download, for the dialects
        // that take none, sends them to the image's own host only.)
        if wire.takes_image_urls() {
            if let Some(url) = req
                .images()
                .find_map(|i| i.prefer_url().ok().filter(|u| has_userinfo(u)))
            {
                link.preflight = Some(ProviderError::new(
                    ErrorKind::BadRequest,
                    format!(
                        "image `{}` has a user or password in it, which {} would receive with \
                         the URL; download the image and pass the file instead; nothing was sent",
                        crate::secret::redact_url(url),
                        t.provider.id
                    ),
                ));
                continue;
            }
        }
        if let (false, Some(fetched)) = (wire.takes_image_urls(), fetched) {
            let failed = req.images().find_map(|i| match i {
                Image::Url(u) => Some((u, fetched.get(u))),
                _ => None,
            });
            if let Some((url, got)) = failed {
                let mut e = match got {
                    Some(Err(e)) => e.clone(),
                    _ => ProviderError::new(ErrorKind::Network, "it was not downloaded"),
                };
                e.message = format!(
                    "could not download image `{}` ({} takes no image URLs, so llmx sends the \
                     bytes): {}; nothing was sent",
                    crate::secret::redact_url(url),
                    t.provider.id,
                    e.message
                );
                link.preflight = Some(e);
                continue;
            }
        }
        if let Some(why) = image::over_limit(req, &wire.image_limits(), wire.takes_image_urls()) {
            link.preflight = Some(ProviderError::new(
                ErrorKind::BadRequest,
                format!("{why}; nothing was sent to {name}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, body: &[u8]) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    #[test]
    fn both_tool_shapes_and_every_mistake_named() {
        let dir = tempfile::tempdir().unwrap();
        let ok = write(
            dir.path(),
            "t.json",
            br#"[{"type":"function","function":{"name":"get_weather","description":"Weather.","parameters":{"type":"object"}}},
                 {"name":"now"}]"#,
        );
        let t = tools(&ok).unwrap();
        assert_eq!(t[0].name, "get_weather");
        assert_eq!(t[0].description.as_deref(), Some("Weather."));
        assert_eq!(t[0].parameters, Some(serde_json::json!({"type": "object"})));
        assert_eq!(
            t[1],
            Tool {
                name: "now".into(),
                description: None,
                parameters: None
            }
        );
        let cases: &[(&[u8], &str)] = &[
            (b"{\"name\":\"x\"}", "it holds an object, not a JSON array of tools"),
            (b"[]", "the array holds no tools"),
            (b"[1]", "tool 1: a number is not a tool object"),
            (b"[{\"description\":\"d\"}]", "tool 1: it has no `name`"),
            (
                b"[{\"name\":\"a b\"}]",
                "tool 1: the name `a b` must be 1 to 64 letters, digits, _ or - (what every provider accepts)",
            ),
            (
                b"[{\"name\":\"a\"},{\"name\":\"a\"}]",
                "tool 2: the name `a` is used twice",
            ),
            (
                b"[{\"type\":\"web_search\"}]",
                "tool 1: type `web_search` is not supported; only function tools are",
            ),
            (
                b"[{\"name\":\"a\",\"parameters\":[]}]",
                "tool 1: `a`: `parameters` is not a JSON Schema object",
            ),
        ];
        for (body, want) in cases {
            let p = write(dir.path(), "bad.json", body);
            let e = tools(&p).unwrap_err().to_string();
            assert_eq!(e, format!("tools file `{}`: {want}", p.display()));
        }
        let p = write(dir.path(), "bad.json", b"[{");
        assert!(tools(&p)
            .unwrap_err()
            .to_string()
            .contains("it is not valid JSON (EOF while parsing"));
        let e = tool_choice(Some(&ToolChoice::Named("nope".into())), &t, &ok).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "tool choice `nope` is no tool of `{}` (it has `get_weather`, `now`)",
                ok.display()
            )
        );
    }

    #[test]
    fn images_are_typed_by_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let png = write(dir.path(), "photo.jpg", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
        let parts = images(&[
            ImageArg::File(png),
            ImageArg::Url("https://example.com/a.png".into()),
        ])
        .unwrap();
        let Part::Image(first) = &parts[0] else {
            panic!("not an image")
        };
        assert_eq!(first.prefer_url().unwrap_err().media_type, "image/png");
        assert_eq!(parts[1], Part::image_url("https://example.com/a.png"));
        let pdf = write(dir.path(), "doc.png", b"%PDF-1.7");
        let e = images(&[ImageArg::File(pdf.clone())]).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "image `{}` is not PNG, JPEG, WebP or GIF (llmx reads the type from the bytes, \
                 not the name); convert it, e.g. to PNG",
                pdf.display()
            )
        );
        let e = images(&[ImageArg::File(dir.path().join("missing.png"))]).unwrap_err();
        assert!(e.to_string().contains("missing.png"), "{e}");
    }
}
