"""The official openai, anthropic and google-genai Python SDKs against the mock's Batch APIs.

Run by tests/cli/sdk.rs with the mock server's URL: what each SDK parses of the mock's files,
batches, results and errors, printed as one JSON object. It checks the mock's shapes against the
providers' own clients, so a batch client tested on the mock is tested on the real shapes.
Usage: python batch_client.py MOCK_URL KEY
"""

import json
import sys
import time

import anthropic
import openai
from google import genai

BASE, KEY = sys.argv[1], sys.argv[2]
oai = openai.OpenAI(base_url=BASE + "/v1", api_key=KEY, max_retries=0, timeout=30)
ant = anthropic.Anthropic(base_url=BASE, api_key=KEY, max_retries=0, timeout=30)
out = {}


def wait(get, done):
    for _ in range(400):
        b = get()
        if done(b):
            return b
        time.sleep(0.02)
    raise RuntimeError("the batch never ended")


def openai_batch(n):
    lines = [json.dumps({"custom_id": f"c{i}", "method": "POST", "url": "/v1/chat/completions",
                         "body": {"model": "gpt-4o-mini",
                                  "messages": [{"role": "user", "content": f"hi {i}"}]}})
             for i in range(1, n + 1)]
    f = oai.files.create(file=("cells.jsonl", ("\n".join(lines) + "\n").encode()), purpose="batch")
    return f, oai.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions",
                                 completion_window="24h", metadata={"llmx_run": "r1"})


f, b = openai_batch(6)
first = b.status
b = wait(lambda: oai.batches.retrieve(b.id), lambda b: b.status in (
    "completed", "expired", "failed", "cancelled"))
results, order = {}, []
for file_id in (b.output_file_id, b.error_file_id):
    for line in oai.files.content(file_id).text.splitlines():
        r = json.loads(line)
        order.append(r["custom_id"])
        if r["error"]:
            results[r["custom_id"]] = {"error": r["error"]["code"]}
        elif r["response"]["status_code"] == 200:
            results[r["custom_id"]] = {
                "text": r["response"]["body"]["choices"][0]["message"]["content"]}
        else:
            results[r["custom_id"]] = {"status": r["response"]["status_code"],
                                       "message": r["response"]["body"]["error"]["message"]}
out["openai"] = {
    "file": {"purpose": f.purpose, "bytes": f.bytes, "filename": f.filename},
    "first_status": first,
    "status": b.status,
    "counts": b.request_counts.model_dump(),
    "metadata": b.metadata,
    "results": results,
    "order": order,
}
_, big = openai_batch(60)
big = wait(lambda: oai.batches.retrieve(big.id), lambda b: b.status in ("failed", "completed"))
out["openai"]["too_many"] = {"status": big.status, "codes": [e.code for e in big.errors.data]}
_, c = openai_batch(3)
oai.batches.cancel(c.id)
c = wait(lambda: oai.batches.retrieve(c.id), lambda b: b.status == "cancelled")
out["openai"]["cancelled"] = c.status
out["openai"]["listed"] = [x.id for x in oai.batches.list()]
out["openai"]["ids"] = [b.id, big.id, c.id]


def anthropic_requests(n):
    return [{"custom_id": f"c{i}", "params": {"model": "claude-sonnet-4-5", "max_tokens": 50,
                                              "messages": [{"role": "user", "content": f"hi {i}"}]}}
            for i in range(1, n + 1)]


m = ant.messages.batches.create(requests=anthropic_requests(6))
first = m.processing_status
m = wait(lambda: ant.messages.batches.retrieve(m.id), lambda b: b.processing_status == "ended")
results, order = {}, []
for r in ant.messages.batches.results(m.id):
    order.append(r.custom_id)
    if r.result.type == "succeeded":
        results[r.custom_id] = {"text": r.result.message.content[0].text}
    elif r.result.type == "errored":
        results[r.custom_id] = {"error": r.result.error.error.type}
    else:
        results[r.custom_id] = {"result": r.result.type}
out["anthropic"] = {
    "first_status": first,
    "counts": m.request_counts.model_dump(),
    "results_url": m.results_url,
    "ended_at": m.ended_at.isoformat() if m.ended_at else None,
    "results": results,
    "order": order,
}
try:
    ant.messages.batches.create(requests=anthropic_requests(60))
    out["anthropic"]["too_many"] = None
except anthropic.APIStatusError as e:
    out["anthropic"]["too_many"] = {"class": type(e).__name__, "status": e.status_code}
c = ant.messages.batches.create(requests=anthropic_requests(3))
ant.messages.batches.cancel(c.id)
c = wait(lambda: ant.messages.batches.retrieve(c.id), lambda b: b.processing_status == "ended")
out["anthropic"]["cancelled"] = c.request_counts.model_dump()
out["anthropic"]["listed"] = [x.id for x in ant.messages.batches.list()]

# Gemini: inline requests; the SDK reads the server's BATCH_STATE_* as JOB_STATE_*.
gem = genai.Client(api_key=KEY, http_options={"base_url": BASE, "api_version": "v1beta"})
src = [{"contents": [{"role": "user", "parts": [{"text": f"hi {i}"}]}], "metadata": {"key": f"c{i}"}}
       for i in range(1, 7)]
job = gem.batches.create(model="gemini-2.5-flash", src=src, config={"display_name": "intent-g"})
first = job.state
job = wait(lambda: gem.batches.get(name=job.name), lambda j: j.done)
responses = job.dest.inlined_responses
out["gemini"] = {
    "name": job.name,
    "first_state": str(first),
    "state": str(job.state),
    "display_name": job.display_name,
    "results": [{"text": r.response.text} if r.response else {"error": r.error.model_dump() if hasattr(r.error, "model_dump") else r.error}
                for r in responses],
}
c = gem.batches.create(model="gemini-2.5-flash", src=src[:2])
gem.batches.cancel(name=c.name)
out["gemini"]["cancelled"] = str(gem.batches.get(name=c.name).state)
out["gemini"]["listed"] = [j.name for j in gem.batches.list()]

# Gemini with an input file: uploaded through the File API (the SDK's resumable protocol), the
# batch made from its name, the responses file downloaded; each line keyed.
import io, tempfile
lines = [{"key": f"f{i}", "request": {"contents": [{"role": "user", "parts": [{"text": f"hi {i}"}]}]}}
         for i in range(1, 7)]
with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
    f.write("".join(json.dumps(l) + "\n" for l in lines))
uploaded = gem.files.upload(file=f.name, config={"display_name": "intent-file", "mime_type": "jsonl"})
job = gem.batches.create(model="gemini-2.5-flash", src=uploaded.name, config={"display_name": "intent-f"})
job = wait(lambda: gem.batches.get(name=job.name), lambda j: j.done)
raw = gem.files.download(file=job.dest.file_name)
got = {}
for line in raw.decode().splitlines():
    r = json.loads(line)
    got[r["key"]] = ({"text": r["response"]["candidates"][0]["content"]["parts"][0]["text"]}
                     if "response" in r else {"error": r["error"]["code"]})
out["gemini_file"] = {
    "uploaded": uploaded.name,
    "display_name": uploaded.display_name,
    "state": str(job.state),
    "dest": job.dest.file_name,
    "results": got,
    "order": [json.loads(l)["key"] for l in raw.decode().splitlines()],
}
print(json.dumps(out, default=str))
