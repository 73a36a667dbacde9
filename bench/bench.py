#!/usr/bin/env python3
"""llmx benchmarks against the in-repo mock provider server (no network, no keys).

    cargo build --release --workspace && python3 bench/bench.py [--runs N] [--bin PATH]

`--bin` measures another llmx binary (an older build, say) against the same mock server, so a
before/after comparison runs on one machine in one session.

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
  (g) `llmx bench`, 600 requests (200 prompts x 3 models) each answering after 50 ms, default
      settings, rows to a file: wall seconds, median                    (target <= 0.5 s)
  (h) `llmx bench` at 0 latency, 1,000 and 10,000 requests (100 prompts x 2 models x 5 or 50
      repeats): peak RSS of each (target <= 60 MB, and not growing with the rows), and CPU
      time (user + system) per request
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
TIME = "/usr/bin/time"


def timed(cmd, env=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr.decode()}")
    return dt, p.stdout


def measured(cmd, env):
    """Wall seconds, peak RSS in MB and CPU seconds (user + system) of one run.

    Run under /usr/bin/time: on Linux a child's peak RSS counts from the RSS of the process
    that forked it, and this one holds the mock's scripts, so it must not be the one that forks
    llmx."""
    t = time.perf_counter()
    p = subprocess.Popen([TIME, "-f", "llmx-bench-usage %M %U %S"] + cmd, env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    err = p.stderr.read().decode()
    p.stderr.close()
    code = p.wait()
    dt = time.perf_counter() - t
    if code != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    line = [l for l in err.splitlines() if l.startswith("llmx-bench-usage ")][-1]
    kb, user, system = line.split()[1:]
    return dt, int(kb) / 1024, float(user) + float(system)


def main():
    global BIN
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--bin", default=BIN, help="the llmx binary to measure")
    ap.add_argument("--only", default="", help="comma-separated letters: run only these (e.g. l,m)")
    args = ap.parse_args()
    BIN = args.bin
    if not (os.path.exists(BIN) and os.path.exists(MOCK)):
        sys.exit("build first: cargo build --release --workspace")
    if not os.path.exists(TIME):
        sys.exit(f"{TIME} is needed to measure peak memory and CPU (Debian: apt install time)")

    with open(os.path.join(ROOT, "bench", "mock.json")) as f:
        script = json.load(f)
    for size in (500_000, 1_000_000):
        script["models"][f"id-{size}"] = {"text": "short", "model_id": "i" * size}
        script["models"][f"answer-{size}"] = {"text": "y" * size, "chunk_chars": 65536}
    words = ("The quick brown fox jumps over 13 lazy dogs, again. " * 20_000)[:1_000_000]
    script["models"]["words-usage"] = {"text": words, "chunk_chars": 65536}
    script["models"]["words-no-usage"] = {"text": words, "chunk_chars": 65536, "no_usage": True}
    script["models"]["instant-2"] = {"text": "Another quick answer, at once."}
    # (l) one tool call whose 1 MB of arguments stream in 4-character fragments (the id only on
    # the first, as the spec has it), and 100,000 small calls in one answer.
    big_args = json.dumps({"data": "x" * 1_000_000})
    script["models"]["args-1mb"] = {"tool_calls": [{"name": "f", "arguments": big_args}],
                                    "chunk_chars": 4}
    script["models"]["calls-100k"] = {
        "tool_calls": [{"name": "f", "arguments": json.dumps({"i": i})} for i in range(100_000)],
        "chunk_chars": 65536}
    for i in (1, 2, 3):
        script["models"][f"fifty-ms-{i}"] = {"text": f"Answer {i} after fifty ms.", "ttft_ms": 50}
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
            # The runs are recorded, as a user's would be, but not in the user's history.
            "LLMX_DATA_DIR": tempfile.mkdtemp(prefix="llmx-bench-data-"),
        }
        results = {}
        only = set(filter(None, args.only.split(",")))
        run = lambda letter: not only or letter in only

        # (l) streamed tool calls: CPU linear in what arrives.
        if run("l"):
            # The mock calls only the tools a request offers.
            tools_l = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
            json.dump([{"name": "f", "description": "d",
                        "parameters": {"type": "object"}}], tools_l)
            tools_l.close()
            for model in ("args-1mb", "calls-100k"):
                cmd = [BIN, "ask", "-m", f"openai/{model}", "hi", "--format", "json",
                       "--tools", tools_l.name, "--max-answer-mb", "64", "--timeout", "600"]
                runs = [measured(cmd, env) for _ in range(3)]
                results[f"l_{model.replace('-', '_')}_cpu_s"] = statistics.median(r[2] for r in runs)

        # (m) bench memory with a large tools file: the tools are held once.
        if run("m"):
            work_m = tempfile.mkdtemp(prefix="llmx-bench-m-")
            tools = [{"name": f"tool_{i}", "description": "d" * 600,
                      "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}
                     for i in range(90)]
            tools_path = os.path.join(work_m, "tools.json")
            with open(tools_path, "w") as f:
                json.dump(tools, f)
            prompts_path = os.path.join(work_m, "p.jsonl")
            with open(prompts_path, "w") as f:
                for i in range(20_000):
                    f.write(json.dumps({"id": f"p{i}", "prompt": f"Question {i}?"}) + "\n")
            results["m_tools_file_kb"] = os.path.getsize(tools_path) / 1024
            cmd = [BIN, "bench", "-q", "-m", "openai/instant", prompts_path, "--tools", tools_path,
                   "-o", os.path.join(work_m, "rows.csv"), "--no-history"]
            wall, rss, _ = measured(cmd, env)
            results["m_bench_20k_prompts_60kb_tools_peak_rss_mb"] = rss
            results["m_bench_20k_prompts_60kb_tools_wall_s"] = wall

        if only and not (only & set("abcdefgh")):
            for k, v in results.items():
                print(f"{k:44} {v:10.3f}")
            return

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

        # (g) and (h): bench.
        work = tempfile.mkdtemp(prefix="llmx-bench-")

        def prompts(n):
            path = os.path.join(work, f"prompts-{n}.jsonl")
            with open(path, "w") as f:
                for i in range(n):
                    f.write(json.dumps({"id": f"p{i}", "prompt": f"Question number {i}?"}) + "\n")
            return path

        def bench_cmd(models, prompt_file, extra, name):
            out = os.path.join(work, name)
            if os.path.exists(out):
                os.unlink(out)
            return [BIN, "bench", "-m", models, prompt_file, "-o", out] + extra

        p200 = prompts(200)
        fifty = "openai/fifty-ms-1,openai/fifty-ms-2,openai/fifty-ms-3"
        walls = [measured(bench_cmd(fifty, p200, [], "g.csv"), env)[0]
                 for _ in range(max(5, args.runs // 2))]
        results["g_bench_600x50ms_wall_s"] = statistics.median(walls)

        p100 = prompts(100)
        for repeats, label in ((5, "1k"), (50, "10k")):
            runs = [measured(bench_cmd("openai/instant,openai/instant-2", p100,
                                       ["--repeat", str(repeats)], f"h-{label}.csv"), env)
                    for _ in range(3)]
            n = 100 * 2 * repeats
            results[f"h_bench_{label}_peak_rss_mb"] = max(r[1] for r in runs)
            results[f"h_bench_{label}_wall_s"] = statistics.median(r[0] for r in runs)
            results[f"h_bench_{label}_cpu_us_per_request"] = \
                statistics.median(r[2] for r in runs) / n * 1e6
        results["h_bench_rss_10k_over_1k"] = \
            results["h_bench_10k_peak_rss_mb"] / results["h_bench_1k_peak_rss_mb"]
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
        "g_bench_600x50ms_wall_s": ("<=", 0.5),
        "h_bench_1k_peak_rss_mb": ("<=", 60.0),
        "h_bench_10k_peak_rss_mb": ("<=", 60.0),
        "h_bench_rss_10k_over_1k": ("<=", 1.1),
        "l_args_1mb_cpu_s": ("<=", 1.0),
        "l_calls_100k_cpu_s": ("<=", 1.0),
        "m_bench_20k_prompts_60kb_tools_peak_rss_mb": ("<=", 100.0),
    }
    for k, v in results.items():
        t = targets.get(k)
        verdict = "" if t is None else ("  ok" if v <= t[1] else f"  MISSED (target {t[0]} {t[1]})")
        print(f"{k:36} {v:10.3f}{verdict}")


if __name__ == "__main__":
    main()
