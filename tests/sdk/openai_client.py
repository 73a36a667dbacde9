"""The official openai Python SDK as a client of `llmx serve`.

Run by tests/cli/sdk.rs with the server's base URL and token; each scenario records what the SDK
returned (or raised), and the whole is printed as one JSON object for the Rust test to assert on.
Usage: python openai_client.py BASE_URL TOKEN
"""

import base64
import json
import sys

import openai

from common import png

BASE, TOKEN = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=BASE, api_key=TOKEN, max_retries=0, timeout=30)
MODELS = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5", "gemini/gemini-2.5-flash"]
TOOLS = [{
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}]
out = {"sdk_version": openai.__version__}


def error_of(e):
    return {
        "class": type(e).__name__,
        "status": getattr(e, "status_code", None),
        "message": str(e),
        "retry_after": e.response.headers.get("retry-after") if getattr(e, "response", None) else None,
    }


# Plain and streamed answers from each dialect.
for model in MODELS:
    raw = client.chat.completions.with_raw_response.create(
        model=model, messages=[{"role": "user", "content": "hi"}])
    r = raw.parse()
    plain = {
        "content": r.choices[0].message.content,
        "model": r.model,
        "finish_reason": r.choices[0].finish_reason,
        "usage": r.usage.model_dump(),
        "provider_header": raw.headers.get("x-llmx-provider"),
    }
    texts, usage_chunks, finish = [], 0, None
    for c in client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}], stream=True):
        if not c.choices:
            usage_chunks += 1
            continue
        texts.append(c.choices[0].delta.content or "")
        finish = c.choices[0].finish_reason or finish
    with_usage = None
    for c in client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}], stream=True,
            stream_options={"include_usage": True}):
        if not c.choices and c.usage is not None:
            with_usage = c.usage.total_tokens
    out[model] = {
        "plain": plain,
        "streamed": "".join(texts),
        "usage_chunks_unasked": usage_chunks,
        "finish": finish,
        "usage_when_asked": with_usage,
    }

# A tool loop against each dialect: call, result, answer; streamed calls assembled by index.
for model in ["openai/tooly", "anthropic/tooly", "gemini/tooly"]:
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    r = client.chat.completions.create(model=model, messages=messages, tools=TOOLS)
    call = r.choices[0].message.tool_calls[0]
    streamed = {}
    for c in client.chat.completions.create(model=model, messages=messages, tools=TOOLS, stream=True):
        for d in (c.choices[0].delta.tool_calls or []) if c.choices else []:
            s = streamed.setdefault(d.index, {"id": None, "name": None, "arguments": ""})
            s["id"] = d.id or s["id"]
            if d.function and d.function.name:
                s["name"] = d.function.name
            if d.function and d.function.arguments:
                s["arguments"] += d.function.arguments
    messages.append(r.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": '{"temp_c": 21}'})
    final = client.chat.completions.create(model=model, messages=messages, tools=TOOLS)
    out[model] = {
        "finish": r.choices[0].finish_reason,
        "call": {"id": call.id, "name": call.function.name, "arguments": json.loads(call.function.arguments)},
        "streamed": streamed,
        "final_finish": final.choices[0].finish_reason,
    }

# An image as a data: URL, and structured output.
image = "data:image/png;base64," + base64.b64encode(png(4, 3)).decode()
r = client.chat.completions.create(model="openai/gpt-4o-mini", messages=[{"role": "user", "content": [
    {"type": "text", "text": "What colour?"}, {"type": "image_url", "image_url": {"url": image}}]}])
out["image"] = r.choices[0].message.content
r = client.chat.completions.create(
    model="gemini/gemini-2.5-flash", messages=[{"role": "user", "content": "A city as JSON"}],
    response_format={"type": "json_schema", "json_schema": {"name": "city", "schema": {
        "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}}})
out["json_schema"] = r.choices[0].message.content

# The model list.
out["models"] = [m.id for m in client.models.list()]

# Errors, as the SDK raises them.
errors = {}
for name, kwargs in {
    "unknown_model": {"model": "gpt-4o-minii"},
    "rate_limited": {"model": "openai/limited"},
    "upstream_denied": {"model": "openai/denied"},
}.items():
    try:
        client.chat.completions.create(messages=[{"role": "user", "content": "hi"}], **kwargs)
        errors[name] = None
    except openai.APIError as e:
        errors[name] = error_of(e)
try:
    openai.OpenAI(base_url=BASE, api_key="wrong-token", max_retries=0).chat.completions.create(
        model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    errors["bad_token"] = None
except openai.APIError as e:
    errors["bad_token"] = error_of(e)
out["errors"] = errors

# An upstream 500 then a fallback (OpenRouter's `models`): plain, and one clean stream.
r = client.chat.completions.create(
    model="openai/broken", messages=[{"role": "user", "content": "hi"}],
    extra_body={"models": ["anthropic/claude-sonnet-4-5"]})
out["fallback_plain"] = {"model": r.model, "content": r.choices[0].message.content}
texts = []
for c in client.chat.completions.create(
        model="openai/broken", messages=[{"role": "user", "content": "hi"}], stream=True,
        extra_body={"models": ["anthropic/claude-sonnet-4-5"]}):
    if c.choices:
        texts.append(c.choices[0].delta.content or "")
out["fallback_stream"] = "".join(texts)

# A stream cut after its first tokens: the SDK must see an error, not a clean end.
texts = []
try:
    for c in client.chat.completions.create(
            model="openai/cut", messages=[{"role": "user", "content": "hi"}], stream=True):
        if c.choices:
            texts.append(c.choices[0].delta.content or "")
    out["cut"] = {"text": "".join(texts), "error": None}
except openai.APIError as e:
    out["cut"] = {"text": "".join(texts), "error": error_of(e)}

print(json.dumps(out))
