#!/usr/bin/env python3
"""Rebuild llmx-core/src/catalog/catalog.json, the model catalog compiled into llmx.

    python3 scripts/gen_catalog.py ../shared/data/genai-prices-data_slim.json \
        ../shared/fixtures/real/openrouter/models_catalog.json [--today YYYY-MM-DD]

Sources (facts only; each provider block names its source and date):
  * pydantic/genai-prices `data_slim.json` (MIT): prices in USD per million tokens, match rules
    for dated snapshot ids, context windows, long-context tiers, date- and time-dependent prices.
  * OpenRouter's public model catalog (GET /api/v1/models, as recorded in the fixture): prices
    (USD per token, decimal strings), context and max output, modalities, supported parameters.
  * Capability flags (vision, tools, reasoning) for direct providers come from the family rules
    below, written from the providers' model documentation; OpenRouter's catalog gives its own.
Only the standard library is used.
"""
import argparse
import datetime
import json
import re
import sys

# genai-prices provider id -> (llmx provider id, which model ids belong to it)
PROVIDERS = [
    ("openai", "openai", None),
    ("anthropic", "anthropic", None),
    ("google", "gemini", re.compile(r"^(gemini|gemma)-")),
    ("deepseek", "deepseek", None),
    ("mistral", "mistral", None),
    ("groq", "groq", None),
    ("x-ai", "xai", None),
    ("together", "together", None),
    # Amazon Bedrock: its own ids (`anthropic.claude-…`, cross-region `us.…`/`global.…`
    # profiles, `amazon.nova-…`), regional endpoints priced above global ones as Bedrock does.
    ("aws", "bedrock", None),
]
# Google Vertex AI: Gemini at genai-prices' `google` prices, Claude at the `anthropic` ones (its
# `google` provider falls back to `anthropic` for Claude); Vertex's regional endpoints may cost
# more than these global prices.
VERTEX_SOURCE = ("{g}, providers `google` (Gemini) and `anthropic` (Claude on Vertex AI, as "
                 "genai-prices prices it); global-endpoint prices, regional endpoints may cost more")
# The Batch APIs' price as a share of the list price, where the provider documents one flat
# share for every model (inputs, outputs and cache alike). Groq is left out: its batch page has
# said "25% lower cost" and later nothing, so llmx estimates it (see docs/batch.md).
BATCH = {
    "openai": (0.5, "OpenAI Batch API guide and pricing page: 50% off inputs and outputs"),
    "anthropic": (0.5, "Anthropic batch processing docs: 50% of standard prices, cache included"),
    "gemini": (0.5, "Gemini API Batch Mode docs: 50% of the standard interactive price"),
}
BATCH_DATE = "2026-11"
GENAI_SOURCE = "pydantic/genai-prices data_slim.json (MIT)"
GENAI_DATE = "2026-08"
OPENROUTER_SOURCE = "OpenRouter GET /api/v1/models (recorded by simonw/llm-openrouter)"

# Not chat models, or not usable through the chat endpoints llmx speaks.
SKIP = re.compile(
    r"(embed|tts|transcribe|whisper|dall-e|image|realtime|audio|moderation|search|davinci|"
    r"babbage|curie|computer-use|deep-research|guard|^ada$|^ft:|\.ft-|voxtral|:extended|"
    r"-base$|^gpt-3.5-turbo-instruct|multi-agent)",
    re.I,
)

# Free variants of OpenRouter models seen in real recorded traffic; OpenRouter prices every
# `:free` variant at "0".
OPENROUTER_FREE = [
    ("meta-llama/llama-3.2-3b-instruct:free", 131072),
    ("google/gemini-2.0-flash-exp:free", 1048576),
    ("minimax/minimax-m2:free", 204800),
]


def rule(*prefixes):
    return re.compile("^(" + "|".join(prefixes) + ")", re.I)


VISION = rule(r"gpt-4o", r"chatgpt-4o", r"gpt-4\.1", r"gpt-4-turbo", r"gpt-4-vision", r"gpt-5",
              r"o1$", r"o1-pro", r"o3$", r"o3-pro", r"o4-mini", r"claude-3", r"claude-(sonnet|opus|haiku)-[45]",
              r"claude-fable", r"gemini-", r"gemma-[34]", r"grok-2-vision", r"grok-4", r"pixtral",
              r"mistral-medium-3", r"mistral-small-(3\.[12]|2603|latest)", r"mistral-large-2512",
              r"llama-3\.2-\d+b-vision", r"meta-llama/llama-4", r"meta-llama/Llama-4",
              # Amazon Nova (its user guide: Lite, Pro and Premier take images; Micro is text)
              r"nova-(lite|pro|premier)")
TOOLS = rule(r"nova-(micro|lite|pro|premier)", r"gpt-3\.5-turbo", r"gpt-4", r"gpt-5", r"chatgpt", r"o1", r"o3", r"o4", r"claude-3",
             r"claude-(sonnet|opus|haiku)", r"claude-fable", r"gemini-", r"mistral-(large|medium|small|latest)",
             r"ministral", r"codestral", r"devstral", r"magistral", r"pixtral", r"mixtral-8x22b",
             r"grok-", r"deepseek-(chat|reasoner|v3|v4)", r"llama-3\.[13]", r"llama-4", r"meta-llama/llama-4",
             r"meta-llama/Llama-(3\.3|4)", r"meta-llama/Meta-Llama-3\.[13]", r"qwen/qwen3", r"moonshotai/kimi",
             r"openai/gpt-oss")
REASONING = rule(r"o1", r"o3", r"o4", r"gpt-5(?!-chat)", r"claude-3-7", r"claude-(sonnet|opus)-4",
                 r"claude-(sonnet|opus|haiku)-[45]-?[5-9]?", r"claude-fable", r"gemini-2\.5", r"gemini-3",
                 r"deepseek-reasoner", r"deepseek-r1", r"deepseek-v4", r"grok-3-mini", r"grok-4(?!.*non-reasoning)",
                 r"grok-code", r"magistral", r"qwen/qwen3", r"openai/gpt-oss", r"llama-3\.1-405b-reasoning")

ALIASES = {
    "gpt": "openai/gpt-5.4-mini",
    "claude": "anthropic/claude-sonnet-5-5",
    "gemini": "gemini/gemini-3.7-flash",
    "deepseek": "deepseek/deepseek-chat",
    "mistral": "mistral/mistral-small-latest",
    "llama": "groq/llama-3.3-70b-versatile",
    "grok": "xai/grok-4.5",
    "sonnet": "anthropic/claude-sonnet-5-5",
    "opus": "anthropic/claude-opus-5-5",
    "haiku": "anthropic/claude-haiku-4-5",
    "flash": "gemini/gemini-3.7-flash",
    "r1": "deepseek/deepseek-reasoner",
    "free": "openrouter/meta-llama/llama-3.2-3b-instruct:free",
    "mock": "mock/echo",
}


# Maximum output tokens, from each provider's own model pages (a fact the price data lacks;
# `--max-cost` needs it to bound a request sent without --max-tokens). Rules are matched against
# the catalog id; the first match wins; a model no rule names keeps no maximum (shown as unknown,
# and `--max-cost` then asks for --max-tokens). Where the providers' pages disagree or say
# nothing (xAI, Mistral, Together), no figure is given.
MAX_OUTPUT = [
    # platform.openai.com/docs/models (each model's page, "Max output tokens")
    ("openai", r"(chatgpt-4o-latest|gpt-4o|gpt-4o-mini|gpt-4\.5-preview)$", 16384),
    ("openai", r"gpt-4\.1(-mini|-nano)?$", 32768),
    ("openai", r"(gpt-4-turbo|gpt-4-vision-preview|gpt-3\.5-turbo.*|gpt-3\.5-0301)$", 4096),
    ("openai", r"gpt-4$", 8192),
    ("openai", r"o1-mini$", 65536),
    ("openai", r"(o1|o1-pro|o3|o3-mini|o3-pro|o4-mini|codex-mini)$", 100000),
    ("openai", r"gpt-5(\.[1-4])?(-mini|-nano|-codex|-codex-mini)?$", 128000),
    # platform.claude.com/docs/en/about-claude/models/overview ("Max output")
    ("anthropic", r"claude-(fable-5|sonnet-5|opus-5)$", 128000),
    ("anthropic", r"claude-(opus-4-[678]|sonnet-4-6)$", 128000),
    ("anthropic", r"claude-(sonnet-4-[05]|haiku-4-5|opus-4-5|3-7-sonnet-latest)$", 64000),
    ("anthropic", r"claude-opus-4-[01]$", 32000),
    ("anthropic", r"claude-3-5-(sonnet|haiku-latest)$", 8192),
    ("anthropic", r"claude-(3-haiku|3-opus-latest|3-sonnet|2|v1)$", 4096),
    # ai.google.dev/gemini-api/docs/models ("Output token limit")
    ("gemini", r"gemini-(2\.5|3)(\.\d)?-(flash|flash-lite|pro)(-preview)?$", 65536),
    ("gemini", r"(gemini-(1\.5|2\.0)-(flash|flash-lite|pro)|gemini-(flash|pro)-1\.5|gemini-flash-1\.5-8b)$", 8192),
    # api-docs.deepseek.com/quick_start/pricing ("Max output": the reasoner's counts its thinking)
    ("deepseek", r"deepseek-chat$", 8192),
    ("deepseek", r"deepseek-reasoner$", 65536),
    # console.groq.com/docs/models ("Max completion tokens")
    ("groq", r"llama-3\.3-70b-versatile$", 32768),
    ("groq", r"llama-3\.1-8b-instant$", 131072),
    ("groq", r"openai/gpt-oss-(120b|20b)$", 65536),
    ("groq", r"meta-llama/llama-4-(maverick|scout)-.*$", 8192),
    ("groq", r"qwen/qwen3-32b$", 40960),
    ("groq", r"moonshotai/kimi-k2-instruct$", 16384),
]
MAX_OUTPUT_RULES = [(p, re.compile(r), n) for p, r, n in MAX_OUTPUT]


def max_output(provider, mid):
    for p, r, n in MAX_OUTPUT_RULES:
        if p == provider and r.match(mid):
            return n
    return None


# The same model served by several providers, for `--route cheapest|fastest|provider=X`: a family
# name, then provider/model ids (each must be in the catalog with a price).
ROUTES = {
    "llama-3.3-70b": ["groq/llama-3.3-70b-versatile", "together/meta-llama/Llama-3.3-70B-Instruct-Turbo",
                      "openrouter/meta-llama/llama-3.3-70b-instruct"],
    "llama-4-maverick": ["groq/meta-llama/llama-4-maverick-17b-128e-instruct",
                         "together/meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8",
                         "openrouter/meta-llama/llama-4-maverick"],
    "deepseek-chat": ["deepseek/deepseek-chat", "openrouter/deepseek/deepseek-chat"],
    "deepseek-r1": ["deepseek/deepseek-reasoner", "openrouter/deepseek/deepseek-r1"],
    "gpt-oss-120b": ["groq/openai/gpt-oss-120b", "openrouter/openai/gpt-oss-120b"],
    "qwen3-32b": ["groq/qwen/qwen3-32b", "openrouter/qwen/qwen3-32b"],
    "kimi-k2": ["groq/moonshotai/kimi-k2-instruct", "openrouter/moonshotai/kimi-k2"],
    "gpt-4o": ["openai/gpt-4o", "openrouter/openai/gpt-4o"],
    "gpt-4o-mini": ["openai/gpt-4o-mini", "openrouter/openai/gpt-4o-mini"],
    "gpt-5.4-mini": ["openai/gpt-5.4-mini", "openrouter/openai/gpt-5.4-mini"],
    # The clouds' own names for the same models: Bedrock's global inference profiles (callable
    # from any region) and Vertex AI's ids.
    "claude-sonnet-4-5": ["anthropic/claude-sonnet-4-5", "openrouter/anthropic/claude-sonnet-4.5",
                          "bedrock/global.anthropic.claude-sonnet-4-5-20250929-v1:0",
                          "vertex/claude-sonnet-4-5@20250929"],
    "claude-haiku-4-5": ["anthropic/claude-haiku-4-5", "openrouter/anthropic/claude-haiku-4.5",
                         "bedrock/global.anthropic.claude-haiku-4-5-20251001-v1:0",
                         "vertex/claude-haiku-4-5@20251001"],
    "gemini-2.5-flash": ["gemini/gemini-2.5-flash", "openrouter/google/gemini-2.5-flash",
                         "vertex/gemini-2.5-flash"],
}


def convert_match(m):
    """genai-prices match rules, with the few regexes turned into a `dated` prefix rule."""
    if "or" in m:
        return {"or": [convert_match(x) for x in m["or"]]}
    if "and" in m:
        return {"and": [convert_match(x) for x in m["and"]]}
    if "regex" in m:
        r = m["regex"]
        g = re.match(r"^\^((?:[^\\\[\](){}*+?|]|\\\.)+?)(?:\\d|\[0-9\])", r)
        if not g:
            sys.exit(f"regex rule not understood: {r}")
        return {"dated": g.group(1).replace("\\.", ".")}
    (k, v), = m.items()
    if k not in ("equals", "starts_with", "contains", "ends_with"):
        sys.exit(f"match rule not understood: {m}")
    return {k: v}


def one_price(p):
    """genai-prices prices (flat or with a tier) -> llmx's price object."""
    def base(v):
        return v["base"] if isinstance(v, dict) else v

    def tier(v):
        return v["tiers"][0] if isinstance(v, dict) and v.get("tiers") else None

    if "input_mtok" not in p or "output_mtok" not in p:
        return None
    out = {"input": base(p["input_mtok"]), "output": base(p["output_mtok"])}
    if "cache_read_mtok" in p:
        out["cache_read"] = base(p["cache_read_mtok"])
    if "cache_write_mtok" in p:
        out["cache_write"] = base(p["cache_write_mtok"])
    t = tier(p["input_mtok"])
    if t:
        tp = {"start": t["start"], "input": t["price"]}
        for key, name in (("output_mtok", "output"), ("cache_read_mtok", "cache_read"),
                          ("cache_write_mtok", "cache_write")):
            tt = tier(p.get(key))
            tp[name] = tt["price"] if tt else base(p[key]) if key in p else None
        out["tier"] = {k: v for k, v in tp.items() if v is not None}
    return out


def prices(pr, today):
    """Choose today's price; keep time-of-day windows (DeepSeek's standard hours)."""
    if isinstance(pr, dict):
        return one_price(pr), []
    chosen, windows = None, []
    for entry in pr:
        c = entry.get("constraint")
        if c is None:
            chosen = one_price(entry["prices"])
        elif "start_date" in c:
            if c["start_date"] <= today:
                chosen = one_price(entry["prices"])
        elif "start_time" in c:
            windows.append({"start": c["start_time"][:5], "end": c["end_time"][:5],
                            "price": one_price(entry["prices"])})
    return chosen, windows


# Bedrock ids name the vendor first (`us.anthropic.claude-…`, `amazon.nova-lite-v1:0`): the
# capability rules read the model's own name.
BEDROCK_VENDOR = re.compile(r"^(?:[a-z-]+\.)*?(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer)\.")


def flags(mid):
    mid = BEDROCK_VENDOR.sub("", mid)
    return {"vision": bool(VISION.search(mid)), "tools": bool(TOOLS.search(mid)),
            "reasoning": bool(REASONING.search(mid))}


def per_token(s):
    return round(float(s) * 1e6, 6) if s not in (None, "") else None


def openrouter_models(catalog):
    out = []
    for m in catalog["data"]:
        pr = m.get("pricing", {})
        price = {"input": per_token(pr.get("prompt")) or 0.0, "output": per_token(pr.get("completion")) or 0.0}
        if pr.get("input_cache_read"):
            price["cache_read"] = per_token(pr["input_cache_read"])
        if pr.get("input_cache_write"):
            price["cache_write"] = per_token(pr["input_cache_write"])
        for o in pr.get("overrides") or []:
            t = {"start": o["min_prompt_tokens"], "input": per_token(o.get("prompt")),
                 "output": per_token(o.get("completion")),
                 "cache_read": per_token(o.get("input_cache_read")),
                 "cache_write": per_token(o.get("input_cache_write"))}
            price["tier"] = {k: v for k, v in t.items() if v is not None}
            break
        params = m.get("supported_parameters") or []
        top = m.get("top_provider") or {}
        out.append({
            "id": m["id"],
            "match": {"equals": m["id"]},
            "context": m.get("context_length"),
            "max_output": top.get("max_completion_tokens"),
            "price": price,
            "free": price["input"] == 0 and price["output"] == 0,
            "vision": "image" in (m.get("architecture") or {}).get("input_modalities", []),
            "tools": "tools" in params,
            "reasoning": "reasoning" in params,
        })
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("genai_prices")
    ap.add_argument("openrouter_catalog")
    ap.add_argument("--today", default=datetime.date.today().isoformat())
    ap.add_argument("--out", default="llmx-core/src/catalog/catalog.json")
    a = ap.parse_args()

    data = {p["id"]: p for p in json.load(open(a.genai_prices))}
    blocks = []
    for gid, pid, only in PROVIDERS:
        models = []
        for m in data[gid]["models"]:
            mid = m["id"]
            if SKIP.search(mid) or (only and not only.search(mid)):
                continue
            price, windows = prices(m["prices"], a.today)
            # genai-prices names Bedrock's in-region prices `regional.…`; Bedrock's own id is
            # the bare one (its `us.`/`eu.`… profiles match the same rule).
            shown = mid.removeprefix("regional.") if pid == "bedrock" else mid
            entry = {"id": shown, "match": convert_match(m["match"])}
            if m.get("context_window"):
                entry["context"] = m["context_window"]
            if max_output(pid, mid):
                entry["max_output"] = max_output(pid, mid)
            if price:
                entry["price"] = price
            if windows:
                entry["windows"] = windows
            entry.update(flags(mid))
            if m.get("deprecated"):
                entry["deprecated"] = True
            models.append(entry)
        source = f"{GENAI_SOURCE}, provider `{gid}`"
        if any(p == pid for p, _, _ in MAX_OUTPUT):
            source += "; maximum output from the provider's model pages"
        block = {"provider": pid, "source": source, "source_date": GENAI_DATE}
        if pid in BATCH:
            share, said = BATCH[pid]
            block["batch"] = {"share": share, "source": said, "source_date": BATCH_DATE}
        block["models"] = models
        blocks.append(block)

    by_pid = {b["provider"]: b for b in blocks}
    blocks.append({"provider": "vertex", "source": VERTEX_SOURCE.format(g=GENAI_SOURCE),
                   "source_date": GENAI_DATE,
                   "models": by_pid["gemini"]["models"] + by_pid["anthropic"]["models"]})

    # OpenRouter: prices from genai-prices; context, max output and capabilities from
    # OpenRouter's own catalog where the recording lists the model (its prices are what
    # `llmx models --refresh` brings in).
    rec = json.load(open(a.openrouter_catalog))
    body = rec["response"].get("body") or json.loads(rec["response"]["body_text"])
    listed = {m["id"]: m for m in openrouter_models(body)}
    orm = []
    for m in data["openrouter"]["models"]:
        mid = m["id"]
        # OpenRouter ids are vendor/model; genai-prices also lists bare and `~` router ids.
        if SKIP.search(mid) or "/" not in mid or mid.startswith("~"):
            continue
        price, windows = prices(m["prices"], a.today)
        entry = {"id": mid, "match": convert_match(m["match"])}
        if m.get("context_window"):
            entry["context"] = m["context_window"]
        if price:
            entry["price"] = price
        entry.update(flags(mid.split("/", 1)[-1]))
        if mid in listed:
            seen = listed[mid]
            for k in ("context", "max_output", "vision", "tools", "reasoning"):
                if seen.get(k) is not None:
                    entry[k] = seen[k]
        orm.append(entry)
    for mid, ctx in OPENROUTER_FREE:
        orm.append({"id": mid, "match": {"equals": mid}, "context": ctx,
                    "price": {"input": 0.0, "output": 0.0}, "free": True, **flags(mid.split("/", 1)[1])})
    blocks.append({"provider": "openrouter",
                   "source": f"{GENAI_SOURCE}, provider `openrouter`; context and capabilities from "
                             f"{OPENROUTER_SOURCE}; `:free` variants priced 0 as OpenRouter does",
                   "source_date": GENAI_DATE, "models": orm})

    out = {"generated_by": "scripts/gen_catalog.py (do not edit by hand)", "prices_as_of": a.today,
           "aliases": ALIASES, "routes": ROUTES, "providers": blocks}
    # One model per line: small, and diffs of a regenerated file stay readable.
    c = lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False)
    lines = ["{", f' "generated_by":{c(out["generated_by"])},', f' "prices_as_of":{c(out["prices_as_of"])},',
             f' "aliases":{c(out["aliases"])},', f' "routes":{c(out["routes"])},', ' "providers":[']
    for i, b in enumerate(blocks):
        head = {k: v for k, v in b.items() if k != "models"}
        lines.append("  " + c(head)[:-1] + ',"models":[')
        lines.append(",\n".join("   " + c(m) for m in b["models"]))
        lines.append("  ]}" + ("," if i < len(blocks) - 1 else ""))
    lines.append(" ]")
    lines.append("}")
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    json.load(open(a.out))  # must stay valid JSON
    n = sum(len(b["models"]) for b in blocks)
    print(f"wrote {a.out}: {n} models, {len(ALIASES)} aliases")


if __name__ == "__main__":
    main()
