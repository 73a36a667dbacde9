#!/usr/bin/env python3
"""`llmx serve`'s overhead, measured against the in-repo mock server (no network, no keys).

    cargo build --release --workspace && python3 bench/serve.py [--requests 2000] [--bin LLMX]

(--bin measures another build of llmx against the same mock and load generator: this VM's
figures drift by more than most single changes, so compare two builds by alternating them.)

The same requests go to the mock directly and through `llmx serve` in one run, sent by
bench/load (Rust, hyper, one keep-alive connection per worker):
  (1) added latency at concurrency 1: p50 and p99 of serve minus direct, over --requests
      requests, to an OpenAI-compatible upstream (goal <= 150 us p99) and translated to
      Anthropic and Gemini (goal <= 300 us p99; the direct baseline is the OpenAI wire)
  (2) requests per second and p99 at concurrency 64 (goal: serve >= 90% of direct), with a
      zero-latency upstream (serve, mock and load share 2 cores) and with one answering in 20 ms
  (3) 512 concurrent streams of 64 deltas: every delta arrives, added TTFT p99 (<= 300 us)
  (4) peak RSS: idle (<= 15 MiB; also split into the server's own memory and the pages of its
      binary) and during the 512 streams (<= 60 MiB), and after
  (5) time from starting `llmx serve` to its first 200 (<= 50 ms)
(1)-(3) are also measured through bench/load's `llmx-floor`, a forwarder that passes the bytes
to the mock and back on one thread and parses nothing: what two HTTP legs cost on this machine
before any gateway work, the floor under (1)-(3)'s goals.
If a `litellm` executable is on PATH, the same load is sent through its proxy too; otherwise
this says it was skipped. The server runs as a user's would: access log on (to /dev/null),
history recorded (in a temporary data dir).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REL = os.path.join(ROOT, "target", "release")
BIN, MOCK, LOAD, FLOOR = (os.path.join(REL, b)
                          for b in ("llmx", "llmx-mock-server", "llmx-load", "llmx-floor"))
TOKEN = "bench-serve-token-0123456789abcdef"


def rss_mb(pid, field="VmRSS"):
    """A process's resident memory from /proc/PID/status: VmRSS (all of it), RssAnon (its own
    memory) or RssFile (pages of its binary and libraries mapped from files)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def load(url, model, concurrency, requests, warmup, stream=False):
    cmd = [LOAD, "--url", url, "--token", TOKEN, "--model", model, "--concurrency",
           str(concurrency), "--requests", str(requests), "--warmup", str(warmup)]
    if stream:
        cmd.append("--stream")
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"llmx-load failed: {p.stderr}")
    return json.loads(p.stdout)


def chat(base, model):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}]}).encode()
    req = urllib.request.Request(base + "/chat/completions", data=body, headers={
        "authorization": f"Bearer {TOKEN}", "content-type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return r.status


class Peak:
    """The peak RSS of a process while it is watched."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0.0, False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.005)

    def done(self):
        self.stop = True
        self.t.join()
        return self.peak


def measure_litellm(exe, mock_url, d1, d64, n):
    """The same load through LiteLLM's proxy (its OpenAI-compatible upstream is the mock)."""
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    work = tempfile.mkdtemp(prefix="llmx-bench-litellm-")
    cfg = os.path.join(work, "config.yaml")
    with open(cfg, "w") as f:
        f.write("model_list:\n")
        for m in ("m", "m20"):
            f.write(f"  - model_name: openai/{m}\n    litellm_params:\n      model: openai/{m}\n"
                    f"      api_base: {mock_url}/v1\n      api_key: sk-bench-not-a-real-key\n")
        f.write(f"general_settings:\n  master_key: sk-{TOKEN}\n")
    out = {}
    t0 = time.perf_counter()
    proc = subprocess.Popen([exe, "--config", cfg, "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(base + "/health/liveliness", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        out["litellm_start_to_ready_s"] = time.perf_counter() - t0
        time.sleep(1.0)
        out["litellm_idle_rss_mb"] = rss_mb(proc.pid)
        url = base + "/v1/chat/completions"
        tok = "sk-" + TOKEN
        def via(model, c, k, w):
            cmd = [LOAD, "--url", url, "--token", tok, "--model", model, "--concurrency", str(c),
                   "--requests", str(k), "--warmup", str(w)]
            p = subprocess.run(cmd, capture_output=True, text=True)
            return json.loads(p.stdout) if p.returncode == 0 else None
        l1 = via("openai/m", 1, min(n, 500), 50)
        if l1:
            out["litellm_c1_added_p50_us"] = l1["latency_us"]["p50"] - d1["latency_us"]["p50"]
            out["litellm_c1_added_p99_us"] = l1["latency_us"]["p99"] - d1["latency_us"]["p99"]
        l64 = via("openai/m", 64, 1280, 64)
        if l64:
            out["litellm_c64_rps"] = l64["rps"]
            out["litellm_c64_over_direct"] = l64["rps"] / d64["rps"]
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    return out


def measure_floor(mock_url, d1, d64, ds, n):
    """(1)-(3) through llmx-floor: two HTTP legs and nothing else."""
    proc = subprocess.Popen([FLOOR, "--upstream", mock_url], stdout=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    out = {}
    try:
        base = proc.stdout.readline().decode().strip().removeprefix("listening on ")
        via = base + "/v1/chat/completions"
        f1 = load(via, "m", 1, n, 200)
        out["floor_c1_added_p50_us"] = f1["latency_us"]["p50"] - d1["latency_us"]["p50"]
        out["floor_c1_added_p99_us"] = f1["latency_us"]["p99"] - d1["latency_us"]["p99"]
        f64 = load(via, "m", 64, max(n, 6400), 640)
        out["floor_c64_rps"] = f64["rps"]
        out["floor_c64_over_direct"] = f64["rps"] / d64["rps"]
        fs = load(via, "s64", 512, 512, 0, stream=True)
        out["floor_streams512_added_ttft_p99_us"] = fs["ttft_us"]["p99"] - ds["ttft_us"]["p99"]
    finally:
        proc.terminate()
        proc.wait()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--litellm", help="LiteLLM's proxy executable, to measure beside llmx")
    ap.add_argument("--bin", help="the llmx binary to measure (default: target/release/llmx), "
                    "to compare two builds in one sitting")
    args = ap.parse_args()
    global BIN
    if args.bin:
        BIN = os.path.abspath(args.bin)
    for b in (BIN, MOCK, LOAD, FLOOR):
        if not os.path.exists(b):
            sys.exit("build first: cargo build --release --workspace")
    script = {"models": {
        "m": {"text": "Hello."},
        "m20": {"text": "Hello.", "ttft_ms": 20},
        "s64": {"text": "abcdefgh" * 64, "chunk_chars": 8},
    }}
    script_file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(script, script_file)
    script_file.close()
    mock = subprocess.Popen([MOCK, "--port", "0", "--script", script_file.name],
                            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    mock_url = mock.stdout.readline().decode().strip().removeprefix("listening on ")
    data = tempfile.mkdtemp(prefix="llmx-bench-serve-")
    env = {
        "PATH": os.environ.get("PATH", ""), "HOME": data, "LLMX_NO_KEYRING": "1",
        "LLMX_DATA_DIR": data, "LLMX_SERVE_TOKEN": TOKEN,
        "OPENAI_API_KEY": "sk-bench-not-a-real-key", "LLMX_OPENAI_BASE_URL": mock_url + "/v1",
        "ANTHROPIC_API_KEY": "sk-ant-bench-not-a-real-key", "LLMX_ANTHROPIC_BASE_URL": mock_url,
        "GEMINI_API_KEY": "AIza-bench-not-a-real-key", "LLMX_GEMINI_BASE_URL": mock_url,
    }
    results = {}
    devnull = open(os.devnull, "w")
    t0 = time.perf_counter()
    serve = subprocess.Popen([BIN, "serve", "--port", "0"], env=env, stdout=subprocess.PIPE,
                             stderr=devnull, stdin=subprocess.DEVNULL)
    try:
        base = serve.stdout.readline().decode().strip().removeprefix("listening on ")
        status = chat(base, "openai/m")
        results["start_to_first_200_ms"] = (time.perf_counter() - t0) * 1000
        assert status == 200
        time.sleep(0.5)
        results["idle_rss_mb"] = rss_mb(serve.pid)
        # VmRSS is the goal's figure; most of it is the binary's pages (more of them when the
        # file is wholly in the page cache), so its own memory is shown apart.
        results["idle_rss_anon_mb"] = rss_mb(serve.pid, "RssAnon")
        results["idle_rss_file_mb"] = rss_mb(serve.pid, "RssFile")

        direct = mock_url + "/v1/chat/completions"
        via = base + "/chat/completions"
        n = args.requests
        d1 = load(direct, "m", 1, n, 200)
        for label, model in (("openai", "openai/m"), ("anthropic", "anthropic/m"),
                             ("gemini", "gemini/m")):
            s1 = load(via, model, 1, n, 200)
            assert s1["errors"] == 0, s1
            results[f"c1_{label}_added_p50_us"] = s1["latency_us"]["p50"] - d1["latency_us"]["p50"]
            results[f"c1_{label}_added_p99_us"] = s1["latency_us"]["p99"] - d1["latency_us"]["p99"]
        results["c1_direct_p50_us"] = d1["latency_us"]["p50"]
        results["c1_direct_p99_us"] = d1["latency_us"]["p99"]

        d64 = load(direct, "m", 64, max(n, 6400), 640)
        s64 = load(via, "openai/m", 64, max(n, 6400), 640)
        results["c64_direct_rps"] = d64["rps"]
        results["c64_serve_rps"] = s64["rps"]
        results["c64_serve_over_direct"] = s64["rps"] / d64["rps"]
        results["c64_direct_p99_us"] = d64["latency_us"]["p99"]
        results["c64_serve_p99_us"] = s64["latency_us"]["p99"]
        # The same with an upstream that takes 20 ms, as a model does (and more): what the
        # server adds when it is not competing with a zero-latency upstream for the CPU.
        d20 = load(direct, "m20", 64, 6400, 640)
        s20 = load(via, "openai/m20", 64, 6400, 640)
        results["c64_20ms_direct_rps"] = d20["rps"]
        results["c64_20ms_serve_rps"] = s20["rps"]
        results["c64_20ms_serve_over_direct"] = s20["rps"] / d20["rps"]
        results["c64_20ms_added_p99_us"] = s20["latency_us"]["p99"] - d20["latency_us"]["p99"]

        ds = load(direct, "s64", 512, 512, 0, stream=True)
        peak = Peak(serve.pid)
        ss = load(via, "openai/s64", 512, 512, 0, stream=True)
        results["streams512_peak_rss_mb"] = peak.done()
        assert ss["errors"] == 0, ss
        results["streams512_deltas_min_max"] = [ss["deltas_min"], ss["deltas_max"]]
        results["streams512_added_ttft_p99_us"] = ss["ttft_us"]["p99"] - ds["ttft_us"]["p99"]
        results["streams512_added_ttft_p50_us"] = ss["ttft_us"]["p50"] - ds["ttft_us"]["p50"]
        time.sleep(1.0)
        results["rss_after_mb"] = rss_mb(serve.pid)
    finally:
        serve.terminate()
        serve.wait()
    results.update(measure_floor(mock_url, d1, d64, ds, n))
    litellm = args.litellm or shutil.which("litellm")
    if litellm:
        results.update(measure_litellm(litellm, mock_url, d1, d64, n))
    else:
        results["litellm"] = "skipped: no litellm executable (pip install 'litellm[proxy]'; --litellm PATH)"
    mock.terminate()
    shutil.rmtree(data, ignore_errors=True)
    for k, v in results.items():
        print(f"{k:40} {v:12.1f}" if isinstance(v, float) else f"{k:40} {v}")


if __name__ == "__main__":
    main()
