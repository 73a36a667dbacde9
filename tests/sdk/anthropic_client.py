"""The official anthropic Python SDK as a client of `llmx serve` (its Messages wire).

Run by tests/cli/sdk.rs with the server's base URL and token; what the SDK returned (or raised)
is printed as one JSON object for the Rust test to assert on.
Usage: python anthropic_client.py BASE_URL TOKEN
"""

import base64
import json
import sys

import anthropic

from common import png

BASE, TOKEN = sys.argv[1], sys.argv[2]
client = anthropic.Anthropic(base_url=BASE, api_key=TOKEN, max_retries=0, timeout=30)
MODELS = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5", "gemini/gemini-2.5-flash"]
TOOLS = [{"name": "get_weather", "description": "Weather in a city",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]
out = {"sdk_version": anthropic.__version__}

for model in MODELS:
    m = client.messages.create(model=model, max_tokens=100, system="Be brief.",
                               messages=[{"role": "user", "content": "hi"}])
    with client.messages.stream(model=model, max_tokens=100,
                                messages=[{"role": "user", "content": "hi"}]) as s:
        text = "".join(s.text_stream)
        final = s.get_final_message()
    out[model] = {
        "text": m.content[0].text,
        "stop_reason": m.stop_reason,
        "usage": [m.usage.input_tokens, m.usage.output_tokens],
        "streamed": text,
        "final_stop": final.stop_reason,
        "final_usage": [final.usage.input_tokens, final.usage.output_tokens],
    }

# A tool loop against each upstream dialect, streamed and not.
for model in ["openai/tooly", "anthropic/tooly", "gemini/tooly"]:
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    m = client.messages.create(model=model, max_tokens=100, tools=TOOLS, messages=messages)
    call = next(b for b in m.content if b.type == "tool_use")
    with client.messages.stream(model=model, max_tokens=100, tools=TOOLS, messages=messages) as s:
        final = s.get_final_message()
    streamed = next(b for b in final.content if b.type == "tool_use")
    messages.append({"role": "assistant", "content": [b.model_dump() for b in m.content]})
    messages.append({"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": call.id, "content": "21 C"}]})
    again = client.messages.create(model=model, max_tokens=100, tools=TOOLS, messages=messages)
    out[model] = {
        "stop_reason": m.stop_reason,
        "call": {"name": call.name, "input": call.input, "id": call.id},
        "streamed": {"name": streamed.name, "input": streamed.input},
        "again": again.stop_reason,
    }

# An image, as base64: a real PNG of one colour.
image = base64.b64encode(png(4, 3)).decode()
out["images"] = {}
for model in MODELS:
    m = client.messages.create(model=model, max_tokens=50, messages=[{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": image}},
        {"type": "text", "text": "What colour?"}]}])
    out["images"][model] = m.content[0].text

out["count_tokens"] = client.messages.count_tokens(
    model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "Hello there, how are you?"}]).input_tokens
# Anthropic's own count, for an Anthropic model.
out["count_tokens_anthropic"] = client.messages.count_tokens(
    model="anthropic/claude-sonnet-4-5",
    messages=[{"role": "user", "content": "Hello there, how are you?"}]).input_tokens

errors = {}
try:
    client.messages.create(model="gpt-4o-minii", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
except anthropic.APIStatusError as e:
    errors["unknown_model"] = [type(e).__name__, e.status_code]
try:
    anthropic.Anthropic(base_url=BASE, api_key="wrong", max_retries=0).messages.create(
        model="openai/gpt-4o-mini", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
except anthropic.APIStatusError as e:
    errors["bad_token"] = [type(e).__name__, e.status_code]
out["errors"] = errors

print(json.dumps(out))
