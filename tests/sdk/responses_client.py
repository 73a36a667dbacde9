"""The official openai Python SDK's Responses API as a client of `llmx serve`.

Run by tests/cli/sdk.rs with the server's base URL and token. For each upstream dialect it makes
plain and streamed responses, a function-call loop (the call's output sent back as a
`function_call_output` item, the whole conversation resent as Codex CLI does with
`store: false`), and a reasoning answer; everything the SDK parsed is printed as one JSON object.
Usage: python responses_client.py BASE_URL TOKEN
"""

import base64
import json
import sys

import openai

from common import png

BASE, TOKEN = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=BASE, api_key=TOKEN, max_retries=0, timeout=30)
PROVIDERS = ["openai", "anthropic", "gemini"]
MODELS = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5", "gemini/gemini-2.5-flash"]
TOOLS = [
    {"type": "function", "name": "get_weather", "description": "Weather in a city",
     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
    # Codex CLI's groups of functions, and a hosted tool llmx cannot offer other models.
    {"type": "namespace", "name": "shell", "description": "Shell tools", "tools": [
        {"type": "function", "name": "exec", "description": "Run a command",
         "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}}}]},
    {"type": "web_search"},
]
out = {"sdk_version": openai.__version__}


def usage_of(u):
    return {
        "input": u.input_tokens,
        "output": u.output_tokens,
        "total": u.total_tokens,
        "cached": u.input_tokens_details.cached_tokens,
        "reasoning": u.output_tokens_details.reasoning_tokens,
    }


def items_of(r):
    return [i.model_dump(exclude_none=True) for i in r.output]


# Plain and streamed text from each dialect.
for model in MODELS:
    raw = client.responses.with_raw_response.create(
        model=model, input="hi", instructions="Answer briefly.")
    r = raw.parse()
    kinds, deltas = [], []
    with client.responses.stream(model=model, input=[
            {"role": "developer", "content": "Answer briefly."},
            {"role": "user", "content": [{"type": "input_text", "text": "hi"}]}]) as s:
        for ev in s:
            kinds.append(ev.type)
            if ev.type == "response.output_text.delta":
                deltas.append(ev.delta)
        final = s.get_final_response()
    out[model] = {
        "text": r.output_text,
        "status": r.status,
        "model": r.model,
        "usage": usage_of(r.usage),
        "provider_header": raw.headers.get("x-llmx-provider"),
        "notes_header": raw.headers.get("x-llmx-notes"),
        "streamed": "".join(deltas),
        "final_text": final.output_text,
        "final_usage": usage_of(final.usage),
        "kinds": kinds,
    }

# A function-call loop, plain then streamed, against each dialect.
for p in PROVIDERS:
    model = p + "/tooly"
    convo = [{"role": "user", "content": "Weather in Paris?"}]
    r = client.responses.create(model=model, input=convo, tools=TOOLS, tool_choice="auto",
                                parallel_tool_calls=True, store=False,
                                include=["reasoning.encrypted_content"])
    calls = [i for i in r.output if i.type == "function_call"]
    with client.responses.stream(model=model, input=convo, tools=TOOLS) as s:
        arg_deltas = [ev.delta for ev in s if ev.type == "response.function_call_arguments.delta"]
        streamed = s.get_final_response()
    scalls = [i for i in streamed.output if i.type == "function_call"]
    convo += [i.model_dump(exclude_none=True) for i in r.output]
    convo.append({"type": "function_call_output", "call_id": calls[0].call_id,
                  "output": '{"temp_c": 21}'})
    again = client.responses.create(model=p + "/after", input=convo, tools=TOOLS)
    out[model] = {
        "calls": [{"name": c.name, "namespace": getattr(c, "namespace", None),
                   "arguments": json.loads(c.arguments), "call_id": c.call_id} for c in calls],
        "streamed_calls": [{"name": c.name, "arguments": json.loads(c.arguments)} for c in scalls],
        "arg_deltas": "".join(arg_deltas),
        "after": again.output_text,
    }

# Reasoning, streamed: its summary deltas and the item the final response holds.
for p in PROVIDERS:
    model = p + "/thinker"
    summary = []
    with client.responses.stream(model=model, input="Think, then answer.",
                                 reasoning={"effort": "high", "summary": "auto"}) as s:
        for ev in s:
            if ev.type == "response.reasoning_summary_text.delta":
                summary.append(ev.delta)
        final = s.get_final_response()
    reasoning = [i for i in final.output if i.type == "reasoning"]
    out[model] = {
        "summary": "".join(summary),
        "items": [i.type for i in final.output],
        "item_summary": reasoning[0].summary[0].text if reasoning and reasoning[0].summary else None,
        "sealed": reasoning[0].encrypted_content if reasoning else None,
        "text": final.output_text,
        "reasoning_tokens": final.usage.output_tokens_details.reasoning_tokens,
    }

# An image as a data: URL, and structured output.
image = "data:image/png;base64," + base64.b64encode(png(4, 3)).decode()
out["images"] = {}
for model in MODELS:
    r = client.responses.create(model=model, input=[{"role": "user", "content": [
        {"type": "input_text", "text": "What colour?"}, {"type": "input_image", "image_url": image}]}])
    out["images"][model] = r.output_text

# What a stateless server refuses, and a failure after the first token.
errors = {}
try:
    client.responses.create(model="openai/gpt-4o-mini", input="hi", previous_response_id="resp_1")
    errors["previous_response_id"] = None
except openai.APIError as e:
    errors["previous_response_id"] = {"class": type(e).__name__, "status": e.status_code,
                                      "message": str(e)}
out["errors"] = errors
for p in PROVIDERS:
    kinds, failed = [], None
    with client.responses.stream(model=p + "/cut", input="hi") as s:
        for ev in s:
            kinds.append(ev.type)
            if ev.type == "response.failed":
                failed = ev.response.error.model_dump()
    out[p + "/cut"] = {"kinds": kinds, "error": failed}

print(json.dumps(out))
