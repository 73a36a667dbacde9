//! JSON Schema for tool parameters, made to fit a provider that takes only part of it.
//!
//! Gemini's `parameters` take an OpenAPI subset and refuse a whole request whose schema holds
//! anything else (`additionalProperties`, `$ref`, `$schema`, ...). What can be translated is:
//! `$ref`s into `$defs`/`definitions` are inlined, a `["string", "null"]` type becomes
//! `STRING` plus `nullable`, `const` becomes a one-value `enum`, `oneOf` becomes `anyOf`, and
//! type names are upper-cased as Google's SDK sends them. The rest is dropped, and every change
//! is reported so the row can say what the model was not told.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

/// The schema keywords Gemini accepts (its `Schema` object).
const GEMINI_KEYWORDS: &[&str] = &[
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "maxItems",
    "minItems",
    "properties",
    "required",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "example",
    "anyOf",
    "propertyOrdering",
    "default",
    "items",
    "minimum",
    "maximum",
];

/// How many `$ref`s deep one path through the schema is followed before it counts as
/// recursive.
const MAX_REFS: usize = 8;

/// The most schema objects inlining may produce for one tool. Depth alone does not bound the
/// size: 8 levels of 8 `$ref`s each would be 8⁸ copies from a 2 KB file. A real tool's schema
/// is a few hundred objects.
pub(crate) const MAX_NODES: usize = 20_000;

/// `schema` as Gemini takes it, and a note per kind of change made.
pub(crate) fn for_gemini(schema: &Value) -> (Value, Vec<String>) {
    let mut cx = Cx {
        root: schema,
        dropped: BTreeSet::new(),
        changed: BTreeSet::new(),
        nodes: 0,
    };
    let out = cx.convert(schema, 0);
    if cx.nodes > MAX_NODES {
        // Never sent: the link is stopped before sending (see `too_large_for_gemini`).
        return (json!({"type": "OBJECT"}), vec![too_large_note()]);
    }
    let mut notes: Vec<String> = cx.changed.into_iter().collect();
    if !cx.dropped.is_empty() {
        notes.push(format!(
            "dropped {} (not in Gemini's schema subset)",
            cx.dropped.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    (out, notes)
}

struct Cx<'a> {
    root: &'a Value,
    dropped: BTreeSet<String>,
    changed: BTreeSet<String>,
    /// Objects produced so far; past [`MAX_NODES`] nothing more is built.
    nodes: usize,
}

fn too_large_note() -> String {
    format!(
        "its schema, with every $ref inlined as Gemini needs, passes {MAX_NODES} schema objects"
    )
}

/// Why `schema` cannot be sent to Gemini, if it cannot: its `$ref`s inline to more than
/// [`MAX_NODES`] objects.
pub(crate) fn too_large_for_gemini(schema: &Value) -> Option<String> {
    let mut cx = Cx {
        root: schema,
        dropped: BTreeSet::new(),
        changed: BTreeSet::new(),
        nodes: 0,
    };
    cx.convert(schema, 0);
    (cx.nodes > MAX_NODES).then(too_large_note)
}

impl Cx<'_> {
    /// `v` converted; `depth` is how many `$ref`s led here.
    fn convert(&mut self, v: &Value, depth: usize) -> Value {
        let Value::Object(o) = v else {
            return v.clone();
        };
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Value::Null;
        }
        if let Some(r) = o.get("$ref").and_then(Value::as_str) {
            if depth >= MAX_REFS {
                self.dropped.insert("recursive $ref".into());
                return json!({"type": "OBJECT"});
            }
            match resolve(self.root, r) {
                Some(target) => {
                    self.changed.insert("$ref inlined".into());
                    // Keywords beside the `$ref` (a description, say) apply too.
                    let mut merged = target.as_object().cloned().unwrap_or_default();
                    for (k, val) in o {
                        if k != "$ref" {
                            merged.insert(k.clone(), val.clone());
                        }
                    }
                    return self.convert(&Value::Object(merged), depth + 1);
                }
                None => {
                    self.dropped.insert(format!("$ref {r} (not found)"));
                }
            }
        }
        let mut out = Map::new();
        for (k, val) in o {
            match k.as_str() {
                "$ref" => {}
                "type" => match val {
                    Value::String(t) => {
                        out.insert("type".into(), json!(t.to_ascii_uppercase()));
                    }
                    Value::Array(ts) => {
                        let names: Vec<&str> = ts.iter().filter_map(Value::as_str).collect();
                        let real: Vec<&str> =
                            names.iter().copied().filter(|t| *t != "null").collect();
                        if real.len() == 1 {
                            out.insert("type".into(), json!(real[0].to_ascii_uppercase()));
                            if real.len() < names.len() {
                                out.insert("nullable".into(), json!(true));
                            }
                            self.changed
                                .insert("type list sent as type + nullable".into());
                        } else {
                            self.dropped.insert("type (a list of several types)".into());
                        }
                    }
                    _ => {
                        self.dropped.insert("type".into());
                    }
                },
                "properties" => {
                    let props = match val {
                        Value::Object(p) => p
                            .iter()
                            .map(|(name, s)| (name.clone(), self.convert(s, depth)))
                            .collect(),
                        _ => Map::new(),
                    };
                    out.insert(k.clone(), Value::Object(props));
                }
                "items" => {
                    out.insert(k.clone(), self.convert(val, depth));
                }
                "anyOf" | "oneOf" => {
                    if k == "oneOf" {
                        self.changed.insert("oneOf sent as anyOf".into());
                    }
                    let list = match val {
                        Value::Array(a) => a.iter().map(|s| self.convert(s, depth)).collect(),
                        _ => Vec::new(),
                    };
                    out.insert("anyOf".into(), Value::Array(list));
                }
                "const" => {
                    self.changed.insert("const sent as a one-value enum".into());
                    out.insert("enum".into(), json!([val]));
                }
                k if GEMINI_KEYWORDS.contains(&k) => {
                    out.insert(k.to_string(), val.clone());
                }
                // Definitions are inlined where they are used.
                "$defs" | "definitions" => {}
                other => {
                    self.dropped.insert(other.to_string());
                }
            }
        }
        Value::Object(out)
    }
}

/// The schema a local `$ref` (`#/$defs/X`, `#/definitions/X`, any JSON pointer) names.
fn resolve<'a>(root: &'a Value, r: &str) -> Option<&'a Value> {
    let pointer = r.strip_prefix('#')?;
    let target = if pointer.is_empty() {
        root
    } else {
        root.pointer(pointer)?
    };
    target.is_object().then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_schema_only_gets_upper_case_types() {
        let (s, notes) = for_gemini(&json!({
            "type": "object",
            "properties": {"city": {"type": "string", "description": "A city."}},
            "required": ["city"]
        }));
        assert_eq!(
            s,
            json!({
                "type": "OBJECT",
                "properties": {"city": {"type": "STRING", "description": "A city."}},
                "required": ["city"]
            })
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn refs_are_inlined_and_unknown_keywords_dropped_with_a_note() {
        let (s, notes) = for_gemini(&json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": false,
            "$defs": {"unit": {"type": "string", "enum": ["c", "f"]}},
            "properties": {
                "unit": {"$ref": "#/$defs/unit", "description": "Which scale."},
                "days": {"type": ["integer", "null"], "exclusiveMinimum": 0},
                "mode": {"const": "fast"},
                "pick": {"oneOf": [{"type": "string"}, {"type": "number"}]},
                // A property named like a keyword is a property, not a keyword.
                "additionalProperties": {"type": "boolean"}
            }
        }));
        assert_eq!(
            s,
            json!({
                "type": "OBJECT",
                "properties": {
                    "unit": {"type": "STRING", "enum": ["c", "f"], "description": "Which scale."},
                    "days": {"type": "INTEGER", "nullable": true},
                    "mode": {"enum": ["fast"]},
                    "pick": {"anyOf": [{"type": "STRING"}, {"type": "NUMBER"}]},
                    "additionalProperties": {"type": "BOOLEAN"}
                }
            })
        );
        assert_eq!(
            notes,
            vec![
                "$ref inlined",
                "const sent as a one-value enum",
                "oneOf sent as anyOf",
                "type list sent as type + nullable",
                "dropped $schema, additionalProperties, exclusiveMinimum (not in Gemini's schema subset)",
            ]
        );
    }

    #[test]
    fn a_ref_fan_out_is_bounded_by_size_not_only_depth() {
        // 8 levels, each property referring 8 times to the next: 8⁸ copies if inlined.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/ref_fan_out_schema.json"
        );
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(schema.to_string().len() < 4096);
        assert!(too_large_for_gemini(&schema).is_some());
        let (out, notes) = for_gemini(&schema);
        assert_eq!(out, json!({"type": "OBJECT"}));
        assert!(
            notes[0].contains("passes 20000 schema objects"),
            "{notes:?}"
        );
    }

    #[test]
    fn a_recursive_ref_ends_and_says_so() {
        let (s, notes) = for_gemini(&json!({
            "type": "object",
            "properties": {"child": {"$ref": "#"}}
        }));
        assert!(s.to_string().len() < 10_000);
        assert!(
            notes.iter().any(|n| n.contains("recursive $ref")),
            "{notes:?}"
        );
        let (_, notes) = for_gemini(&json!({"properties": {"x": {"$ref": "#/$defs/nope"}}}));
        assert!(notes
            .iter()
            .any(|n| n.contains("$ref #/$defs/nope (not found)")));
    }
}
