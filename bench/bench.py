#!/usr/bin/env python3
"""llmx benchmarks against the in-repo mock provider server (no network, no keys).

    cargo build --release --workspace && python3 bench/bench.py [--runs N]

Reports:
  (a) compare of 5 models each answering after 1 s: wall time / 1 s      (target <= 1.03)
  (b) `llmx ask` vs curl making the same request, zero-latency mock: ratio of medians (<= 1.5)
  (c) `llmx --version` median                                            (target <= 3 ms)
  (d) reported TTFT vs the mock's scripted 200 ms first-token delay       (target within 5 ms)
  (e) the table with a server-sent 1 MB model id, and with a 1 MB unbroken answer under
      --full: seconds, and time(1 MB) / time(0.5 MB), ~2 when rendering is linear (~4 when
      quadratic)                                                         (target < 1 s)
  (f) estimating tokens: a 1 MB answer of words the server reports no usage for (llmx
      estimates it) over the same answer with usage reported: ratio of medians (<= 1.1)
Only the standard library is used. Timings include process start, as a user would see them.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "llmx")
MOCK = os.path.join(ROOT, "target", "release", "llmx-mock-server")


def timed(cmd, env=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr.decode()}")
    return dt, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    if not (os.path.exists(BIN) and os.path.exists(MOCK)):
        sys.exit("build first: cargo build --release --workspace")

    with open(os.path.join(ROOT, "bench", "mock.json")) as f:
        script = json.load(f)
    for size in (500_000, 1_000_000):
        script["models"][f"id-{size}"] = {"text": "short", "model_id": "i" * size}
        script["models"][f"answer-{size}"] = {"text": "y" * size, "chunk_chars": 65536}
    words = ("The quick brown fox jumps over 13 lazy dogs, again. " * 20_000)[:1_000_000]
    script["models"]["words-usage"] = {"text": words, "chunk_chars": 65536}
    script["models"]["words-no-usage"] = {"text": words, "chunk_chars": 65536, "no_usage": True}
    script_file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(script, script_file)
    script_file.close()
    server = subprocess.Popen(
        [MOCK, "--port", "0", "--script", script_file.name],
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
    )
    try:
        url = server.stdout.readline().decode().strip().removeprefix("listening on ")
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),
            "OPENAI_API_KEY": "sk-bench-not-a-real-key",
            "LLMX_OPENAI_BASE_URL": url + "/v1",
            "LLMX_NO_KEYRING": "1",
        }
        results = {}

        # (a) five one-second models at once.
        models = ",".join(f"openai/one-second-{i}" for i in range(1, 6))
        walls = [timed([BIN, "compare", "-q", "-m", models, "-p", "hi", "--format", "json"], env)[0]
                 for _ in range(max(3, args.runs // 4))]
        results["a_compare_5x1s_wall_ratio"] = statistics.median(walls) / 1.0

        # (b) ask vs curl, same streamed request.
        body = json.dumps({
            "model": "instant", "messages": [{"role": "user", "content": "hi"}],
            "stream": True, "stream_options": {"include_usage": True},
        })
        curl = ["curl", "-sS", "-N", url + "/v1/chat/completions",
                "-H", "content-type: application/json",
                "-H", "authorization: Bearer sk-bench-not-a-real-key", "-d", body]
        ask = [BIN, "ask", "-m", "openai/instant", "hi"]
        for _ in range(3):  # warm up both
            timed(curl, env)
            timed(ask, env)
        t_curl = statistics.median(timed(curl, env)[0] for _ in range(args.runs))
        t_ask = statistics.median(timed(ask, env)[0] for _ in range(args.runs))
        results["b_ask_ms"] = t_ask * 1000
        results["b_curl_ms"] = t_curl * 1000
        results["b_ask_over_curl"] = t_ask / t_curl

        # (c) --version.
        for _ in range(3):
            timed([BIN, "--version"])
        results["c_version_median_ms"] = 1000 * statistics.median(
            timed([BIN, "--version"])[0] for _ in range(args.runs * 2))

        # (d) TTFT as reported vs as scripted.
        diffs = []
        for _ in range(max(5, args.runs // 2)):
            _, out = timed([BIN, "compare", "-q", "-m", "openai/first-token-200ms", "-p", "hi",
                            "--format", "json"], env)
            diffs.append(json.loads(out)[0]["ttft_ms"] - 200)
        results["d_ttft_minus_scripted_ms_median"] = statistics.median(diffs)
        results["d_ttft_minus_scripted_ms_max"] = max(diffs)

        # (e) rendering stays linear in what a server sends.
        for kind, extra in (("id", []), ("answer", ["--full"])):
            t = {}
            for size in (500_000, 1_000_000):
                cmd = [BIN, "compare", "-q", "-m", f"openai/{kind}-{size}", "-p", "hi"] + extra
                t[size] = statistics.median(timed(cmd, env)[0] for _ in range(3))
            results[f"e_table_1mb_{kind}_s"] = t[1_000_000]
            results[f"e_table_{kind}_1mb_over_half"] = t[1_000_000] / t[500_000]

        # (f) the token estimate's cost on a 1 MB answer.
        t = {}
        for model in ("words-usage", "words-no-usage"):
            cmd = [BIN, "compare", "-q", "-m", f"openai/{model}", "-p", "hi", "--format", "jsonl"]
            t[model] = statistics.median(timed(cmd, env)[0] for _ in range(5))
        results["f_estimate_1mb_s"] = t["words-no-usage"]
        results["f_estimate_over_reported"] = t["words-no-usage"] / t["words-usage"]
    finally:
        server.terminate()
        server.wait()
        os.unlink(script_file.name)

    targets = {
        "a_compare_5x1s_wall_ratio": ("<=", 1.03),
        "b_ask_over_curl": ("<=", 1.5),
        "c_version_median_ms": ("<=", 3.0),
        "d_ttft_minus_scripted_ms_max": ("<=", 5.0),
        "e_table_1mb_id_s": ("<=", 1.0),
        "e_table_1mb_answer_s": ("<=", 1.0),
        "f_estimate_over_reported": ("<=", 1.1),
    }
    for k, v in results.items():
        t = targets.get(k)
        verdict = "" if t is None else ("  ok" if v <= t[1] else f"  MISSED (target {t[0]} {t[1]})")
        print(f"{k:36} {v:10.3f}{verdict}")


if __name__ == "__main__":
    main()
