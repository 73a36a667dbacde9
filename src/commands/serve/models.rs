//! `GET /v1/models` and `GET /v1/models/{id}`: OpenAI's list shape with OpenRouter's fields
//! (`name`, `context_length`, `pricing` in USD per token, `architecture`,
//! `supported_parameters`). By default the models of the providers this server can reach (a
//! key, or a local server that needs none), and the aliases that lead to them; `?all=true`
//! lists the whole catalog.

use hyper::{Response, StatusCode, Uri};
use serde_json::{json, Value};

use super::http::{error, json_response, Body};
use super::Server;

/// Whether requests to `p` can go out: it has a key, or needs none.
fn reachable(server: &Server, p: &llmx_core::provider::Provider) -> bool {
    p.is_offline() || !p.key_required || server.engine.keys().find(p).is_some()
}

/// USD per million tokens as OpenRouter's USD-per-token string.
fn per_token(per_million: f64) -> String {
    let s = format!("{:.12}", per_million / 1e6);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

fn entry(id: &str, provider: &str, m: &llmx_core::catalog::Model, created: i64) -> Value {
    let mut modalities = vec!["text"];
    if m.vision == Some(true) {
        modalities.push("image");
    }
    let mut params = vec![
        "temperature",
        "top_p",
        "max_tokens",
        "stop",
        "seed",
        "response_format",
    ];
    if m.tools != Some(false) {
        params.extend(["tools", "tool_choice"]);
    }
    if m.reasoning {
        params.push("reasoning_effort");
    }
    json!({
        "id": id,
        "object": "model",
        "created": created,
        "owned_by": provider,
        "name": id,
        "context_length": m.context,
        "max_completion_tokens": m.max_output,
        "pricing": m.price.as_ref().map(|p| json!({
            "prompt": per_token(p.input),
            "completion": per_token(p.output),
            "input_cache_read": p.cache_read.map(per_token),
        })),
        "architecture": {
            "input_modalities": modalities,
            "output_modalities": ["text"],
        },
        "supported_parameters": params,
    })
}

/// The listed models: `provider/id` for each catalog row, then the aliases that lead to one.
fn all(
    server: &Server,
    everything: bool,
    listed: Option<&[llmx_core::catalog::Block]>,
) -> Vec<Value> {
    let catalog = server.engine.catalog();
    let registry = server.engine.registry();
    let created = llmx_core::history::epoch_ms(server.engine.clock().now()) / 1000;
    let mut out = Vec::new();
    let mut listed_ids = std::collections::HashMap::new();
    for block in &catalog.blocks {
        let Some(p) = registry.get(&block.provider) else {
            continue;
        };
        if !everything && !reachable(server, p) {
            continue;
        }
        for m in block.models.iter().filter(|m| !m.deprecated) {
            let id = format!("{}/{}", block.provider, m.id);
            listed_ids.insert(id.clone(), out.len());
            out.push(entry(&id, &block.provider, m, created));
        }
    }
    // What the providers list themselves that the catalog lacks (a local server's models, a
    // custom provider's): listed with what is known, no price.
    if let Some(blocks) = listed {
        for block in blocks.iter() {
            let Some(p) = registry.get(&block.provider) else {
                continue;
            };
            if !everything && !reachable(server, p) {
                continue;
            }
            for m in &block.models {
                let id = format!("{}/{}", block.provider, m.id);
                if listed_ids.contains_key(&id) {
                    continue;
                }
                listed_ids.insert(id.clone(), out.len());
                out.push(entry(&id, &block.provider, m, created));
            }
        }
    }
    for (alias, target) in &catalog.aliases {
        if let Some(&i) = listed_ids.get(target) {
            let mut v = out[i].clone();
            v["id"] = json!(alias);
            v["name"] = json!(format!("{alias} ({target})"));
            out.push(v);
        }
    }
    if let Some(allowed) = &server.settings.models {
        out.retain(|m| {
            m["id"]
                .as_str()
                .is_some_and(|id| allowed.iter().any(|a| a == id))
        });
    }
    out
}

/// How long a list request waits for the providers' own listings fetched at start.
const LISTINGS_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

pub(crate) async fn list(server: &Server, uri: &Uri, anthropic: bool) -> Response<Body> {
    let everything = uri
        .query()
        .is_some_and(|q| q.split('&').any(|kv| kv == "all=true" || kv == "all=1"));
    let mut rx = server.listed.clone();
    let now = rx.borrow_and_update().clone();
    let listed = match now {
        Some(l) => Some(l),
        None => {
            // They come once: one change is all there is to wait for.
            let _ = tokio::time::timeout(LISTINGS_WAIT, rx.changed()).await;
            let after = rx.borrow().clone();
            after
        }
    };
    let data = all(server, everything, listed.as_deref().map(|v| &v[..]));
    if anthropic {
        // Anthropic's list shape, for its SDK and Claude Code.
        let data: Vec<Value> = data
            .iter()
            .map(|m| {
                json!({
                    "id": m["id"],
                    "type": "model",
                    "display_name": m["name"],
                    "created_at": "1970-01-01T00:00:00Z",
                })
            })
            .collect();
        let first = data.first().map(|m| m["id"].clone());
        let last = data.last().map(|m| m["id"].clone());
        return json_response(
            StatusCode::OK,
            &json!({"data": data, "has_more": false, "first_id": first, "last_id": last}),
        );
    }
    json_response(StatusCode::OK, &json!({"object": "list", "data": data}))
}

pub(crate) fn one(server: &Server, id: &str) -> Response<Body> {
    let id = percent_decode(id);
    let listed = server.listed.borrow().clone();
    match all(server, true, listed.as_deref().map(|v| &v[..]))
        .into_iter()
        .find(|m| m["id"] == id.as_str())
    {
        Some(m) => json_response(StatusCode::OK, &m),
        None => error(
            StatusCode::NOT_FOUND,
            &format!(
                "no model `{}` in the catalog; GET /v1/models lists them",
                id.chars().take(200).collect::<String>()
            ),
            "invalid_request_error",
            "model_not_found",
        ),
    }
}

/// `%2F` and friends back to bytes (model ids contain slashes; clients may encode them).
fn percent_decode(s: &str) -> String {
    llmx_core::percent::decode(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_per_token_and_ids_decoded() {
        assert_eq!(per_token(2.5), "0.0000025");
        assert_eq!(per_token(0.0), "0");
        assert_eq!(percent_decode("openai%2Fgpt-4o"), "openai/gpt-4o");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
