//! `llmx models`: list the catalog with filters, sorting and formats; `--refresh` first fetches
//! current data into the user cache.

use std::io::Write;

use super::{runtime, Context};
use crate::error::{Error, Exit};
use crate::render::models::{self as render, ModelRow};
use crate::render::models::{ModelSort, ModelsFormat};
use crate::settings::ModelsSettings;
use llmx_core::catalog::{refresh, Catalog};

pub fn run(ctx: &Context, args: ModelsSettings) -> Result<Exit, Error> {
    if let Some(p) = &args.provider {
        if ctx.registry.get(p).is_none() {
            return Err(Error::UnknownProvider(ctx.registry.unknown(p)));
        }
    }
    let mut exit = Exit::Success;
    if args.refresh {
        exit = do_refresh(ctx, &args)?;
    }
    // After a refresh the cache changed since start-up; otherwise the installed catalog is it.
    let refreshed;
    let cat = if args.refresh {
        refreshed = ctx.load_catalog();
        &refreshed
    } else {
        ctx.catalog()
    };
    let rows = select(cat, &ctx.registry, &args);
    // A provider the catalog lists nothing for (a cloud whose prices are not in it yet): its
    // models still run, priced unknown; say so rather than print nothing.
    if let (true, Some(p)) = (rows.is_empty(), args.provider.as_deref()) {
        if let Some(p) = ctx
            .registry
            .get(p)
            .filter(|p| !cat.blocks.iter().any(|b| b.provider == p.id))
        {
            crate::output::diag(format!(
                "the catalog lists no models for {0} yet: any model id {0} serves works as `{0}/MODEL`, its cost shown as unknown",
                p.id
            ));
        }
    }
    let width = args.width;
    let mut out = std::io::stdout().lock();
    let _ = match args.format {
        ModelsFormat::Table => render::table(&rows, width, &mut out),
        ModelsFormat::Plain => render::plain(&rows, &mut out),
        ModelsFormat::Csv => render::csv(&rows, &mut out),
        ModelsFormat::Json => render::json(&rows, &mut out),
    }
    .and_then(|_| out.flush());
    Ok(exit)
}

/// Fetch, then save what arrived (the cache keeps what other sources gave before). Exit 0
/// when every source asked for was fetched; 1 when any failed (the others are still saved) or
/// there was nothing to fetch.
fn do_refresh(ctx: &Context, args: &ModelsSettings) -> Result<Exit, Error> {
    let path = ctx.paths.catalog_cache().ok_or(Error::NoCacheDir)?;
    let only = args
        .provider
        .as_deref()
        .and_then(|p| ctx.registry.get(p))
        .map(|p| p.id.clone());
    let sources = refresh::sources(&ctx.registry, &ctx.keys, only.as_deref());
    if sources.is_empty() {
        crate::output::diag(format!(
            "warning: {} has no model listing to refresh",
            only.as_deref().unwrap_or("no provider")
        ));
        return Ok(Exit::ModelFailed);
    }
    let engine = ctx.engine_quiet(std::time::Duration::from_secs_f64(
        llmx_core::provider::run::defaults::CONNECT_SECS,
    ))?;
    let fetched = runtime()?.block_on(refresh::fetch(
        engine.http(),
        &sources,
        ctx.clock.now(),
        args.timeout,
    ));
    for w in &fetched.failures {
        crate::output::diag(format!("warning: could not refresh {w}"));
    }
    for n in &fetched.notes {
        crate::output::diag(format!("warning: {n}"));
    }
    if fetched.fetched.is_empty() {
        crate::output::diag(format!(
            "warning: nothing was refreshed; the cached catalog at {} is unchanged",
            path.display()
        ));
        return Ok(Exit::ModelFailed);
    }
    refresh::save(&path, &fetched.cache).map_err(|source| Error::CacheWrite {
        path: path.clone(),
        source,
    })?;
    let what: Vec<String> = fetched
        .fetched
        .iter()
        .map(|(p, n)| format!("{n} from {p}"))
        .collect();
    let n: usize = fetched.fetched.iter().map(|(_, n)| n).sum();
    crate::output::diag(format!(
        "refreshed {n} model{} ({}) into {}",
        if n == 1 { "" } else { "s" },
        what.join(", "),
        path.display()
    ));
    Ok(if fetched.failures.is_empty() {
        Exit::Success
    } else {
        Exit::ModelFailed
    })
}

/// The rows the filters keep, sorted.
pub fn select(
    cat: &Catalog,
    registry: &llmx_core::provider::Registry,
    args: &ModelsSettings,
) -> Vec<ModelRow> {
    let provider = args
        .provider
        .as_deref()
        .and_then(|p| registry.get(p))
        .map(|p| p.id.clone());
    let needle = args.search.as_deref().map(str::to_lowercase);
    let mut rows: Vec<ModelRow> = Vec::new();
    for b in &cat.blocks {
        if provider.as_deref().is_some_and(|p| p != b.provider) {
            continue;
        }
        for m in &b.models {
            let aliases = cat.aliases_of(&b.provider, &m.id).join(" ");
            let free = m.free || m.price.is_some_and(|p| p.input == 0.0 && p.output == 0.0);
            if (args.free && !free)
                || (args.vision && m.vision != Some(true))
                || (args.tools && m.tools != Some(true))
                || (args.reasoning && !m.reasoning)
            {
                continue;
            }
            if let Some(n) = &needle {
                let hay = format!("{}/{} {}", b.provider, m.id, aliases).to_lowercase();
                if !hay.contains(n.as_str()) {
                    continue;
                }
            }
            rows.push(ModelRow {
                provider: b.provider.clone(),
                id: m.id.clone(),
                aliases,
                context: m.context,
                max_output: m.max_output,
                input_per_m: m.price.map(|p| p.input),
                output_per_m: m.price.map(|p| p.output),
                cache_read_per_m: m.price.and_then(|p| p.cache_read),
                cache_write_per_m: m.price.and_then(|p| p.cache_write),
                tier_above: m.price.and_then(|p| p.tier).map(|t| t.start),
                free,
                vision: m.vision,
                tools: m.tools,
                reasoning: m.reasoning,
                source: format!("{} ({})", b.source, b.source_date),
                batch_share: cat.batch_price(&b.provider).map(|x| x.share),
                batch_source: cat
                    .batch_price(&b.provider)
                    .map(|x| format!("{} ({})", x.source, x.source_date)),
            });
        }
    }
    match args.sort {
        ModelSort::Name => rows.sort_by(|a, b| (&a.provider, &a.id).cmp(&(&b.provider, &b.id))),
        ModelSort::Price => rows.sort_by(|a, b| {
            let key = |r: &ModelRow| match (r.input_per_m, r.output_per_m) {
                (Some(i), Some(o)) => i + o,
                _ => f64::INFINITY,
            };
            key(a).total_cmp(&key(b)).then_with(|| a.id.cmp(&b.id))
        }),
        ModelSort::Context => rows.sort_by(|a, b| {
            b.context
                .unwrap_or(0)
                .cmp(&a.context.unwrap_or(0))
                .then_with(|| a.id.cmp(&b.id))
        }),
    }
    rows
}
