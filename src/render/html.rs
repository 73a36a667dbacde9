//! The HTML report: one self-contained file (no network access when opened) with the prompt
//! and settings, the metrics, the answers side by side rendered from Markdown, SVG charts and a
//! word-level diff of any two answers.
//!
//! Everything a model or server wrote is untrusted. It is shown with control characters made
//! visible; its Markdown is rendered with raw HTML turned into text, links kept only for
//! http(s) and mailto (with `rel=noopener noreferrer`), images turned into links (an image
//! would be fetched on opening); every other string is escaped. A Content-Security-Policy
//! allows no network access at all and only the report's own script (by nonce), so even a
//! mistake here could not run an answer's script or fetch anything.

use std::fmt::Write as _;

use super::words::{self, Mark};
use super::{label, Report};
use llmx_core::safe::{self, Lines};

/// What the run asked: shown at the top of the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct About {
    /// `compare` or `bench`.
    pub command: String,
    pub prompt: Option<String>,
    pub system: Option<String>,
    /// Settings in the order shown (`models`, `temperature`, …).
    pub settings: Vec<(String, String)>,
}

impl About {
    /// What a run of `jobs` asked, from the first job's request (every job sends the same).
    pub fn of(command: &str, jobs: &[llmx_core::engine::Job]) -> About {
        let mut about = About {
            command: command.into(),
            ..About::default()
        };
        let labels: Vec<&str> = jobs.iter().map(|j| j.label.as_str()).collect();
        about.settings.push(("models".into(), labels.join(", ")));
        let Some(req) = jobs.first().map(|j| &j.request) else {
            return about;
        };
        let prompt: Vec<String> = req.messages.iter().map(|m| m.text()).collect();
        about.prompt = Some(prompt.join("\n\n"));
        about.system = req.system.clone();
        let mut set = |k: &str, v: String| about.settings.push((k.into(), v));
        set(
            "temperature",
            req.temperature
                .map_or("provider default".into(), |t| t.to_string()),
        );
        set(
            "max tokens",
            req.max_tokens
                .map_or("provider default".into(), |t| t.to_string()),
        );
        set("streaming", if req.stream { "yes" } else { "no" }.into());
        let images = req.images().count();
        if images > 0 {
            set("images", images.to_string());
        }
        if !req.tools.is_empty() {
            let names: Vec<&str> = req.tools.iter().map(|t| t.name.as_str()).collect();
            set("tools", names.join(", "));
        }
        about
    }
}

/// Text for HTML: control characters made visible, then `& < > " '` escaped.
pub fn esc(s: &str) -> String {
    let s = safe::visible(s, Lines::Keep);
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A link target kept in the report: absolute http(s) or mailto only, re-serialised.
fn safe_href(dest: &str) -> Option<String> {
    let url = url::Url::parse(dest.trim()).ok()?;
    matches!(url.scheme(), "http" | "https" | "mailto").then(|| url.to_string())
}

/// An answer's Markdown as HTML that can do nothing: raw HTML becomes text, links are kept
/// only to http(s)/mailto, images become links.
pub fn markdown(text: &str) -> String {
    use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
    let text = safe::visible(text, Lines::Keep);
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut open: Vec<bool> = Vec::new();
    let nothing = || Event::Text(CowStr::Borrowed(""));
    let events = Parser::new_ext(&text, opts).map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        Event::Start(Tag::Link { dest_url, .. }) => match safe_href(&dest_url) {
            Some(href) => {
                open.push(true);
                Event::Html(
                    format!("<a href=\"{}\" rel=\"noopener noreferrer nofollow\">", esc(&href))
                        .into(),
                )
            }
            None => {
                open.push(false);
                nothing()
            }
        },
        Event::Start(Tag::Image { dest_url, .. }) => match safe_href(&dest_url) {
            Some(href) => {
                open.push(true);
                Event::Html(
                    format!(
                        "<a class=\"image\" href=\"{}\" rel=\"noopener noreferrer nofollow\">image: ",
                        esc(&href)
                    )
                    .into(),
                )
            }
            None => {
                open.push(false);
                Event::Text("image: ".into())
            }
        },
        Event::End(TagEnd::Link | TagEnd::Image) => {
            if open.pop().unwrap_or(false) {
                Event::Html("</a>".into())
            } else {
                nothing()
            }
        }
        e => e,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

/// JSON for a `<script type="application/json">` element: nothing in it can end the element.
fn script_json(v: &serde_json::Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A value no answer could have known: the nonce the report's own script carries.
fn nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut s = String::new();
    for i in 0..2u8 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        let _ = write!(s, "{:016x}", h.finish());
    }
    s
}

const STYLE: &str = r#"
:root{--fg:#1d1f23;--muted:#5b6270;--line:#d9dce1;--bg:#fff;--card:#f6f7f9;--lat:#4c78a8;--ttft:#f58518;--cost:#54a24b;--bad:#c0392b}
*{box-sizing:border-box}
body{margin:0 auto;max-width:90rem;padding:1rem;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.4rem;margin:.2rem 0}
h2{font-size:1.1rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:0 0 .3rem;word-break:break-all}
.total{color:var(--muted)}
pre{background:var(--card);padding:.6rem;overflow-x:auto;white-space:pre;border-radius:4px}
pre.prompt{white-space:pre-wrap;word-wrap:break-word;max-height:24rem;overflow-y:auto}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.5rem 0}
dt{color:var(--muted)}dd{margin:0;word-break:break-word}
.scroll{overflow-x:auto}
table.metrics{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
.metrics th,.metrics td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
.metrics th:first-child,.metrics td:first-child,.metrics th:last-child,.metrics td.status{text-align:left}
td.status{white-space:normal;min-width:10rem}
.failed{color:var(--bad)}
.answers{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,22rem),1fr));gap:1rem}
.answer{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.8rem;min-width:0}
.answer .md{overflow-wrap:anywhere}
.answer .md table{border-collapse:collapse}.answer .md td,.answer .md th{border:1px solid var(--line);padding:.2rem .4rem}
.meta{color:var(--muted);font-size:.9em;margin-bottom:.4rem}
.chart{width:100%;max-width:42rem;height:auto;display:block}
.chart text{font:12px system-ui,sans-serif;fill:var(--fg)}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 .8rem;vertical-align:middle}
.diff{background:var(--card);padding:.8rem;border-radius:6px;overflow-wrap:anywhere}
del{background:#fbe3e1;color:#8e1b10}ins{background:#dcf3dc;color:#1b5e20;text-decoration:none}
select{max-width:100%}
"#;

/// The report's one script: the diff picker. It reads the answers from a JSON element and
/// writes with `textContent` only.
const SCRIPT: &str = r#"
(function(){
var data=JSON.parse(document.getElementById('llmx-answers').textContent);
var a=document.getElementById('diff-a'),b=document.getElementById('diff-b');
var out=document.getElementById('diff-out'),title=document.getElementById('diff-title');
document.getElementById('diff-pick').hidden=false;
function words(s){return s.split(/\s+/).filter(function(w){return w.length>0;});}
function diff(x,y){
var n=x.length,m=y.length,i,j;
if(n*m>4000000){return [['-',x.join(' ')],['+',y.join(' ')]];}
var dp=[];for(i=0;i<=n;i++){dp.push(new Uint32Array(m+1));}
for(i=n-1;i>=0;i--){for(j=m-1;j>=0;j--){dp[i][j]=x[i]===y[j]?dp[i+1][j+1]+1:Math.max(dp[i+1][j],dp[i][j+1]);}}
var ops=[];i=0;j=0;
while(i<n&&j<m){if(x[i]===y[j]){ops.push(['=',x[i]]);i++;j++;}else if(dp[i+1][j]>=dp[i][j+1]){ops.push(['-',x[i]]);i++;}else{ops.push(['+',y[j]]);j++;}}
while(i<n){ops.push(['-',x[i++]]);}while(j<m){ops.push(['+',y[j++]]);}
return ops;}
function show(){
var x=data[+a.value],y=data[+b.value];
title.textContent=y.label+' compared with '+x.label;
out.textContent='';
diff(words(x.text),words(y.text)).forEach(function(op){
var el=document.createElement(op[0]==='='?'span':op[0]==='-'?'del':'ins');
el.textContent=op[1];out.appendChild(el);out.appendChild(document.createTextNode(' '));});}
a.addEventListener('change',show);b.addEventListener('change',show);
})();
"#;

/// A horizontal bar chart: one bar (or two, overlaid) per row, scaled to the largest value.
/// `values` are (label, main, overlay, shown text); a missing main value shows its text alone.
fn bars(
    title: &str,
    values: &[(String, Option<f64>, Option<f64>, String)],
    main: &str,
    overlay: &str,
) -> String {
    const W: f64 = 600.0;
    const LEFT: f64 = 4.0;
    const ROW: f64 = 36.0;
    let max = values
        .iter()
        .filter_map(|v| v.1)
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let room = W - LEFT - 120.0;
    let h = ROW * values.len() as f64 + 4.0;
    let mut s = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {W} {h}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(title)
    );
    for (i, (name, v, o, text)) in values.iter().enumerate() {
        let y = i as f64 * ROW;
        let _ = write!(
            s,
            "<text x=\"{LEFT}\" y=\"{:.1}\">{}</text>",
            y + 12.0,
            esc(&super::terminal::fit(name, 90))
        );
        let end = match v {
            Some(v) => {
                let w = (v / max * room).max(1.0);
                let _ = write!(
                    s,
                    "<rect x=\"{LEFT}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"14\" fill=\"var(--{main})\"/>",
                    y + 16.0
                );
                if let Some(o) = o {
                    let ow = (o / max * room).max(1.0);
                    let _ = write!(
                        s,
                        "<rect x=\"{LEFT}\" y=\"{:.1}\" width=\"{ow:.1}\" height=\"14\" fill=\"var(--{overlay})\"/>",
                        y + 16.0
                    );
                }
                LEFT + w
            }
            None => LEFT,
        };
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            end + 6.0,
            y + 27.0,
            esc(text)
        );
    }
    s.push_str("</svg>");
    s
}

/// The charts of a compare: latency with TTFT inside it, and cost, per model.
fn charts(report: &Report) -> String {
    let secs = |ms: Option<u64>| ms.map(|m| m as f64 / 1000.0);
    let lat: Vec<_> = report
        .rows
        .iter()
        .map(|r| {
            let text = match (r.latency_ms, r.ttft_ms) {
                (Some(_), Some(_)) => format!(
                    "{} (TTFT {})",
                    super::secs(r.latency_ms),
                    super::secs(r.ttft_ms)
                ),
                (Some(_), None) => format!("{} (TTFT unknown)", super::secs(r.latency_ms)),
                _ => "unknown".into(),
            };
            (label(r), secs(r.latency_ms), secs(r.ttft_ms), text)
        })
        .collect();
    let cost: Vec<_> = report
        .rows
        .iter()
        .map(|r| {
            let text = match r.cost_usd {
                Some(c) if r.cost_estimated => format!("~{} estimated", super::usd(Some(c))),
                Some(c) => super::usd(Some(c)),
                None => "unknown".into(),
            };
            (label(r), r.cost_usd, None, text)
        })
        .collect();
    format!(
        "<h3>Latency and time to first token</h3><p class=\"legend\"><span style=\"background:var(--lat)\"></span>latency<span style=\"background:var(--ttft)\"></span>TTFT</p>{}<h3>Cost</h3>{}",
        bars("Latency and TTFT per model", &lat, "lat", "ttft"),
        bars("Cost per model", &cost, "cost", "cost"),
    )
}

/// A word diff of `text` against `base` as HTML (`del` and `ins`).
fn diff_html(base: &str, text: &str) -> String {
    let mut s = String::new();
    for (i, p) in words::diff(base, text).iter().enumerate() {
        if i > 0 {
            s.push_str("<br>");
        }
        for w in &p.words {
            let t = esc(&w.text);
            let _ = match w.mark {
                Mark::Same => write!(s, "<span>{t}</span> "),
                Mark::Added => write!(s, "<ins>{t}</ins> "),
                Mark::Removed => write!(s, "<del>{t}</del> "),
            };
        }
    }
    s
}

/// The whole report of a compare: head, prompt and settings, metrics, charts, answers, diff.
pub fn report(report: &Report, about: &About) -> String {
    let nonce = nonce();
    let mut s = String::with_capacity(16 * 1024);
    let n = report.rows.len();
    let title = format!(
        "llmx {} — {n} model{}",
        if about.command.is_empty() {
            "compare"
        } else {
            &about.command
        },
        if n == 1 { "" } else { "s" }
    );
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'nonce-{nonce}'; base-uri 'none'; form-action 'none'\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>{}</title><style>{STYLE}</style></head><body>\n",
        esc(&title)
    );
    let _ = write!(
        s,
        "<header><h1>{}</h1><p class=\"total\" id=\"total\">{}</p></header>",
        esc(&title),
        esc(&super::total_line(report))
    );
    prompt_section(&mut s, about);
    metrics_section(&mut s, report);
    let _ = write!(
        s,
        "<section id=\"charts\"><h2>Charts</h2>{}</section>",
        charts(report)
    );
    answers_section(&mut s, report);
    if n >= 2 {
        diff_section(&mut s, report, &nonce);
    }
    s.push_str("</body></html>\n");
    s
}

/// The prompt, the system prompt and the settings.
fn prompt_section(s: &mut String, about: &About) {
    s.push_str("<section id=\"prompt\"><h2>Prompt</h2>");
    if let Some(sys) = &about.system {
        let _ = write!(
            s,
            "<h3>System</h3><pre class=\"prompt\">{}</pre><h3>User</h3>",
            esc(sys)
        );
    }
    match &about.prompt {
        Some(p) => {
            let _ = write!(s, "<pre class=\"prompt\">{}</pre>", esc(p));
        }
        None => s.push_str("<p>(not recorded)</p>"),
    }
    if !about.settings.is_empty() {
        s.push_str("<dl>");
        for (k, v) in &about.settings {
            let _ = write!(s, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
        }
        s.push_str("</dl>");
    }
    s.push_str("</section>\n");
}

/// One metrics row per model.
fn metrics_section(s: &mut String, report: &Report) {
    s.push_str("<section id=\"metrics\"><h2>Metrics</h2><div class=\"scroll\"><table class=\"metrics\"><thead><tr><th>Model</th><th>Latency</th><th>TTFT</th><th>In</th><th>Out</th><th>Tok/s</th><th>Cost</th><th>Status</th></tr></thead><tbody>");
    for r in &report.rows {
        let m = super::metrics(r);
        let _ = write!(s, "<tr><td>{}</td>", esc(&label(r)));
        for v in &m {
            let _ = write!(s, "<td>{}</td>", esc(v));
        }
        let class = if r.error.is_some() {
            "status failed"
        } else {
            "status"
        };
        let _ = write!(
            s,
            "<td class=\"{class}\">{}</td></tr>",
            esc(&super::status(r))
        );
    }
    s.push_str("</tbody></table></div><p class=\"meta\">~ marks an estimate (the provider reported no usage); - is unknown.</p></section>\n");
}

/// Every answer rendered from its Markdown, with its tool calls.
fn answers_section(s: &mut String, report: &Report) {
    s.push_str("<section id=\"answers\"><h2>Answers</h2><div class=\"answers\">");
    for (i, r) in report.rows.iter().enumerate() {
        let _ = write!(
            s,
            "<article class=\"answer\" id=\"answer-{i}\"><h3>{}</h3><div class=\"meta\">{} · {} · {}</div>",
            esc(&label(r)),
            esc(&super::status(r)),
            esc(&super::secs(r.latency_ms)),
            esc(&super::metrics(r)[5]),
        );
        let text = super::answer_text(r);
        if text.trim().is_empty() {
            s.push_str("<p class=\"meta\">(no answer)</p>");
        } else {
            let _ = write!(s, "<div class=\"md\">{}</div>", markdown(&r.output));
            if !r.tool_calls.is_empty() {
                s.push_str("<h4>Tool calls</h4><pre><code>");
                for c in &r.tool_calls {
                    let _ = writeln!(s, "{}", esc(&c.line()));
                }
                s.push_str("</code></pre>");
            }
        }
        s.push_str("</article>");
    }
    s.push_str("</div></section>\n");
}

/// The second answer against the first, rendered here; the picker (the one script, with the
/// page's nonce) compares any two.
fn diff_section(s: &mut String, report: &Report, nonce: &str) {
    let texts: Vec<String> = report
        .rows
        .iter()
        .map(|r| safe::visible(&super::answer_text(r), Lines::Keep).into_owned())
        .collect();
    let options: String = report
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| format!("<option value=\"{i}\">{}</option>", esc(&label(r))))
        .collect();
    let pick = |selected: usize| {
        options.replacen(
            &format!("value=\"{selected}\">"),
            &format!("value=\"{selected}\" selected>"),
            1,
        )
    };
    let _ = write!(
        s,
        "<section id=\"diff\"><h2>Diff</h2><p id=\"diff-pick\" hidden><label>Compare <select id=\"diff-b\">{}</select></label> <label>with <select id=\"diff-a\">{}</select></label></p><p class=\"meta\" id=\"diff-title\">{} compared with {}</p><div class=\"diff\" id=\"diff-out\">{}</div></section>",
        pick(1),
        pick(0),
        esc(&label(&report.rows[1])),
        esc(&label(&report.rows[0])),
        diff_html(&texts[0], &texts[1]),
    );
    let data: Vec<serde_json::Value> = report
        .rows
        .iter()
        .zip(&texts)
        .map(|(r, t)| serde_json::json!({"label": label(r), "text": t}))
        .collect();
    let _ = write!(
        s,
        "<script type=\"application/json\" id=\"llmx-answers\">{}</script><script nonce=\"{nonce}\">{SCRIPT}</script>",
        script_json(&serde_json::Value::Array(data))
    );
}

/// Latency percentiles per model: a group of bars (p50, p90, p95, p99) for each.
fn percentile_chart(lines: &[llmx_core::bench::summary::Line]) -> String {
    const W: f64 = 600.0;
    const LEFT: f64 = 4.0;
    const BAR: f64 = 11.0;
    let group = 18.0 + 4.0 * (BAR + 2.0) + 10.0;
    let max = lines
        .iter()
        .flat_map(|l| {
            [
                l.latency_ms_p50,
                l.latency_ms_p90,
                l.latency_ms_p95,
                l.latency_ms_p99,
            ]
        })
        .flatten()
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let room = W - LEFT - 130.0;
    let h = group * lines.len() as f64;
    let mut s = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"Latency percentiles per model\" viewBox=\"0 0 {W} {h}\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    let colors = ["#4c78a8", "#72b7b2", "#f58518", "#e45756"];
    for (i, l) in lines.iter().enumerate() {
        let y0 = i as f64 * group;
        let _ = write!(
            s,
            "<text x=\"{LEFT}\" y=\"{:.1}\">{}</text>",
            y0 + 12.0,
            esc(&super::terminal::fit(&l.model, 90))
        );
        let ps = [
            ("p50", l.latency_ms_p50),
            ("p90", l.latency_ms_p90),
            ("p95", l.latency_ms_p95),
            ("p99", l.latency_ms_p99),
        ];
        for (k, ((name, v), color)) in ps.iter().zip(colors).enumerate() {
            let y = y0 + 18.0 + k as f64 * (BAR + 2.0);
            let (w, text) = match v {
                Some(v) => ((v / max * room).max(1.0), format!("{name} {v:.0} ms")),
                None => (0.0, format!("{name} unknown")),
            };
            if w > 0.0 {
                let _ = write!(
                    s,
                    "<rect x=\"{LEFT}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{BAR}\" fill=\"{color}\"/>"
                );
            }
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                LEFT + w + 6.0,
                y + BAR - 1.0,
                esc(&text)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The HTML report of a benchmark: its settings, the per-model summary, percentile bars.
pub fn bench(
    lines: &[llmx_core::bench::summary::Line],
    settings: &[(String, String)],
    rows: u64,
) -> String {
    let mut s = String::with_capacity(8 * 1024);
    let title = format!(
        "llmx bench — {} model{}, {rows} rows",
        lines.len(),
        if lines.len() == 1 { "" } else { "s" }
    );
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\
<title>{}</title><style>{STYLE}</style></head><body><header><h1>{}</h1></header>",
        esc(&title),
        esc(&title)
    );
    s.push_str("<section id=\"settings\"><h2>Settings</h2><dl>");
    for (k, v) in settings {
        let _ = write!(s, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
    }
    s.push_str("</dl></section>");
    s.push_str("<section id=\"metrics\"><h2>Summary</h2><div class=\"scroll\"><table class=\"metrics\"><thead><tr>");
    for h in super::bench::SHOWN {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr></thead><tbody>");
    for l in lines {
        s.push_str("<tr>");
        for c in super::bench::shown(l) {
            let _ = write!(s, "<td>{}</td>", esc(&c));
        }
        s.push_str("</tr>");
    }
    s.push_str(
        "</tbody></table></div><p class=\"meta\">~ marks an estimate; - is unknown.</p></section>",
    );
    let _ = writeln!(
        s,
        "<section id=\"charts\"><h2>Latency percentiles</h2>{}</section></body></html>",
        percentile_chart(lines)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_in_markdown_is_text_and_links_are_checked() {
        let md = markdown(
            "Hi <script>alert(1)</script> <img src=x onerror=alert(2)>\n\n\
             [ok](https://example.com/a?b=1&c=2) [bad](javascript:alert(3)) [rel](/etc/passwd)\n\n\
             ![pic](https://example.com/p.png) ![data](data:image/png;base64,AAAA)\n\n\
             ```html\n<b onclick=x>code</b>\n```\n\x1b[31mred",
        );
        assert!(!md.contains("<script"), "{md}");
        assert!(!md.contains("<img"), "{md}");
        assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{md}");
        assert!(md.contains("&lt;img src=x onerror=alert(2)&gt;"), "{md}");
        assert!(
            md.contains(
                "<a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow\">ok</a>"
            ),
            "{md}"
        );
        assert!(!md.contains("javascript:"), "{md}");
        assert!(!md.contains("href=\"/etc"), "{md}");
        assert!(md.contains(">image: pic</a>"), "{md}");
        assert!(!md.contains("data:image"), "{md}");
        assert!(
            md.contains("<pre><code class=\"language-html\">&lt;b onclick=x&gt;code&lt;/b&gt;"),
            "{md}"
        );
        assert!(md.contains("^[[31mred"), "{md}");
        assert!(!md.contains('\x1b'));
    }

    #[test]
    fn json_in_a_script_element_cannot_end_it() {
        let v = serde_json::json!({"t": "</script><script>alert(1)</script>&"});
        let s = script_json(&v);
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn escaping_covers_attributes() {
        assert_eq!(esc("a\"b'c<d>&"), "a&quot;b&#39;c&lt;d&gt;&amp;");
        assert_ne!(nonce(), nonce());
        assert_eq!(nonce().len(), 32);
    }
}
