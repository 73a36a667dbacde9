#!/usr/bin/env bash
# Regenerates the README's screenshots with headless Chromium (Debian's `chromium`):
#   docs/terminal-80.png  the README's first command in an 80-column pseudo-terminal (script(1),
#                         colour on: the bytes the terminal received, SGR colours and all)
#   docs/report.png       the HTML report of the same run
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
llmx=target/release/llmx
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# stderr (the progress display, cleared when the run ends) is left out of the picture.
env -u NO_COLOR -u CLICOLOR_FORCE TERM=xterm-256color LLMX_NO_HISTORY=1 script -qec \
  "stty cols 80 rows 50; $llmx compare -m mock/fast@100,mock/slow@400 prompts/reasoning-puzzle.md 2>/dev/null" \
  /dev/null >"$tmp/table.txt"
"$llmx" compare -m mock/fast@100,mock/slow@400,mock/b prompts/reasoning-puzzle.md -o "$tmp/report.html" -q
python3 - "$tmp/table.txt" "$tmp/terminal.html" <<'PY'
import html, re, sys
raw = open(sys.argv[1], encoding="utf-8").read().replace("\r\n", "\n")
assert "\x1b[1m" in raw, "no colour: was stdout a terminal?"
# SGR sequences to spans: the few attributes llmx writes (bold, dim, underline, strike, 8 colours).
colors = {30: "#1e1e1e", 31: "#f14c4c", 32: "#23d18b", 33: "#f5f543", 34: "#3b8eea",
          35: "#d670d6", 36: "#29b8db", 37: "#e5e5e5"}
out, state = [], set()
for i, part in enumerate(re.split(r"\x1b\[([0-9;]*)m", raw)):
    if i % 2 == 0:
        if part:
            style = ";".join(sorted(state))
            text = html.escape(part)
            out.append(f'<span style="{style}">{text}</span>' if style else text)
        continue
    for code in (int(c or 0) for c in part.split(";")):
        if code == 0:
            state.clear()
        elif code == 1:
            state.add("font-weight:bold")
        elif code == 2:
            state.add("opacity:.6")
        elif code == 4:
            state.add("text-decoration:underline")
        elif code == 9:
            state.add("text-decoration:line-through")
        elif code in colors:
            state = {s for s in state if not s.startswith("color:")} | {f"color:{colors[code]}"}
assert "\x1b" not in "".join(out), "an escape llmx does not write"
page = f"""<!doctype html><meta charset=utf-8><style>
body{{margin:0;background:#1e1e1e}}pre{{margin:0;padding:14px 16px;color:#d4d4d4;
font:15px/1.35 'DejaVu Sans Mono',monospace;width:80ch}}</style>
<pre>$ llmx compare -m mock/fast@100,mock/slow@400 prompts/reasoning-puzzle.md\n{"".join(out)}</pre>"""
open(sys.argv[2], "w").write(page)
PY
shot() {
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --hide-scrollbars --window-size="$2" \
    --screenshot="$3" "file://$1" >/dev/null 2>&1
}
shot "$tmp/terminal.html" 760,470 docs/terminal-80.png
shot "$tmp/report.html" 1100,1900 docs/report.png
echo "wrote docs/terminal-80.png docs/report.png"
