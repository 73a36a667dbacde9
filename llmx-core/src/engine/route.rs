//! From one `-m` entry to the chain of models a row tries: fallback chains (`a|b|c`) and
//! routing among the providers that serve the same model (`--route cheapest|fastest|provider=X`,
//! or inline `llama-3.3-70b:cheapest`). Every name is resolved before anything is sent.

use super::resolve::{resolve, ResolveError, Resolver};
use super::Link;

/// How to order the providers of a model served by several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Lowest price (input + output per million tokens) first.
    Cheapest,
    /// Lowest median latency measured by earlier llmx runs first; unmeasured ones after, cheapest
    /// first.
    Fastest,
    /// This provider first.
    Provider(String),
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Route::Cheapest => f.write_str("cheapest"),
            Route::Fastest => f.write_str("fastest"),
            Route::Provider(p) => write!(f, "provider={p}"),
        }
    }
}

impl std::str::FromStr for Route {
    type Err = String;
    fn from_str(s: &str) -> Result<Route, String> {
        match s {
            "cheapest" => Ok(Route::Cheapest),
            "fastest" => Ok(Route::Fastest),
            _ => match s.strip_prefix("provider=") {
                Some(p) if !p.is_empty() => Ok(Route::Provider(p.to_string())),
                _ => Err(format!(
                    "`{s}` is not a route; use cheapest, fastest or provider=NAME"
                )),
            },
        }
    }
}

/// What routing may use.
pub(crate) struct RouteContext<'a> {
    pub resolver: Resolver<'a>,
    /// Median latency in ms of earlier runs of a provider's model.
    pub latency: &'a dyn Fn(&str, &str) -> Option<u64>,
    /// The `--route` flag.
    pub route: Option<&'a Route>,
    /// `--no-fallback`: only the first choice.
    pub no_fallback: bool,
}

fn link_of(r: Result<crate::provider::run::Target, ResolveError>) -> Result<Link, ResolveError> {
    match r {
        Ok(target) => Ok(Link {
            target,
            preflight: None,
            notes: Vec::new(),
        }),
        Err(e @ ResolveError::MissingKey { .. }) => {
            let preflight = Some(e.to_provider_error());
            let ResolveError::MissingKey { target, .. } = e else {
                unreachable!("matched above")
            };
            Ok(Link {
                target: *target,
                preflight,
                notes: Vec::new(),
            })
        }
        Err(e) => Err(e),
    }
}

/// The links for one `-m` entry, in the order to try them.
pub(crate) fn expand(spec: &str, cx: &RouteContext) -> Result<Vec<Link>, ResolveError> {
    let mut links = Vec::new();
    for alt in spec.split('|') {
        links.extend(expand_one(alt.trim(), cx)?);
    }
    if cx.no_fallback {
        // Keep the first link that can be sent (a keyless provider is skipped, not a fallback).
        let first = links
            .iter()
            .position(|l| l.preflight.is_none())
            .unwrap_or(0);
        links = links.into_iter().skip(first).take(1).collect();
    }
    Ok(links)
}

fn expand_one(alt: &str, cx: &RouteContext) -> Result<Vec<Link>, ResolveError> {
    let (name, inline) = match alt.rsplit_once(':') {
        Some((n, "cheapest")) => (n, Some(Route::Cheapest)),
        Some((n, "fastest")) => (n, Some(Route::Fastest)),
        _ => (alt, None),
    };
    let route = inline.as_ref().or(cx.route);
    // The family: by its own name, or by a member, directly or through an alias.
    let aliased = cx.resolver.catalog.alias(name).unwrap_or(name);
    let family = cx
        .resolver
        .catalog
        .family(name)
        .or_else(|| cx.resolver.catalog.family(aliased));
    let Some((family_name, members)) = family else {
        if inline.is_some() {
            return Err(ResolveError::NotRoutable {
                name: name.to_string(),
                route: alt.rsplit_once(':').map_or("", |x| x.1).to_string(),
                families: cx.resolver.catalog.routes.keys().cloned().collect(),
            });
        }
        return Ok(vec![link_of(resolve(name, cx.resolver))?]);
    };
    // A named member without routing is just that model.
    let route = match route {
        Some(r) => r.clone(),
        None if family_name.eq_ignore_ascii_case(name) => Route::Cheapest,
        None => return Ok(vec![link_of(resolve(name, cx.resolver))?]),
    };
    let mut links: Vec<Link> = Vec::new();
    let mut keyless: Vec<Link> = Vec::new();
    // Members of a cloud not set up here (no region, no project): not part of the route,
    // unless pinned, when what is missing is the error.
    let mut unset: Vec<(String, ResolveError)> = Vec::new();
    for m in members {
        let link = match resolve(m, cx.resolver) {
            Err(e @ (ResolveError::NoEndpoint { .. } | ResolveError::Misconfigured { .. })) => {
                let provider = m.split_once('/').map_or("", |x| x.0).to_string();
                unset.push((provider, e));
                continue;
            }
            r => link_of(r)?,
        };
        if link.preflight.is_some() {
            keyless.push(link);
        } else {
            links.push(link);
        }
    }
    let price = |l: &Link| {
        cx.resolver
            .catalog
            .price_at(&l.target.provider.id, &l.target.model, 0)
            .map_or(f64::INFINITY, |p| p.input + p.output)
    };
    links.sort_by(|a, b| price(a).total_cmp(&price(b)));
    match &route {
        Route::Cheapest => {}
        Route::Fastest => {
            let lat =
                |l: &Link| (cx.latency)(&l.target.provider.id, &l.target.model).unwrap_or(u64::MAX);
            links.sort_by_cached_key(lat);
        }
        Route::Provider(p) => {
            let served: Vec<String> = members
                .iter()
                .filter_map(|m| m.split_once('/').map(|x| x.0.to_string()))
                .collect();
            // The pinned provider by id or alias (`provider=google` is gemini).
            let pinned_id = cx
                .resolver
                .registry
                .get(p)
                .map_or(p.as_str(), |r| r.id.as_str());
            let Some(pos) = links.iter().position(|l| l.target.provider.id == pinned_id) else {
                if let Some(k) = keyless.iter().find(|l| l.target.provider.id == pinned_id) {
                    return Ok(vec![k.clone()]);
                }
                if let Some(i) = unset.iter().position(|(p, _)| p == pinned_id) {
                    return Err(unset.swap_remove(i).1);
                }
                return Err(ResolveError::NotServed {
                    provider: p.clone(),
                    family: family_name.to_string(),
                    served,
                });
            };
            let pinned = links.remove(pos);
            links.insert(0, pinned);
        }
    }
    if links.is_empty() {
        // No provider has a key: the row (or the run) says which keys would do.
        return Ok(keyless);
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::env::Env;
    use crate::keys::Keys;
    use crate::provider::Registry;
    use std::collections::HashMap;

    /// The keys of `env`, kept alive for the test (a route context borrows them).
    fn keys(env: &Env) -> &'static Keys {
        Box::leak(Box::new(Keys::new(env, None)))
    }

    fn cx<'a>(
        env: &'a Env,
        registry: &'a Registry,
        catalog: &'a Catalog,
        latency: &'a HashMap<String, u64>,
        route: Option<&'a Route>,
        no_fallback: bool,
    ) -> RouteContext<'a> {
        let latency: &'a dyn Fn(&str, &str) -> Option<u64> =
            Box::leak(Box::new(move |p: &str, m: &str| {
                latency.get(&format!("{p}/{m}")).copied()
            }));
        RouteContext {
            resolver: Resolver {
                registry,
                catalog,
                keys: keys(env),
            },
            latency,
            route,
            no_fallback,
        }
    }

    fn names(links: &[Link]) -> Vec<String> {
        links.iter().map(Link::name).collect()
    }

    #[test]
    fn chains_split_on_bars() {
        let (r, c, l) = (Registry::builtin(), Catalog::embedded(), HashMap::new());
        let env = Env::from_pairs([("OPENAI_API_KEY", "test-key")]);
        let links = expand(
            "mock/a|openai/gpt-4o|anthropic/claude-haiku-4-5",
            &cx(&env, &r, &c, &l, None, false),
        )
        .unwrap();
        assert_eq!(
            names(&links),
            ["mock/a", "openai/gpt-4o", "anthropic/claude-haiku-4-5"]
        );
        assert!(
            links[2].preflight.is_some(),
            "no anthropic key: skipped when reached"
        );
        let one = expand("mock/a|openai/gpt-4o", &cx(&env, &r, &c, &l, None, true)).unwrap();
        assert_eq!(names(&one), ["mock/a"]);
        assert!(expand("mock/a|nosuch/x", &cx(&env, &r, &c, &l, None, false)).is_err());
    }

    #[test]
    fn routes_order_by_price_latency_or_pin() {
        let (r, c) = (Registry::builtin(), Catalog::embedded());
        let env = Env::from_pairs([
            ("GROQ_API_KEY", "test-key"),
            ("TOGETHER_API_KEY", "test-key"),
            ("OPENROUTER_API_KEY", "test-key"),
        ]);
        let none = HashMap::new();
        let cheapest = expand("llama-3.3-70b", &cx(&env, &r, &c, &none, None, false)).unwrap();
        let prices: Vec<f64> = cheapest
            .iter()
            .map(|l| {
                c.price_at(&l.target.provider.id, &l.target.model, 0)
                    .map(|p| p.input + p.output)
                    .unwrap()
            })
            .collect();
        assert!(prices.windows(2).all(|p| p[0] <= p[1]), "{prices:?}");
        assert_eq!(cheapest.len(), 3);

        let mut lat = HashMap::new();
        lat.insert(
            "together/meta-llama/Llama-3.3-70B-Instruct-Turbo".to_string(),
            90,
        );
        lat.insert("groq/llama-3.3-70b-versatile".to_string(), 400);
        let fastest = expand(
            "llama-3.3-70b:fastest",
            &cx(&env, &r, &c, &lat, None, false),
        )
        .unwrap();
        assert_eq!(fastest[0].target.provider.id, "together");
        assert_eq!(fastest[1].target.provider.id, "groq");

        let pin = Route::Provider("openrouter".into());
        let pinned = expand(
            "groq/llama-3.3-70b-versatile",
            &cx(&env, &r, &c, &none, Some(&pin), false),
        )
        .unwrap();
        assert_eq!(pinned[0].target.provider.id, "openrouter");
        assert_eq!(pinned.len(), 3, "the others follow as fallbacks");
        let alone = expand("llama-3.3-70b", &cx(&env, &r, &c, &none, Some(&pin), true)).unwrap();
        assert_eq!(
            names(&alone),
            ["openrouter/meta-llama/llama-3.3-70b-instruct"]
        );

        let bad = Route::Provider("anthropic".into());
        let e = expand("llama-3.3-70b", &cx(&env, &r, &c, &none, Some(&bad), false)).unwrap_err();
        assert!(
            e.to_string().contains("does not serve llama-3.3-70b"),
            "{}",
            e.to_string()
        );
        let e = expand("gpt-5.5:cheapest", &cx(&env, &r, &c, &none, None, false)).unwrap_err();
        assert!(
            e.to_string().contains("one provider only"),
            "{}",
            e.to_string()
        );
    }

    #[test]
    fn providers_without_keys_are_skipped() {
        let (r, c, l) = (Registry::builtin(), Catalog::embedded(), HashMap::new());
        let env = Env::from_pairs([("OPENROUTER_API_KEY", "test-key")]);
        let links = expand("llama-3.3-70b:cheapest", &cx(&env, &r, &c, &l, None, false)).unwrap();
        assert_eq!(
            names(&links),
            ["openrouter/meta-llama/llama-3.3-70b-instruct"]
        );
        let nobody = Env::default();
        let links = expand("llama-3.3-70b", &cx(&nobody, &r, &c, &l, None, false)).unwrap();
        assert!(links.iter().all(|l| l.preflight.is_some()));
    }
}
