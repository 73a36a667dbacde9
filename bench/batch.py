#!/usr/bin/env python3
"""`llmx bench --batch` at scale, against the in-repo mock server's Batch APIs.

For each grid size (cells = prompts × 2 models: OpenAI and Anthropic), runs
`llmx bench --batch` once and reports: the time to build and upload every batch (until the last
batch id is printed), the time from the batches' end to the last row written, the whole wall
time, llmx's peak RSS, and the rows written. The mock finishes each batch `FINISH_MS` after it
is created, so the wait itself is short and fixed.

Usage: python3 bench/batch.py [--cells 10000,100000] [--bin target/release/llmx]
Figures: docs/batch.md.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FINISH_MS = 500


def run(bin_path, mock_url, cells, work):
    prompts = cells // 2
    path = os.path.join(work, f"p{cells}.jsonl")
    with open(path, "w") as f:
        for i in range(prompts):
            f.write(json.dumps({"id": f"p{i}", "prompt": f"Question {i}: what is {i} + {i}?"}) + "\n")
    out = os.path.join(work, f"out{cells}.csv")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": work,
        "LLMX_OPENAI_BASE_URL": mock_url + "/v1",
        "LLMX_ANTHROPIC_BASE_URL": mock_url,
        "OPENAI_API_KEY": "sk-bench-not-a-real-key",
        "ANTHROPIC_API_KEY": "sk-bench-not-a-real-key",
        "LLMX_NO_KEYRING": "1",
        "LLMX_DATA_DIR": os.path.join(work, "data"),
    }
    cmd = ["/usr/bin/time", "-f", "RSS_KB %M", bin_path, "bench", "--batch", "-q",
           "-m", "openai/gpt-4o-mini,anthropic/claude-sonnet-4-5", path, "-o", out,
           "--poll-interval", "0.2"]
    start = time.monotonic()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    submitted = None
    rss = None
    for line in p.stderr:
        if line.startswith("batch "):
            submitted = time.monotonic() - start
        if line.startswith("RSS_KB"):
            rss = int(line.split()[1]) / 1024
    p.wait()
    wall = time.monotonic() - start
    with open(out) as f:
        rows = sum(1 for _ in f) - 1
    # The batches end FINISH_MS after their creation; what follows is reading and writing.
    reading = wall - submitted - FINISH_MS / 1000
    return {"cells": cells, "rows": rows, "submit_s": round(submitted, 2),
            "read_write_s": round(max(reading, 0), 2), "wall_s": round(wall, 2),
            "peak_rss_mb": round(rss, 1) if rss else None, "exit": p.returncode}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", default="10000,100000")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/llmx"))
    ap.add_argument("--mock", default=os.path.join(ROOT, "target/release/llmx-mock-server"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="llmx-bench-batch-")
    script = os.path.join(work, "mock.json")
    with open(script, "w") as f:
        json.dump({"batch": {"finish_ms": FINISH_MS}}, f)
    mock = subprocess.Popen([args.mock, "--port", "0", "--script", script],
                            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        url = mock.stdout.readline().strip().removeprefix("listening on ")
        for n in [int(c) for c in args.cells.split(",")]:
            print(json.dumps(run(args.bin, url, n, work)))
            sys.stdout.flush()
    finally:
        mock.terminate()


if __name__ == "__main__":
    main()
