//! The public API's description, OpenAPI 3.1 at `/api/v1/openapi.json`, so tools can be
//! generated from it. Written by hand next to the handlers it describes, except the values
//! a parameter takes: those come from the types that read them (`Sort::ALL`, `Rating::ALL`,
//! ...), so the document cannot offer a value the API refuses. A test requests every
//! documented value, and one undocumented, of every enumerated parameter.

use crate::AppState;
use ajar_core::{ArchiveWarning, Category, Rating};
use ajar_search::Sort;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/openapi.json", get(document))
}

async fn document() -> Response {
    Json(openapi()).into_response()
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

/// A string parameter that takes one of `codes`.
fn one_of<'a>(codes: impl IntoIterator<Item = &'a str>) -> Value {
    json!({ "type": "string", "enum": codes.into_iter().collect::<Vec<_>>() })
}

/// A response that is an RFC 9457 problem, described.
fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

fn string_list() -> Value {
    json!({ "type": "array", "items": { "type": "string" } })
}

pub(crate) fn openapi() -> Value {
    let tag_list = json!({ "type": "array", "items": { "type": "string" } });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ajar API",
            "version": "1",
            "description": "Search the archive's works with every filter of the search page, \
                and leave kudos. Requests without credentials are a guest's: only public works. \
                A personal access token (made on the account page, sent as `Authorization: \
                Bearer TOKEN` or as the password of HTTP Basic) acts as its account: works \
                restricted to logged-in readers too, and, with the write scope, changes. A \
                logged-in session cookie works as well, with the CSRF token of the site's \
                forms (`X-CSRF-Token`) on every change. Each token may make 300 requests a minute: \
                every answer to a token carries `RateLimit-Limit`, `RateLimit-Remaining` and \
                `RateLimit-Reset` (seconds), and a request over the allowance is answered 429 \
                with `Retry-After`. Errors are RFC 9457 problem+json."
        },
        "security": [ {}, { "token": [] }, { "basic": [] } ],
        "paths": {
            "/api/v1/works": {
                "get": {
                    "summary": "Search works",
                    "description": "The same search as /works/search: a query in the search \
                        language plus filters, one page of works with facet counts of the tags \
                        across every matching work.",
                    "parameters": [
                        query("q", "The search box: words, \"phrases\", field:value, ranges (words>5000, kudos:100..500), -negation, OR.", json!({"type": "string"})),
                        query("text", "A phrase to find in the text of works; results carry a snippet.", json!({"type": "string"})),
                        query("include_tags", "Tag names (any kind), comma-separated: works with all of them.", json!({"type": "string"})),
                        query("exclude_tags", "Tag names, comma-separated: works with none of them.", json!({"type": "string"})),
                        query("include", "A tag id: works with it (repeatable).", json!({"type": "integer", "minimum": 1})),
                        query("exclude", "A tag id: works without it (repeatable).", json!({"type": "integer", "minimum": 1})),
                        query("exclude_creators", "Creator names, comma-separated.", json!({"type": "string"})),
                        query("creator_id", "A creator (pseud) id: works by any of these (repeatable).", json!({"type": "integer", "minimum": 1})),
                        query("rating", "Any of these ratings (repeatable).", one_of(Rating::ALL.map(Rating::code))),
                        query("warning", "All of these archive warnings (repeatable).", one_of(ArchiveWarning::ALL.map(ArchiveWarning::code))),
                        query("category", "Any of these categories (repeatable).", one_of(Category::ALL.map(Category::code))),
                        query("complete", "yes: complete works only; no: works in progress only. A work whose completion is not stated matches neither.", one_of(["yes", "no"])),
                        query("crossover", "yes: crossovers only; no: single-fandom works only.", one_of(["yes", "no"])),
                        query("words_from", "At least this many words.", json!({"type": "integer", "minimum": 0})),
                        query("words_to", "At most this many words.", json!({"type": "integer", "minimum": 0})),
                        query("language", "A language code or name.", json!({"type": "string"})),
                        query("updated_from", "Updated on or after (YYYY-MM-DD).", json!({"type": "string", "format": "date"})),
                        query("updated_to", "Updated on or before (YYYY-MM-DD).", json!({"type": "string", "format": "date"})),
                        query("published_from", "Posted on or after (YYYY-MM-DD).", json!({"type": "string", "format": "date"})),
                        query("published_to", "Posted on or before (YYYY-MM-DD).", json!({"type": "string", "format": "date"})),
                        query("sort", "The order; best_match (the default with a query) or updated (without one) when not given.", one_of(Sort::ALL.map(Sort::code))),
                        query("page", "1-based page.", json!({"type": "integer", "minimum": 1})),
                        query("per_page", "Works per page, 1 to 100.", json!({"type": "integer", "minimum": 1, "maximum": 100})),
                        query("facets", "no: leave out the facet counts (faster).", one_of(["yes", "no"]))
                    ],
                    "responses": {
                        "200": {
                            "description": "One page of matching works.",
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WorkPage" } } }
                        },
                        "400": problem_response("The query or a filter cannot be read (an empty number, date or code included); `detail` says what to fix."),
                        "503": problem_response("This server runs no search index."),
                        "404": problem_response("A page past the first 10,000 results (narrow the search to see further)."),
                        "401": problem_response("A token was sent that is not valid (revoked, mistyped, or its account suspended)."),
                        "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                    }
                }
            },
            "/api/v1/works/{id}": {
                "get": {
                    "summary": "A work and its chapters",
                    "description": "What the work's blurb shows, its notes, and its chapters (position, title, words, and where to read each). A work restricted to logged-in readers needs a token; a draft is its creators' alone.",
                    "parameters": [
                        { "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "minimum": 1 } }
                    ],
                    "responses": {
                        "200": {
                            "description": "The work.",
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/WorkDetail" } } }
                        },
                        "401": problem_response("The work is for logged-in readers (send a token), or the token sent is not valid."),
                        "404": problem_response("No such work, or not one the account may see."),
                        "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                    }
                }
            },
            "/api/v1/works/{id}/chapters/{position}": {
                "get": {
                    "summary": "A chapter's text",
                    "parameters": [
                        { "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "minimum": 1 } },
                        { "name": "position", "in": "path", "required": true, "schema": { "type": "integer", "minimum": 1 } }
                    ],
                    "responses": {
                        "200": {
                            "description": "The chapter.",
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ChapterText" } } }
                        },
                        "401": problem_response("The work is for logged-in readers (send a token), or the token sent is not valid."),
                        "404": problem_response("No such work or chapter, or not one the account may see."),
                        "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                    }
                }
            },
            "/api/v1/works/{id}/bookmark": {
                "parameters": [
                    { "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "minimum": 1 } }
                ],
                "get": {
                    "summary": "Your bookmark of a work",
                    "security": [ { "token": [] }, { "basic": [] } ],
                    "responses": {
                        "200": { "description": "The bookmark.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Bookmark" } } } },
                        "401": problem_response("No token, or not a valid one."),
                        "404": problem_response("No such work, not one the account may see, or no bookmark of it."),
                        "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                    }
                },
                "put": {
                    "summary": "Bookmark a work (or change your bookmark)",
                    "description": "One bookmark per account and work; sending again replaces it. Needs a token with the write scope.",
                    "security": [ { "token": [] }, { "basic": [] } ],
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/BookmarkRequest" } } }
                    },
                    "responses": {
                        "200": { "description": "The bookmark as saved.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Bookmark" } } } },
                        "400": problem_response("The body cannot be read, or its notes or tags are too long; `detail` says which."),
                        "401": problem_response("No token, or not a valid one."),
                        "403": problem_response("A read-only token, or a session without its CSRF token."),
                        "404": problem_response("No such work, or not one the account may see."),
                        "413": problem_response("The body is larger than this takes."),
                        "415": problem_response("The body is not JSON."),
                        "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                    }
                },
                "delete": {
                    "summary": "Delete your bookmark of a work",
                    "security": [ { "token": [] }, { "basic": [] } ],
                    "responses": {
                        "204": { "description": "Deleted." },
                        "401": problem_response("No token, or not a valid one."),
                        "403": problem_response("A read-only token, or a session without its CSRF token."),
                        "404": problem_response("No such work, not one the account may see, or no bookmark of it."),
                        "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                    }
                }
            },
            "/api/v1/works/{id}/kudos": {
                "post": {
                    "summary": "Leave kudos on a work",
                    "description": "Once per account. Not on one's own work, nor on a work the account may not see. Needs a token with the write scope.",
                    "security": [ { "token": [] }, { "basic": [] } ],
                    "parameters": [
                        { "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "minimum": 1 } }
                    ],
                    "responses": {
                        "201": {
                            "description": "Kudos left.",
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Kudos" } } }
                        },
                        "200": {
                            "description": "This account had left kudos on the work already (`kudos` is `already`).",
                            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Kudos" } } }
                        },
                        "401": problem_response("No valid token (revoked, mistyped, or its account suspended)."),
                        "403": problem_response("A read-only token, the account's own work, or a session without its CSRF token."),
                        "404": problem_response("No such work, or not one the account may see."),
                        "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                    }
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": { "200": { "description": "The OpenAPI description of the API.", "content": { "application/json": {} } } }
                }
            }
        },
        "components": {
            "securitySchemes": {
                "token": { "type": "http", "scheme": "bearer", "description": "A personal access token from the account page (ajar_pat_...)." },
                "basic": { "type": "http", "scheme": "basic", "description": "Any user name, and a personal access token as the password (for apps that only ask for a password)." }
            },
            "schemas": {
                "WorkDetail": {
                    "allOf": [
                        { "$ref": "#/components/schemas/Work" },
                        {
                            "type": "object",
                            "required": ["notes", "end_notes", "chapters"],
                            "properties": {
                                "notes": { "type": "string", "description": "Sanitized HTML." },
                                "end_notes": { "type": "string", "description": "Sanitized HTML." },
                                "chapters": { "type": "array", "items": { "$ref": "#/components/schemas/ChapterLink" } }
                            }
                        }
                    ]
                },
                "ChapterLink": {
                    "type": "object",
                    "required": ["position", "title", "words", "url"],
                    "properties": {
                        "position": { "type": "integer", "minimum": 1 },
                        "title": { "type": ["string", "null"] },
                        "words": { "type": "integer" },
                        "url": { "type": "string", "description": "This API's address of the chapter's text." }
                    }
                },
                "ChapterText": {
                    "type": "object",
                    "required": ["work", "position", "title", "summary", "notes", "end_notes", "body"],
                    "properties": {
                        "work": { "type": "integer" },
                        "position": { "type": "integer", "minimum": 1 },
                        "title": { "type": ["string", "null"] },
                        "summary": { "type": "string", "description": "Sanitized HTML." },
                        "notes": { "type": "string", "description": "Sanitized HTML." },
                        "end_notes": { "type": "string", "description": "Sanitized HTML." },
                        "body": { "type": "string", "description": "Sanitized HTML." }
                    }
                },
                "BookmarkRequest": {
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "notes": { "type": "string", "maxLength": 5000, "description": "Your notes; HTML is sanitized, plain text becomes paragraphs." },
                        "tags": { "type": "string", "description": "Your own tags, comma-separated (at most 1,000 characters, 100 a tag)." },
                        "private": { "type": "boolean", "description": "Shown to you alone." },
                        "rec": { "type": "boolean", "description": "A recommendation." }
                    }
                },
                "Bookmark": {
                    "type": "object",
                    "required": ["work", "notes", "tags", "private", "rec", "created_at", "updated_at"],
                    "properties": {
                        "work": { "type": "integer" },
                        "notes": { "type": "string", "description": "Sanitized HTML." },
                        "tags": string_list(),
                        "private": { "type": "boolean" },
                        "rec": { "type": "boolean" },
                        "created_at": { "type": "string", "format": "date-time" },
                        "updated_at": { "type": "string", "format": "date-time" }
                    }
                },
                "Kudos": {
                    "type": "object",
                    "required": ["work", "kudos"],
                    "properties": {
                        "work": { "type": "integer" },
                        "kudos": { "type": "string", "enum": ["left", "already"] }
                    }
                },
                "WorkPage": {
                    "type": "object",
                    "required": ["total", "page", "per_page", "works", "facets"],
                    "properties": {
                        "total": { "type": "integer", "description": "Matching works in all." },
                        "page": { "type": "integer" },
                        "per_page": { "type": "integer" },
                        "works": { "type": "array", "items": { "$ref": "#/components/schemas/Work" } },
                        "facets": {
                            "type": "object",
                            "description": "By tag kind (fandom, relationship, character, freeform, rating, warning, category): the most frequent tags among all matching works, with exact counts.",
                            "additionalProperties": { "type": "array", "items": { "$ref": "#/components/schemas/FacetCount" } }
                        }
                    }
                },
                "Work": {
                    "type": "object",
                    "required": ["id", "url", "title", "creators", "fandoms", "rating", "warnings", "categories", "relationships", "characters", "tags", "summary", "language", "complete", "stats"],
                    "properties": {
                        "id": { "type": "integer" },
                        "url": { "type": "string", "description": "The work's page, relative to the site." },
                        "title": { "type": "string" },
                        "creators": string_list(),
                        "fandoms": tag_list,
                        "rating": { "type": "string", "description": "General Audiences, Teen And Up Audiences, Mature, Explicit or Not Rated." },
                        "warnings": string_list(),
                        "categories": string_list(),
                        "relationships": string_list(),
                        "characters": string_list(),
                        "tags": string_list(),
                        "summary": { "type": "string", "description": "Sanitized HTML." },
                        "language": { "type": "string" },
                        "complete": { "type": ["boolean", "null"], "description": "null when the work's story file did not say whether it is finished (shown as \"Not stated\"); such a work matches neither complete=yes nor complete=no." },
                        "expected_chapters": { "type": ["integer", "null"] },
                        "updated": { "type": ["string", "null"], "format": "date" },
                        "stats": { "$ref": "#/components/schemas/Stats" },
                        "snippet": { "type": ["string", "null"], "description": "HTML with <b> around the words found in the text, for text searches." }
                    }
                },
                "Stats": {
                    "type": "object",
                    "required": ["words", "chapters", "hits", "kudos", "comments", "bookmarks"],
                    "properties": {
                        "words": { "type": "integer" },
                        "chapters": { "type": "integer" },
                        "hits": { "type": "integer" },
                        "kudos": { "type": "integer" },
                        "comments": { "type": "integer" },
                        "bookmarks": { "type": "integer" }
                    }
                },
                "FacetCount": {
                    "type": "object",
                    "required": ["id", "name", "count"],
                    "properties": {
                        "id": { "type": "integer", "description": "Use with include= / exclude=." },
                        "name": { "type": "string" },
                        "count": { "type": "integer" }
                    }
                },
                "Problem": {
                    "type": "object",
                    "description": "RFC 9457 problem details.",
                    "properties": {
                        "type": { "type": "string" },
                        "title": { "type": "string" },
                        "status": { "type": "integer" },
                        "detail": { "type": "string" }
                    }
                }
            }
        }
    })
}
