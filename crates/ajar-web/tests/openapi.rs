//! The OpenAPI description at `/api/v1/openapi.json` against what the API really answers:
//! every required field it promises is in a real response, and every parameter it lists is
//! accepted.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

mod common;

use ajar_core::{Chapter, Html, TagName, Work};
use common::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

/// The object schemas `schema` is made of: itself, and what it is `allOf` (a type that
/// flattens another into it), following `$ref`s.
fn parts<'a>(doc: &'a Value, schema: &'a Value) -> Vec<&'a Value> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return parts(doc, &doc["components"]["schemas"][name]);
    }
    let mut found = vec![schema];
    for part in schema["allOf"].as_array().into_iter().flatten() {
        found.extend(parts(doc, part));
    }
    found
}

/// The fields the document says a `schema` always has.
fn required(doc: &Value, schema: &str) -> Vec<String> {
    let fields: Vec<String> = parts(doc, &doc["components"]["schemas"][schema])
        .into_iter()
        .flat_map(|p| p["required"].as_array().cloned().unwrap_or_default())
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert!(!fields.is_empty(), "{schema} requires nothing");
    fields
}

/// The description of `field` in `schema`.
fn property<'a>(doc: &'a Value, schema: &str, field: &str) -> &'a Value {
    parts(doc, &doc["components"]["schemas"][schema])
        .into_iter()
        .map(|p| &p["properties"][field])
        .find(|p| !p.is_null())
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn the_description_matches_the_api() {
    let app = TestApp::spawn().await;
    let mut work = Work {
        title: "Described".into(),
        creators: vec!["someone".into()],
        fandoms: vec![TagName::parse("API Fandom").unwrap()],
        chapters: vec![Chapter {
            body: Html::from_plain_text("there is no sunset here"),
            ..Chapter::default()
        }],
        ..Work::default()
    };
    work.renumber_chapters();
    app.insert(&work).await;
    let guest = app.guest();
    let doc = guest.get("/api/v1/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&doc.body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");

    let page: Value =
        serde_json::from_str(&guest.get("/api/v1/works?text=no+sunset").await.body).unwrap();
    for field in required(&doc, "WorkPage") {
        assert!(page.get(&field).is_some(), "page lacks {field}");
    }
    let first = &page["works"][0];
    for field in required(&doc, "FoundWork") {
        assert!(first.get(&field).is_some(), "work lacks {field}: {first}");
    }
    // Every field of a real answer is described; a null in it is one the description
    // allows (this work never said whether it is finished, so its `complete` is null).
    assert_eq!(first["complete"], Value::Null);
    for (field, value) in first.as_object().unwrap() {
        let described = property(&doc, "FoundWork", field);
        assert!(!described.is_null(), "{field} is not described");
        if value.is_null() {
            let types = &described["type"];
            assert!(
                types.as_array().is_some_and(|t| t.contains(&"null".into())),
                "{field} is null but described as {types}"
            );
        }
    }
    for field in required(&doc, "Stats") {
        assert!(first["stats"].get(&field).is_some(), "stats lack {field}");
    }
    assert!(first["snippet"].as_str().unwrap().contains("<b>"));
    let fandoms = page["facets"]["fandom"].as_array().unwrap();
    for field in required(&doc, "FacetCount") {
        assert!(fandoms[0].get(&field).is_some(), "facet lacks {field}");
    }

    // Every listed parameter is accepted with a value of its documented type.
    let parameters = doc["paths"]["/api/v1/works"]["get"]["parameters"]
        .as_array()
        .unwrap();
    // And every parameter the search reads is listed.
    let listed: Vec<&str> = parameters
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for key in ajar_search::SearchRequest::QUERY_KEYS {
        assert!(listed.contains(&key), "{key} is read but not described");
    }
    for p in parameters {
        let name = p["name"].as_str().unwrap();
        let schema = &p["schema"];
        // A repeatable parameter is described as an array of its values.
        let schema = if schema["type"] == "array" {
            &schema["items"]
        } else {
            schema
        };
        let value = match (schema["type"].as_str(), schema["format"].as_str()) {
            (_, Some("date")) => "2020-01-01".to_owned(),
            (Some("integer"), _) => "1".to_owned(),
            _ => match schema["enum"].as_array() {
                Some(values) => values[0].as_str().unwrap().to_owned(),
                None => match name {
                    "rating" => "teen".to_owned(),
                    "warning" => "death".to_owned(),
                    "category" => "gen".to_owned(),
                    "sort" => "kudos".to_owned(),
                    "language" => "en".to_owned(),
                    _ => "sunset".to_owned(),
                },
            },
        };
        let answer = guest.get(&format!("/api/v1/works?{name}={value}")).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{name}={value}: {}",
            answer.body
        );
    }
}

/// Every parameter the document enumerates takes each value it lists and refuses a value it
/// does not list, so a client generated from the document never sends a value the API
/// refuses (as `sort=best` once was).
#[tokio::test]
async fn every_documented_value_is_accepted_and_no_other() {
    let app = TestApp::spawn().await;
    let guest = app.guest();
    let doc: Value = serde_json::from_str(&guest.get("/api/v1/openapi.json").await.body).unwrap();
    let mut enumerated = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for p in item["get"]["parameters"].as_array().into_iter().flatten() {
            let schema = &p["schema"];
            let Some(values) = schema["enum"]
                .as_array()
                .or_else(|| schema["items"]["enum"].as_array())
            else {
                continue;
            };
            let name = p["name"].as_str().unwrap();
            enumerated.push(name.to_owned());
            for value in values {
                let value = value.as_str().unwrap();
                // As a client sends it: percent-encoded ("Anime & Manga").
                let sent = value
                    .replace('%', "%25")
                    .replace('&', "%26")
                    .replace(' ', "%20");
                let answer = guest.get(&format!("{path}?{name}={sent}")).await;
                assert_eq!(
                    answer.status,
                    StatusCode::OK,
                    "{path}?{name}={value} is documented: {}",
                    answer.body
                );
            }
            let answer = guest.get(&format!("{path}?{name}=sideways")).await;
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{path}?{name}=sideways is not documented, yet accepted"
            );
        }
    }
    enumerated.sort();
    assert_eq!(
        enumerated,
        [
            "category",
            "complete",
            "crossover",
            "facets",
            "kind",
            "media",
            "rating",
            "sort",
            "spoilers",
            "warning"
        ]
    );
}

/// What schemathesis found the API and its description disagreeing on: an empty number,
/// date or code is a mistake in a request to the API (400, saying which), though the search
/// page's form sends empty fields for "no filter"; a page past the results that can be paged
/// through is no page (404), as the description says.
#[tokio::test]
async fn the_api_refuses_empty_values_and_pages_past_the_window_as_described() {
    let app = TestApp::spawn().await;
    let guest = app.guest();
    for empty in [
        "updated_to=",
        "page=",
        "per_page=%20",
        "include=",
        "facets=",
    ] {
        let answer = guest.get(&format!("/api/v1/works?{empty}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{empty}");
        let name = empty.split('=').next().unwrap();
        assert!(
            answer.body.contains(&format!("`{name}` is empty")),
            "{}",
            answer.body
        );
    }
    // The form's empty fields still mean "no filter" on the search page.
    let page = guest.get("/works/search?q=&updated_to=&rating=").await;
    assert_eq!(page.status, StatusCode::OK);
    // Strings may be empty.
    assert_eq!(
        guest.get("/api/v1/works?q=&text=").await.status,
        StatusCode::OK
    );

    let past = guest.get("/api/v1/works?page=102&per_page=100").await;
    assert_eq!(past.status, StatusCode::NOT_FOUND, "{}", past.body);
    assert!(past.body.contains("No such page"));
    let doc: Value = serde_json::from_str(&guest.get("/api/v1/openapi.json").await.body).unwrap();
    assert!(doc["paths"]["/api/v1/works"]["get"]["responses"]["404"].is_object());
    assert_eq!(
        guest
            .get("/api/v1/works?page=100&per_page=100")
            .await
            .status,
        StatusCode::OK
    );
}

/// `/api/docs` is the description as a page: every operation of the document, in words,
/// with no script and nothing fetched from elsewhere (it works offline).
#[tokio::test]
async fn the_api_docs_page_shows_every_operation_without_scripts() {
    let app = TestApp::spawn().await;
    let guest = app.guest();
    let doc: Value = serde_json::from_str(&guest.get("/api/v1/openapi.json").await.body).unwrap();
    let page = guest.get("/api/docs").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("The archive&#39;s API") || page.body.contains("The archive's API"));
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item[method].is_object() {
                let shown = format!("{} {path}", method.to_uppercase());
                assert!(page.body.contains(&shown), "{shown} is on the page");
            }
        }
    }
    assert!(page.body.contains("id=\"schema-WorkRequest\""));
    assert!(!page.body.contains("<script"), "no script");
    assert!(!page.body.contains("https://"), "nothing from another site");
}
