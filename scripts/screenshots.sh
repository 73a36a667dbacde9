#!/usr/bin/env bash
# Regenerates the README's screenshots with headless Chromium (Debian's `chromium`):
#   docs/terminal-80.png  the README's first command in an 80-column terminal (offline mock)
#   docs/report.png       the HTML report of the same run
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
llmx=target/release/llmx
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
COLUMNS=80 "$llmx" compare -m mock/fast@100,mock/slow@400 prompts/reasoning-puzzle.md >"$tmp/table.txt"
"$llmx" compare -m mock/fast@100,mock/slow@400,mock/b prompts/reasoning-puzzle.md -o "$tmp/report.html" -q
python3 - "$tmp/table.txt" "$tmp/terminal.html" <<'PY'
import html, sys
text = open(sys.argv[1]).read()
page = f"""<!doctype html><meta charset=utf-8><style>
body{{margin:0;background:#1e1e1e}}pre{{margin:0;padding:14px 16px;color:#d4d4d4;
font:15px/1.35 'DejaVu Sans Mono',monospace;width:80ch}}</style>
<pre>$ llmx compare -m mock/fast@100,mock/slow@400 prompts/reasoning-puzzle.md\n{html.escape(text)}</pre>"""
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
