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
    /// When the run started (RFC 3339, UTC).
    pub made: Option<String>,
    /// The config file that applied: its path and its text with keys masked (as `llmx config
    /// show` prints it).
    pub config: Option<(String, String)>,
}

impl About {
    /// What a run of `jobs` asked, from the first job's request (every job sends the same).
    pub fn of(command: &str, jobs: &[llmx_core::engine::Job]) -> About {
        let mut about = About {
            command: command.into(),
            made: Some(llmx_core::clock::rfc3339(std::time::SystemTime::now())),
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
pub(crate) fn safe_href(dest: &str) -> Option<String> {
    let url = url::Url::parse(dest.trim()).ok()?;
    matches!(url.scheme(), "http" | "https" | "mailto").then(|| url.to_string())
}

/// An answer's Markdown as HTML that can do nothing: raw HTML becomes text, links are kept
/// only to http(s)/mailto, images become links.
pub fn markdown(text: &str) -> String {
    use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};
    let text = safe::visible(text, Lines::Keep);
    // Past its first MAX_MARKDOWN bytes an answer is shown as text: rendering is bounded
    // however much a server sends.
    let head = cut_at(&text, MAX_MARKDOWN);
    let (text, rest) = text.split_at(head.len());
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut open: Vec<bool> = Vec::new();
    // Containers (quotes, lists) nest at most MAX_NESTING deep; deeper ones are flattened
    // (their text stays), so no answer can push the page sideways with ten thousand `>`.
    let mut nesting: Vec<bool> = Vec::new();
    let mut kept = 0usize;
    let nothing = || Event::Text(CowStr::Borrowed(""));
    let container = |t: &Tag<'_>| matches!(t, Tag::BlockQuote(_) | Tag::List(_) | Tag::Item);
    let container_end =
        |t: &TagEnd| matches!(t, TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item);
    let events = Parser::new_ext(text, opts).map(|e| match e {
        Event::Start(ref t) if container(t) => {
            let deep = kept >= MAX_NESTING;
            nesting.push(!deep);
            if deep {
                nothing()
            } else {
                kept += 1;
                e
            }
        }
        Event::End(ref t) if container_end(t) => {
            if nesting.pop().unwrap_or(true) {
                kept = kept.saturating_sub(1);
                e
            } else {
                nothing()
            }
        }
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
    if !rest.is_empty() {
        let shown = cut_at(rest, MAX_MARKDOWN);
        let _ = write!(
            out,
            "<p class=\"meta\">(the answer continues as plain text: only its first {} KB is rendered)</p><pre class=\"rest\">{}</pre>",
            MAX_MARKDOWN / 1024,
            esc(shown)
        );
        if shown.len() < rest.len() {
            let _ = write!(
                out,
                "<p class=\"meta\">({} KB more are in the CSV, JSON or JSONL output)</p>",
                (rest.len() - shown.len()) / 1024
            );
        }
    }
    out
}

/// The start of `s`, at most `max` bytes, cut at a character boundary.
fn cut_at(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// How much of one answer is rendered as Markdown.
const MAX_MARKDOWN: usize = 128 * 1024;
/// How deep quotes and lists nest in a rendered answer.
const MAX_NESTING: usize = 16;

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

pub(super) const STYLE: &str = r#"
:root{color-scheme:light dark;--fg:#1d1f23;--muted:#5b6270;--line:#d9dce1;--bg:#fff;--card:#f6f7f9;--lat:#4c78a8;--ttft:#f58518;--cost:#54a24b;--pass:#2e7d32;--bad:#c0392b;--p50:#4c78a8;--p90:#72b7b2;--p95:#f58518;--p99:#e45756;--del-bg:#fbe3e1;--del-fg:#8e1b10;--ins-bg:#dcf3dc;--ins-fg:#1b5e20}
@media (prefers-color-scheme:dark){:root{--fg:#e4e6ea;--muted:#a3a9b4;--line:#3a3f47;--bg:#16181c;--card:#20242a;--lat:#6f9fd8;--ttft:#f7a54a;--cost:#7cc36f;--pass:#7cc36f;--bad:#ff7b6b;--p50:#6f9fd8;--p90:#8fd3ce;--p95:#f7a54a;--p99:#ff8a7f;--del-bg:#4a1f1b;--del-fg:#ffb4aa;--ins-bg:#1d3b20;--ins-fg:#a8e6a3}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:90rem;padding:1rem;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.4rem;margin:.2rem 0}
h2{font-size:1.1rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:.6rem 0 .3rem;word-break:break-all}
.total,.made{color:var(--muted);margin:.2rem 0}
pre{background:var(--card);padding:.6rem;overflow-x:auto;white-space:pre;border-radius:4px}
pre.prompt{white-space:pre-wrap;word-wrap:break-word;max-height:24rem;overflow-y:auto}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.5rem 0}
dt{color:var(--muted)}dd{margin:0;word-break:break-word}
.scroll{overflow-x:auto}
table.metrics{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
.metrics th,.metrics td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
.metrics th:first-child,.metrics td:first-child,.metrics th:last-child,.metrics td.status{text-align:left}
td.status{white-space:normal;min-width:10rem;overflow-wrap:anywhere}
.failed{color:var(--bad)}.passed{color:var(--pass)}
.answers{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,22rem),1fr));gap:1rem}
.answer{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.8rem;min-width:0}
.answer .md{overflow-wrap:anywhere}
.md blockquote{margin:.3rem 0 .3rem .2rem;padding-left:.5rem;border-left:2px solid var(--line)}
.md ul,.md ol{padding-left:1.1rem}
.answer .md table{border-collapse:collapse}.answer .md td,.answer .md th{border:1px solid var(--line);padding:.2rem .4rem}
.meta{color:var(--muted);font-size:.9em;margin-bottom:.4rem;overflow-wrap:anywhere}
pre.rest{white-space:pre-wrap;overflow-wrap:anywhere}
.chart{max-width:48rem;margin:.4rem 0 1rem}
.bar-row{display:grid;grid-template-columns:minmax(6rem,14rem) 1fr;gap:.1rem .8rem;align-items:center;margin:.35rem 0}
.bar-label{overflow-wrap:anywhere;font-size:.9rem}
.bar-cell{display:flex;flex-wrap:wrap;align-items:center;gap:.2rem .6rem;min-width:0}
.bar-track{position:relative;flex:1 1 10rem;max-width:32rem}
.bar{display:block;height:.8rem;border-radius:2px;min-width:1px}
.bar.thin{height:.3rem;margin:1px 0}
.bar.overlay{position:absolute;top:0;left:0}
.bar-text{font-size:.85rem;color:var(--muted);font-variant-numeric:tabular-nums;overflow-wrap:anywhere;min-width:0}
.bar-row.failed .bar-text{color:var(--bad)}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 .8rem;vertical-align:middle}
.diff{background:var(--card);padding:.8rem;border-radius:6px;overflow-wrap:anywhere}
del{background:var(--del-bg);color:var(--del-fg)}ins{background:var(--ins-bg);color:var(--ins-fg);text-decoration:none}
select{max-width:100%}
table.matrix{border-collapse:collapse;font-variant-numeric:tabular-nums}
.matrix th,.matrix td{border:1px solid var(--line);padding:.25rem .5rem;vertical-align:top;text-align:left}
.matrix th[scope=row]{font-weight:normal;overflow-wrap:anywhere;max-width:16rem}
.matrix td.pass{background:color-mix(in srgb,var(--pass) 14%,transparent)}
.matrix td.fail{background:color-mix(in srgb,var(--bad) 16%,transparent)}
.matrix td.error{background:color-mix(in srgb,var(--bad) 30%,transparent)}
.matrix summary{cursor:pointer;white-space:nowrap}
.matrix details[open]{min-width:min(80vw,28rem)}
.matrix .one{border-top:1px solid var(--line);padding:.3rem 0;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.9rem}
.failure{border-left:3px solid var(--bad);padding:.2rem .8rem;margin:.6rem 0}
.failure pre{white-space:pre-wrap;overflow-wrap:anywhere}
@media (max-width:40rem){
body{padding:.6rem}
table.metrics,table.metrics tbody,table.metrics tr{display:block;width:100%}
table.metrics thead{display:none}
table.metrics tr{border:1px solid var(--line);border-radius:6px;margin:.5rem 0;padding:.3rem .6rem}
table.metrics td{display:flex;justify-content:space-between;gap:1rem;width:100%;border:0;padding:.1rem 0;white-space:normal;text-align:right}
table.metrics td::before{content:attr(data-label);color:var(--muted);text-align:left}
table.metrics td:first-child{font-weight:600;text-align:left}
table.metrics td:first-child::before{content:none}
.bar-row{grid-template-columns:1fr}
}
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

/// One row of a bar chart.
pub(super) struct Bar {
    pub label: String,
    /// The bar's length (none: the text alone) and its colour (a CSS variable's name).
    pub value: Option<f64>,
    pub color: &'static str,
    /// A second bar drawn over the first (TTFT inside latency).
    pub overlay: Option<(f64, &'static str)>,
    /// Thin bars one under another instead of one bar (percentiles).
    pub stack: Vec<(Option<f64>, &'static str)>,
    pub text: String,
    /// Drawn as a failure: no bar, the text in the failure colour.
    pub failed: bool,
}

/// A horizontal bar chart in HTML, so its text stays legible at any width: one row per
/// [`Bar`], each scaled to the largest value of the chart.
pub(super) fn bars(title: &str, rows: &[Bar]) -> String {
    bars_scaled(title, rows, None)
}

/// [`bars`] scaled to `max` (a rate's 100), else to the largest value.
pub(super) fn bars_scaled(title: &str, rows: &[Bar], max: Option<f64>) -> String {
    let max = max
        .unwrap_or_else(|| {
            rows.iter()
                .filter(|r| !r.failed)
                .filter_map(|r| r.value)
                .fold(0.0f64, f64::max)
        })
        .max(f64::MIN_POSITIVE);
    let pct = |v: f64| (v / max * 100.0).clamp(0.5, 100.0);
    let mut s = format!(
        "<div class=\"chart\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    );
    for r in rows {
        let class = if r.failed {
            "bar-row failed"
        } else {
            "bar-row"
        };
        let _ = write!(
            s,
            "<div class=\"{class}\"><div class=\"bar-label\">{}</div><div class=\"bar-cell\"><div class=\"bar-track\">",
            esc(&r.label)
        );
        for (v, color) in r.stack.iter().filter(|_| !r.failed) {
            if let Some(v) = v {
                let _ = write!(
                    s,
                    "<span class=\"bar thin\" style=\"width:{:.1}%;background:var(--{color})\"></span>",
                    pct(*v)
                );
            }
        }
        if let (Some(v), false, true) = (r.value, r.failed, r.stack.is_empty()) {
            let _ = write!(
                s,
                "<span class=\"bar\" style=\"width:{:.1}%;background:var(--{})\"></span>",
                pct(v),
                r.color
            );
            if let Some((o, color)) = r.overlay {
                let _ = write!(
                    s,
                    "<span class=\"bar overlay\" style=\"width:{:.1}%;background:var(--{color})\"></span>",
                    pct(o)
                );
            }
        }
        let _ = write!(
            s,
            "</div><div class=\"bar-text\">{}</div></div></div>",
            esc(&r.text)
        );
    }
    s.push_str("</div>");
    s
}

/// The charts of a compare: latency with TTFT inside it, and cost, per model. A failed model
/// is drawn as failed, never as a short bar.
fn charts(report: &Report) -> String {
    let secs = |ms: Option<u64>| ms.map(|m| m as f64 / 1000.0);
    let lat: Vec<Bar> = report
        .rows
        .iter()
        .map(|r| {
            let failed = r.error.is_some();
            let text = match (failed, r.latency_ms, r.ttft_ms) {
                (true, _, _) => super::status(r),
                (false, Some(_), Some(_)) => format!(
                    "{} (TTFT {})",
                    super::secs(r.latency_ms),
                    super::secs(r.ttft_ms)
                ),
                (false, Some(_), None) => {
                    format!("{} (TTFT unknown)", super::secs(r.latency_ms))
                }
                _ => "unknown".into(),
            };
            Bar {
                label: label(r),
                value: secs(r.latency_ms),
                color: "lat",
                overlay: secs(r.ttft_ms).map(|t| (t, "ttft")),
                stack: Vec::new(),
                text,
                failed,
            }
        })
        .collect();
    let cost: Vec<Bar> = report
        .rows
        .iter()
        .map(|r| {
            let text = match r.cost_usd {
                Some(c) if r.cost_estimated => format!("~{} estimated", super::usd(Some(c))),
                Some(c) => super::usd(Some(c)),
                None => "unknown".into(),
            };
            Bar {
                label: label(r),
                value: r.cost_usd,
                color: "cost",
                overlay: None,
                stack: Vec::new(),
                text,
                failed: false,
            }
        })
        .collect();
    format!(
        "<h3>Latency and time to first token</h3><p class=\"legend\"><span style=\"background:var(--lat)\"></span>latency<span style=\"background:var(--ttft)\"></span>TTFT</p>{}<h3>Cost</h3>{}",
        bars("Latency and TTFT per model", &lat),
        bars("Cost per model", &cost),
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
        "<header><h1>{}</h1><p class=\"total\" id=\"total\">{}</p>{}</header>",
        esc(&title),
        esc(&super::total_line(report)),
        made_line(about)
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

/// When and by which llmx the report was made.
pub(super) fn made_line(about: &About) -> String {
    let when = match about.made.as_deref() {
        Some(m) if m.len() >= 16 => format!("on {} {} UTC", &m[..10], &m[11..16]),
        Some(m) => format!("on {m}"),
        None => "at an unknown time".to_string(),
    };
    format!(
        "<p class=\"made\" id=\"made\">Made {} by llmx {}</p>",
        esc(&when),
        env!("CARGO_PKG_VERSION")
    )
}

/// The settings, then the config file that applied (keys masked).
pub(super) fn settings_list(s: &mut String, about: &About) {
    if !about.settings.is_empty() {
        s.push_str("<dl id=\"settings-list\">");
        for (k, v) in &about.settings {
            let _ = write!(s, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
        }
        s.push_str("</dl>");
    }
    if let Some((path, text)) = &about.config {
        let _ = write!(
            s,
            "<details id=\"config\"><summary>Config file {} (keys masked)</summary><pre>{}</pre></details>",
            esc(path),
            esc(text)
        );
    }
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
    settings_list(s, about);
    s.push_str("</section>\n");
}

/// One metrics row per model.
fn metrics_section(s: &mut String, report: &Report) {
    const HEADS: [&str; 8] = [
        "Model", "Latency", "TTFT", "In", "Out", "Tok/s", "Cost", "Status",
    ];
    s.push_str("<section id=\"metrics\"><h2>Metrics</h2><div class=\"scroll\"><table class=\"metrics\"><thead><tr>");
    for h in HEADS {
        let _ = write!(s, "<th>{h}</th>");
    }
    s.push_str("</tr></thead><tbody>");
    for r in &report.rows {
        let m = super::metrics(r);
        let _ = write!(s, "<tr><td data-label=\"Model\">{}</td>", esc(&label(r)));
        for (v, h) in m.iter().zip(&HEADS[1..]) {
            let _ = write!(s, "<td data-label=\"{h}\">{}</td>", esc(v));
        }
        let class = if r.error.is_some() {
            "status failed"
        } else {
            "status"
        };
        let _ = write!(
            s,
            "<td class=\"{class}\" data-label=\"Status\">{}</td></tr>",
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
        // The diff compares what is rendered: at most the first MAX_MARKDOWN bytes.
        .map(|r| {
            let answer = super::answer_text(r);
            let t = safe::visible(&answer, Lines::Keep);
            cut_at(&t, MAX_MARKDOWN).to_string()
        })
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
