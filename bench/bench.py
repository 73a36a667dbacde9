#!/usr/bin/env python3
"""llmx benchmarks against the in-repo mock provider server (no network, no keys).

    cargo build --release --workspace && python3 bench/bench.py [--runs N]

Reports:
  (a) compare of 5 models each answering after 1 s: wall time / 1 s      (target <= 1.03)
  (b) `llmx ask` vs curl making the same request, zero-latency mock: ratio of medians (<= 1.5)
  (c) `llmx --version` median                                            (target <= 3 ms)
  (d) reported TTFT vs the mock's scripted 200 ms first-token delay       (target within 5 ms)
Only the standard library is used. Timings include process start, as a user would see them.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
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

    server = subprocess.Popen(
        [MOCK, "--port", "0", "--script", os.path.join(ROOT, "bench", "mock.json")],
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
    finally:
        server.terminate()
        server.wait()

    targets = {
        "a_compare_5x1s_wall_ratio": ("<=", 1.03),
        "b_ask_over_curl": ("<=", 1.5),
        "c_version_median_ms": ("<=", 3.0),
        "d_ttft_minus_scripted_ms_max": ("<=", 5.0),
    }
    for k, v in results.items():
        t = targets.get(k)
        verdict = "" if t is None else ("  ok" if v <= t[1] else f"  MISSED (target {t[0]} {t[1]})")
        print(f"{k:36} {v:10.3f}{verdict}")


if __name__ == "__main__":
    main()
