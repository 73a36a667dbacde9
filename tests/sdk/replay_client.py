"""Recorded requests, sent again through `llmx serve` with the official SDK of their wire.

Run by tests/cli/sdk.rs, which serves each recording's answer as the upstream of its own provider.
CASES is a JSON file holding a list of {"wire": "chat" | "messages" | "responses", "stream": bool,
"body": the recorded request body, its model named as llmx names it}. Prints, for each, what the
SDK parsed: the text, the calls and the usage.
Usage: python replay_client.py BASE_URL TOKEN CASES
"""

import json
import sys

import anthropic
import openai

BASE, TOKEN, CASES = sys.argv[1], sys.argv[2], sys.argv[3]
oai = openai.OpenAI(base_url=BASE + "/v1", api_key=TOKEN, max_retries=0, timeout=30)
ant = anthropic.Anthropic(base_url=BASE, api_key=TOKEN, max_retries=0, timeout=30)
# The fields every SDK release takes as arguments; the rest go as they were recorded.
CORE = {"chat": ["model", "messages"], "messages": ["model", "max_tokens", "messages"],
        "responses": ["model", "input"]}


def args(text):
    return json.loads(text) if text else {}


def chat(body, stream):
    if stream:
        with oai.chat.completions.stream(**body) as s:
            r = s.get_final_completion()
    else:
        r = oai.chat.completions.create(**body)
    m = r.choices[0].message
    return {
        "text": m.content or "",
        "calls": [{"name": c.function.name, "arguments": args(c.function.arguments)}
                  for c in (m.tool_calls or [])],
        "usage": [r.usage.prompt_tokens, r.usage.completion_tokens] if r.usage else None,
    }


def messages(body, stream):
    if stream:
        with ant.messages.stream(**body) as s:
            r = s.get_final_message()
    else:
        r = ant.messages.create(**body)
    return {
        "text": "".join(b.text for b in r.content if b.type == "text"),
        "calls": [{"name": b.name, "arguments": b.input} for b in r.content if b.type == "tool_use"],
        "usage": [r.usage.input_tokens, r.usage.output_tokens],
    }


def responses(body, stream):
    if stream:
        with oai.responses.stream(**body) as s:
            r = s.get_final_response()
    else:
        r = oai.responses.create(**body)
    return {
        "text": r.output_text,
        "calls": [{"name": i.name, "arguments": args(i.arguments)}
                  for i in r.output if i.type == "function_call"],
        "usage": [r.usage.input_tokens, r.usage.output_tokens],
    }


def replay(case):
    wire = case["wire"]
    recorded = dict(case["body"])
    recorded.pop("stream", None)
    body = {k: recorded.pop(k) for k in CORE[wire] if k in recorded}
    body["extra_body"] = recorded
    return {"chat": chat, "messages": messages, "responses": responses}[wire](body, case["stream"])


print(json.dumps([replay(c) for c in json.load(open(CASES))]))
