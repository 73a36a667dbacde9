#!/usr/bin/env python3
"""The history store's benchmarks (no network, no keys).

    cargo build --release --workspace && python3 bench/history.py [--rows N] [--runs N]

Reports:
  (i) a store of 1,000,000 rows (5 rows a run, 8 models, spread evenly over the last 90 days,
      rows in time order as llmx writes them): `llmx usage --since 30d` and `llmx leaderboard`
      (30 days: a third of the rows), medians over --runs, process start included
                                                                       (target <= 200 ms each)
      and the same over all 1,000,000 rows (`--since 365d`), for the worst case
  (j) the store's size on disk per 1,000 rows (a 200-character answer each)
  (k) what recording costs a run: `llmx bench` of 10,000 zero-latency requests with the history
      on and with --no-history, the extra wall and CPU time per row  (target <= 1 ms per row)

The store's schema comes from llmx itself (a first `llmx compare` creates it); the 1,000,000
rows are then written straight into it with Python's sqlite3, shaped as llmx writes them, and
read back only through llmx. Only the standard library is used.
"""
import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import BIN, MOCK, measured, timed  # noqa: E402  (the same binaries and timers as bench.py)

DAY_MS = 86_400_000


def run(cmd, env):
    """Wall seconds and stdout of one run that must succeed."""
    return timed(cmd, env)


def fill(store, n_rows):
    """Add n_rows rows, 5 per run, evenly over the last 90 days, in time order."""
    rng = random.Random(7)
    db = sqlite3.connect(store)
    db.execute("PRAGMA synchronous = OFF")
    models = [("openai", "gpt-5.4-mini"), ("anthropic", "claude-sonnet-5-5"),
              ("gemini", "gemini-3.7-flash"), ("groq", "llama-3.3-70b-versatile"),
              ("deepseek", "deepseek-chat"), ("mistral", "mistral-small-latest"),
              ("xai", "grok-4.5"), ("openrouter", "meta-llama/llama-3.3-70b-instruct")]
    keys = []
    for p, m in models:
        db.execute("INSERT OR IGNORE INTO models (provider, requested) VALUES (?, ?)", (p, m))
        keys.append(db.execute("SELECT key FROM models WHERE provider = ? AND requested = ?",
                               (p, m)).fetchone()[0])
    prompts = [f"Benchmark prompt number {i}: explain something in a paragraph." for i in range(1000)]
    hashes = [f"{i:032x}" for i in range(1000)]
    db.executemany("INSERT OR IGNORE INTO texts (hash, text) VALUES (?, ?)", zip(hashes, prompts))
    now = int(time.time() * 1000)
    start = now - 90 * DAY_MS
    answer = "A typical answer of about two hundred characters, as a model writes it when asked " \
             "for a short paragraph; the history keeps it so `history show` can render it again."
    next_run = db.execute("SELECT COALESCE(MAX(key), 0) FROM runs").fetchone()[0] + 1
    next_id = db.execute("SELECT COALESCE(MAX(id), 0) FROM results").fetchone()[0] + 1
    batch_runs, batch_rows, batch_details = [], [], []
    for i in range(n_rows):
        at = start + (i * 90 * DAY_MS) // n_rows
        if i % 5 == 0:
            run_key = next_run
            next_run += 1
            batch_runs.append((run_key, f"{run_key:012x}", at, "compare", "a,b,c,d,e",
                               hashes[run_key % 1000], prompts[run_key % 1000][:80], "{}",
                               "2026-11-24", None, 1200, 0))
        k = rng.randrange(8)
        failed = rng.random() < 0.03
        latency = None if failed else rng.randint(300, 6000)
        ttft = None if failed else latency // rng.randint(2, 6)
        out_tokens = None if failed else rng.randint(50, 600)
        cost = None if failed else out_tokens * 0.000002 + 0.00005
        tps = None if failed else round(out_tokens / max(latency - ttft, 1) * 1000, 1)
        row_id = next_id
        next_id += 1
        batch_rows.append((row_id, run_key, i % 5, at, keys[k], 1 if failed else 0, latency, ttft,
                           latency, 40, out_tokens, 0, tps, cost))
        batch_details.append((row_id, models[k][1], models[k][1], hashes[run_key % 1000], None,
                              None, None, None, None, 0, 0, None if failed else "stop",
                              "server" if failed else None, 1, None if failed else answer,
                              None, None, "HTTP 500: overloaded" if failed else None, None))
        if len(batch_rows) >= 50_000 or i == n_rows - 1:
            db.executemany("INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", batch_runs)
            db.executemany("INSERT INTO results VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch_rows)
            db.executemany("INSERT INTO details VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           batch_details)
            db.commit()
            batch_runs, batch_rows, batch_details = [], [], []
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def measured_cpu(cmd, env):
    """Wall seconds and CPU seconds (user + system) of one run."""
    wall, _, cpu = measured(cmd, env)
    return wall, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    if not (os.path.exists(BIN) and os.path.exists(MOCK)):
        sys.exit("build first: cargo build --release --workspace")
    work = tempfile.mkdtemp(prefix="llmx-history-bench-")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": work,
        "LLMX_DATA_DIR": os.path.join(work, "data"),
        "LLMX_CACHE_DIR": os.path.join(work, "cache"),
        "LLMX_NO_KEYRING": "1",
    }
    results = {}
    store = os.path.join(work, "data", "history.sqlite3")

    # (i) and (j): the store llmx creates, filled to --rows.
    run([BIN, "compare", "-m", "mock/echo", "-p", "create the store", "--format", "json"], env)
    before = os.path.getsize(store)
    t = time.perf_counter()
    fill(store, args.rows)
    print(f"filled {args.rows} rows in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    _, out = run([BIN, "history", "stats", "--format", "json"], env)
    stats = json.loads(out)[0]
    if stats["rows"] != args.rows + 1:
        sys.exit(f"the store holds {stats['rows']} rows, not {args.rows + 1}")
    results["j_store_mb"] = stats["size_bytes"] / 2**20
    results["j_store_kib_per_1k_rows"] = (stats["size_bytes"] - before) / args.rows * 1000 / 1024
    for name, cmd in (
        ("usage_30d", ["usage", "--since", "30d", "--format", "json"]),
        ("leaderboard_30d", ["leaderboard", "--format", "json"]),
        ("usage_all", ["usage", "--since", "365d", "--format", "json"]),
        ("leaderboard_all", ["leaderboard", "--since", "365d", "--format", "json"]),
        ("history_list", ["history", "--format", "json"]),
    ):
        run([BIN] + cmd, env)  # warm the page cache
        times = [run([BIN] + cmd, env)[0] for _ in range(args.runs)]
        results[f"i_{name}_ms"] = statistics.median(times) * 1000
    _, out = run([BIN, "usage", "--since", "30d", "--format", "json"], env)
    results["i_usage_30d_rows_read"] = sum(u["requests"] for u in json.loads(out))

    # (k): recording's cost per row, bench of 10,000 zero-latency requests.
    script = {"models": {"instant": {"text": "Quick answer."},
                         "instant-2": {"text": "Another quick answer."}}}
    script_file = os.path.join(work, "mock.json")
    with open(script_file, "w") as f:
        json.dump(script, f)
    server = subprocess.Popen([MOCK, "--port", "0", "--script", script_file],
                              stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        url = server.stdout.readline().decode().strip().removeprefix("listening on ")
        benv = dict(env, OPENAI_API_KEY="sk-bench-not-a-real-key", LLMX_OPENAI_BASE_URL=url + "/v1",
                    LLMX_DATA_DIR=os.path.join(work, "data-k"))
        prompts = os.path.join(work, "prompts.jsonl")
        with open(prompts, "w") as f:
            for i in range(100):
                f.write(json.dumps({"id": f"p{i}", "prompt": f"Question number {i}?"}) + "\n")
        n = 100 * 2 * 50
        out = os.path.join(work, "k.csv")

        def bench(extra):
            if os.path.exists(out):
                os.unlink(out)
            return measured_cpu([BIN, "bench", "-m", "openai/instant,openai/instant-2", prompts,
                             "--repeat", "50", "-o", out] + extra, benv)

        on, off = [], []
        for _ in range(max(3, args.runs // 2)):
            off.append(bench(["--no-history"]))
            on.append(bench([]))
        wall_on, wall_off = (statistics.median(r[0] for r in x) for x in (on, off))
        cpu_on, cpu_off = (statistics.median(r[1] for r in x) for x in (on, off))
        results["k_bench_10k_wall_s_history"] = wall_on
        results["k_bench_10k_wall_s_no_history"] = wall_off
        results["k_recording_wall_ms_per_row"] = (wall_on - wall_off) / n * 1000
        results["k_recording_cpu_ms_per_row"] = (cpu_on - cpu_off) / n * 1000
    finally:
        server.terminate()
        server.wait()

    targets = {
        "i_usage_30d_ms": 200.0,
        "i_leaderboard_30d_ms": 200.0,
        "k_recording_wall_ms_per_row": 1.0,
        "k_recording_cpu_ms_per_row": 1.0,
    }
    for k, v in results.items():
        t = targets.get(k)
        verdict = "" if t is None else ("  ok" if v <= t else f"  MISSED (target <= {t})")
        print(f"{k:36} {v:12.3f}{verdict}")


if __name__ == "__main__":
    main()
