//! `/api/docs`: the API's description as a page to read, drawn on the server from the same
//! OpenAPI document `/api/v1/openapi.json` serves. No script and nothing from another site,
//! so it works offline, behind a strict Content-Security-Policy, and in any browser.

use crate::views::{Layout, Page};
use crate::AppState;
use askama::Template;
use axum::routing::get;
use axum::Router;
use serde_json::Value;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/docs", get(docs))
}

/// A run of a description's text: `code` where the document put it in backticks.
struct Span {
    code: bool,
    text: String,
}

/// A description as runs of text and code (`like this`), for the page to set the code apart.
fn spans(text: &str) -> Vec<Span> {
    text.split('`')
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| Span {
            code: i % 2 == 1,
            text: t.to_owned(),
        })
        .collect()
}

struct Parameter {
    name: String,
    place: String,
    required: bool,
    kind: String,
    description: Vec<Span>,
}

struct Answer {
    status: String,
    description: Vec<Span>,
    schema: Option<String>,
}

struct Operation {
    /// `get-api-v1-works`: the operation's anchor.
    anchor: String,
    method: String,
    path: String,
    summary: String,
    description: Vec<Span>,
    needs_token: bool,
    parameters: Vec<Parameter>,
    body: Option<String>,
    answers: Vec<Answer>,
}

struct Field {
    name: String,
    kind: String,
    required: bool,
    description: Vec<Span>,
}

struct Schema {
    name: String,
    description: Vec<Span>,
    kind: String,
    fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    layout: Layout,
    intro: Vec<Span>,
    operations: Vec<Operation>,
    schemas: Vec<Schema>,
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// A schema's type in a few words: `integer`, `string (one of a, b)`, `array of Work`,
/// `Work`, `string or null`.
fn kind(schema: &Value) -> String {
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        return target.rsplit('/').next().unwrap_or(target).to_owned();
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        return parts.iter().map(kind).collect::<Vec<_>>().join(" + ");
    }
    if let Some(choices) = schema.get("oneOf").and_then(Value::as_array) {
        return choices.iter().map(kind).collect::<Vec<_>>().join(" or ");
    }
    let base = match schema.get("type") {
        Some(Value::Array(kinds)) => kinds.iter().map(text).collect::<Vec<_>>().join(" or "),
        Some(k) => text(k),
        None => "any".to_owned(),
    };
    let base = match schema.get("items") {
        Some(items) if base == "array" => format!("array of {}", kind(items)),
        _ => base,
    };
    match schema.get("enum").and_then(Value::as_array) {
        Some(values) => format!(
            "{base} (one of {})",
            values.iter().map(text).collect::<Vec<_>>().join(", ")
        ),
        None => base,
    }
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let Some(paths) = doc["paths"].as_object() else {
        return out;
    };
    for (path, item) in paths {
        let shared = item["parameters"].as_array().cloned().unwrap_or_default();
        for method in ["get", "post", "put", "patch", "delete"] {
            let op = &item[method];
            if !op.is_object() {
                continue;
            }
            let own = op["parameters"].as_array().cloned().unwrap_or_default();
            let parameters = shared
                .iter()
                .chain(own.iter())
                .map(|p| Parameter {
                    name: text(&p["name"]),
                    place: text(&p["in"]),
                    required: p["required"].as_bool().unwrap_or(false),
                    kind: kind(&p["schema"]),
                    description: spans(&text(&p["description"])),
                })
                .collect();
            let body = op["requestBody"]["content"]["application/json"]
                .get("schema")
                .map(kind);
            let mut answers: Vec<Answer> = op["responses"]
                .as_object()
                .map(|r| {
                    r.iter()
                        .map(|(status, answer)| Answer {
                            status: status.clone(),
                            description: spans(&text(&answer["description"])),
                            schema: answer["content"]
                                .as_object()
                                .and_then(|c| c.values().next())
                                .and_then(|c| c.get("schema"))
                                .map(kind),
                        })
                        .collect()
                })
                .unwrap_or_default();
            answers.sort_by(|a, b| a.status.cmp(&b.status));
            let needs_token = op["security"].as_array().is_some_and(|s| {
                !s.iter()
                    .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
            });
            out.push(Operation {
                anchor: format!(
                    "{method}{}",
                    path.replace(['/', '{', '}'], "-").trim_end_matches('-')
                ),
                method: method.to_uppercase(),
                path: path.clone(),
                summary: text(&op["summary"]),
                description: spans(&text(&op["description"])),
                needs_token,
                parameters,
                body,
                answers,
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path).then(a.method.cmp(&b.method)));
    out
}

fn schemas(doc: &Value) -> Vec<Schema> {
    let Some(all) = doc["components"]["schemas"].as_object() else {
        return Vec::new();
    };
    let mut out: Vec<Schema> = all
        .iter()
        .map(|(name, schema)| {
            // A type that flattens another in is `allOf` the other (shown by name in its
            // kind) and an object of its own fields.
            let own = std::iter::once(schema).chain(
                schema["allOf"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|part| part.get("$ref").is_none()),
            );
            let mut fields = Vec::new();
            for part in own {
                let required: Vec<&str> = part["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                for (field, s) in part["properties"].as_object().into_iter().flatten() {
                    fields.push(Field {
                        name: field.clone(),
                        kind: kind(s),
                        required: required.contains(&field.as_str()),
                        description: spans(&text(&s["description"])),
                    });
                }
            }
            Schema {
                name: name.clone(),
                description: spans(&text(&schema["description"])),
                kind: kind(schema),
                fields,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

async fn docs() -> Page<DocsPage> {
    let doc = crate::openapi::openapi();
    Page(DocsPage {
        layout: Layout::new(
            Some("API".to_owned()),
            "The archive's JSON API: every operation, its parameters, bodies and answers.",
        ),
        intro: spans(&text(&doc["info"]["description"])),
        operations: operations(doc),
        schemas: schemas(doc),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_and_schema_of_the_description_is_on_the_page() {
        let doc = crate::openapi::openapi();
        let listed = operations(doc);
        let described: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| {
                ["get", "post", "put", "patch", "delete"]
                    .iter()
                    .filter(|m| item[**m].is_object())
                    .count()
            })
            .sum();
        assert_eq!(listed.len(), described);
        let anchors: std::collections::HashSet<&str> =
            listed.iter().map(|o| o.anchor.as_str()).collect();
        assert_eq!(anchors.len(), listed.len(), "anchors are unique");
        let shown = schemas(doc);
        assert_eq!(
            shown.len(),
            doc["components"]["schemas"].as_object().unwrap().len()
        );
        // A type that flattens another in shows its own fields, and the other by name.
        let detail = shown.iter().find(|s| s.name == "WorkDetail").unwrap();
        assert!(detail.kind.starts_with("Work + "), "{}", detail.kind);
        let fields: Vec<&str> = detail.fields.iter().map(|f| f.name.as_str()).collect();
        assert!(fields.contains(&"chapters"), "{fields:?}");
    }

    #[test]
    fn backticks_set_code_apart() {
        let runs = spans("Send `Authorization: Bearer TOKEN` with `a`.");
        let shown: Vec<(bool, &str)> = runs.iter().map(|s| (s.code, s.text.as_str())).collect();
        assert_eq!(
            shown,
            [
                (false, "Send "),
                (true, "Authorization: Bearer TOKEN"),
                (false, " with "),
                (true, "a"),
                (false, "."),
            ]
        );
    }

    #[test]
    fn a_schema_kind_reads_as_words() {
        let schema = serde_json::json!({ "type": "array", "items": { "$ref": "#/components/schemas/Work" } });
        assert_eq!(kind(&schema), "array of Work");
        let schema = serde_json::json!({ "type": ["string", "null"], "enum": ["a", "b"] });
        assert_eq!(kind(&schema), "string or null (one of a, b)");
    }
}
