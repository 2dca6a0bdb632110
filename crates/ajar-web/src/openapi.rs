//! The public API's description, OpenAPI 3.1 at `/api/v1/openapi.json`, so tools can be
//! generated from it. Written by hand next to the handlers it describes (the reads in one
//! document, the writes of works, chapters and comments added to it by path), except the values
//! a parameter takes: those come from the types that read them (`Sort::ALL`, `Rating::ALL`,
//! ...), so the document cannot offer a value the API refuses. A test requests every
//! documented value, and one undocumented, of every enumerated parameter.

use crate::AppState;
use ajar_core::{ArchiveWarning, Category, Rating, SignupMode};
use ajar_search::Sort;
use ajar_store::{MailMode, NoticeCategory, NoticeKind};
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

/// The answers every change may get besides its own: no valid credentials, not allowed, a
/// spent allowance; with `body`, a body that cannot be read or is too large.
fn change_responses(mut own: Value, body: bool, found: bool) -> Value {
    let map = own.as_object_mut().expect("an object");
    map.insert(
        "401".into(),
        problem_response("No token (or session), or not a valid one."),
    );
    map.insert(
        "403".into(),
        problem_response(
            "A read-only token, a session without its CSRF token, or not the account's to change.",
        ),
    );
    map.insert(
        "429".into(),
        problem_response("Too many requests (this token's allowance, or posting too fast); `Retry-After` says when to ask again."),
    );
    if body {
        map.insert(
            "400".into(),
            problem_response(
                "The body cannot be read, or a field is wrong: `errors` lists each thing to fix.",
            ),
        );
        map.insert(
            "413".into(),
            problem_response("The body is larger than this takes."),
        );
    }
    if found {
        map.insert(
            "404".into(),
            problem_response("No such work, chapter or comment, or not one the account may see."),
        );
    }
    own
}

fn json_body(schema: &str) -> Value {
    json!({
        "required": true,
        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
    })
}

fn json_answer(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
    })
}

fn id_parameter(name: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "integer", "minimum": 1 } })
}

/// The writes of works, chapters and comments (`api::writes`, `api::comments`): operations
/// to add to `paths`, by path and method.
fn write_operations() -> Vec<(&'static str, &'static str, Value)> {
    let write = json!([ { "token": [] }, { "basic": [] } ]);
    vec![
        (
            "/api/v1/works",
            "post",
            json!({
                "summary": "Post a work",
                "description": "A new work with its chapters, under the account's pseuds (its default pseud when `creators` is left out); `visibility: draft` keeps it as a draft. Needs a token with the write scope.",
                "security": write,
                "requestBody": json_body("WorkRequest"),
                "responses": change_responses(json!({
                    "201": json_answer("The work as posted (its address in `Location`).", "WorkDetail")
                }), true, false)
            }),
        ),
        (
            "/api/v1/works/{id}",
            "patch",
            json!({
                "summary": "Change a work",
                "description": "The fields sent change; the others stay. Not its chapters (see chapters) nor its creators. A draft sent a visibility other than `draft` is posted.",
                "security": write,
                "parameters": [ id_parameter("id") ],
                "requestBody": json_body("WorkChange"),
                "responses": change_responses(json!({
                    "200": json_answer("The work as changed.", "WorkDetail")
                }), true, true)
            }),
        ),
        (
            "/api/v1/works/{id}",
            "delete",
            json!({
                "summary": "Delete a work",
                "description": "With its chapters, comments, kudos and bookmarks. By its creators only.",
                "security": write,
                "parameters": [ id_parameter("id") ],
                "responses": change_responses(json!({ "204": { "description": "Deleted." } }), false, true)
            }),
        ),
        (
            "/api/v1/works/{id}/chapters",
            "post",
            json!({
                "summary": "Add a chapter",
                "description": "After the work's last chapter.",
                "security": write,
                "parameters": [ id_parameter("id") ],
                "requestBody": json_body("ChapterRequest"),
                "responses": change_responses(json!({
                    "201": json_answer("The chapter as added (its address in `Location`).", "ChapterText")
                }), true, true)
            }),
        ),
        (
            "/api/v1/works/{id}/chapters/{position}",
            "put",
            json!({
                "summary": "Replace a chapter's title, notes and text",
                "security": write,
                "parameters": [ id_parameter("id"), id_parameter("position") ],
                "requestBody": json_body("ChapterRequest"),
                "responses": change_responses(json!({
                    "200": json_answer("The chapter as saved.", "ChapterText")
                }), true, true)
            }),
        ),
        (
            "/api/v1/works/{id}/chapters/{position}",
            "delete",
            json!({
                "summary": "Delete a chapter",
                "description": "With its comments; the chapters after it move up one. A work's only chapter cannot be deleted (delete the work).",
                "security": write,
                "parameters": [ id_parameter("id"), id_parameter("position") ],
                "responses": change_responses(json!({
                    "204": { "description": "Deleted." },
                    "400": problem_response("The work's only chapter.")
                }), false, true)
            }),
        ),
        (
            "/api/v1/works/{id}/chapter-order",
            "put",
            json!({
                "summary": "Reorder a work's chapters",
                "security": write,
                "parameters": [ id_parameter("id") ],
                "requestBody": json_body("ChapterOrder"),
                "responses": change_responses(json!({
                    "200": json_answer("The work, its chapters in their new order.", "WorkDetail")
                }), true, true)
            }),
        ),
        (
            "/api/v1/works/{id}/comments",
            "post",
            json!({
                "summary": "Comment on a chapter",
                "description": "As the comment form: the work's comment policy decides who may (a moderated work's comment waits for approval, `pending`), blocks hold, HTML is sanitized and plain text becomes paragraphs.",
                "security": write,
                "parameters": [ id_parameter("id") ],
                "requestBody": json_body("CommentRequest"),
                "responses": change_responses(json!({
                    "201": json_answer("The comment (its address in `Location`).", "Comment")
                }), true, true)
            }),
        ),
        (
            "/api/v1/comments/{id}/replies",
            "post",
            json!({
                "summary": "Reply to a comment",
                "security": write,
                "parameters": [ id_parameter("id") ],
                "requestBody": json_body("ReplyRequest"),
                "responses": change_responses(json!({
                    "201": json_answer("The reply (its address in `Location`).", "Comment")
                }), true, true)
            }),
        ),
        (
            "/api/v1/works/{id}/comments",
            "get",
            json!({
                "summary": "A work's comment threads",
                "description": "As the work's page shows them to the account: pending comments only to their author and the work's creators, nothing by people the account muted, a deleted comment only as the place of its replies.",
                "parameters": [
                    id_parameter("id"),
                    { "name": "chapter", "in": "query", "required": false, "description": "One chapter's threads; every chapter's when left out.", "schema": { "type": "integer", "minimum": 1 } },
                    { "name": "page", "in": "query", "required": false, "description": "20 threads a page.", "schema": { "type": "integer", "minimum": 1 } },
                    { "name": "cursor", "in": "query", "required": false, "description": "The next page: `next_cursor` of the page before, as it came (not with `page`). A cursor continues after the last item shown, so items added or removed meanwhile neither repeat nor go missing.", "schema": { "type": "string", "minLength": 1 } }
                ],
                "responses": {
                    "200": json_answer("A page of threads.", "CommentThreads"),
                    "400": problem_response("`chapter` or `page` is not a number from 1, `cursor` is not one this API gave, or both `page` and `cursor` were sent."),
                    "401": problem_response("The work is for logged-in readers (send a token), or the token sent is not valid."),
                    "404": problem_response("No such work, not one the account may see, or a page past the last."),
                    "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                }
            }),
        ),
        (
            "/api/v1/comments/{id}",
            "put",
            json!({
                "summary": "Edit your comment",
                "security": [ { "token": [] }, { "basic": [] } ],
                "parameters": [ id_parameter("id") ],
                "requestBody": json_body("CommentEdit"),
                "responses": change_responses(json!({
                    "200": json_answer("The comment as edited.", "Comment")
                }), true, true)
            }),
        ),
        (
            "/api/v1/comments/{id}",
            "delete",
            json!({
                "summary": "Delete a comment",
                "description": "Your own, or any on a work you created (or, for admins, any).",
                "security": [ { "token": [] }, { "basic": [] } ],
                "parameters": [ id_parameter("id") ],
                "responses": change_responses(json!({ "204": { "description": "Deleted." } }), false, true)
            }),
        ),
        (
            "/api/v1/comments/{id}/approve",
            "post",
            json!({
                "summary": "Approve a comment on your moderated work",
                "security": [ { "token": [] }, { "basic": [] } ],
                "parameters": [ id_parameter("id") ],
                "responses": change_responses(json!({
                    "200": json_answer("The comment, no longer pending.", "Comment")
                }), false, true)
            }),
        ),
        (
            "/api/v1/comments/{id}",
            "get",
            json!({
                "summary": "A comment",
                "parameters": [ id_parameter("id") ],
                "responses": {
                    "200": json_answer("The comment.", "Comment"),
                    "401": problem_response("The work is for logged-in readers (send a token), or the token sent is not valid."),
                    "404": problem_response("No such comment, or not one the account may see."),
                    "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                }
            }),
        ),
    ]
}

/// A reader's own lists (`api::reading`): operations by path and method.
fn reader_operations() -> Vec<(&'static str, &'static str, Value)> {
    let mine = json!([ { "token": [] }, { "basic": [] } ]);
    let read = |summary: &str, schema: &str, paged: bool| {
        let mut op = json!({
            "summary": summary,
            "security": mine,
            "responses": {
                "200": json_answer("The list.", schema),
                "401": problem_response("No token (or session), or not a valid one."),
                "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
            }
        });
        if paged {
            op["parameters"] = json!([
                { "name": "page", "in": "query", "required": false, "description": "20 works a page.", "schema": { "type": "integer", "minimum": 1 } },
                { "name": "cursor", "in": "query", "required": false, "description": "The next page: `next_cursor` of the page before, as it came (not with `page`). A cursor continues after the last item shown, so items added or removed meanwhile neither repeat nor go missing.", "schema": { "type": "string", "minLength": 1 } }
            ]);
            op["responses"]["400"] = problem_response("`page` is not a number from 1, `cursor` is not one this API gave, or both were sent.");
            op["responses"]["404"] = problem_response("A page past the last.");
        }
        op
    };
    let toggle = |summary: &str, parameters: Value| {
        json!({
            "summary": summary,
            "security": mine,
            "parameters": parameters,
            "responses": change_responses(json!({ "204": { "description": "Done (or already so)." } }), false, true)
        })
    };
    let subscription = json!([
        { "name": "kind", "in": "path", "required": true, "schema": { "type": "string", "enum": ["work", "creator", "series", "tag"] } },
        { "name": "id", "in": "path", "required": true, "description": "The work's, pseud's, series' or tag's id.", "schema": { "type": "integer", "minimum": 1 } }
    ]);
    let work = json!([id_parameter("id")]);
    let name = json!([ { "name": "name", "in": "path", "required": true, "description": "A pseud of the account.", "schema": { "type": "string" } } ]);
    let person = |summary: &str| {
        let mut op = toggle(summary, name.clone());
        op["responses"]["400"] =
            problem_response("The account's own pseud, or a creator without an account here.");
        op
    };
    let mut set_progress = json!({
        "summary": "Say how far you are in a canon: searches, listings and feeds then leave out the works that spoil the rest (or blur them)",
        "security": mine,
        "requestBody": json_body("CanonProgressChange"),
        "responses": change_responses(json!({ "204": { "description": "Set." } }), true, true)
    });
    set_progress["responses"]["404"] =
        problem_response("No fandom with a canon timeline has this id.");
    vec![
        (
            "/api/v1/canon/progress",
            "get",
            read(
                "How far you are in each canon you follow (spoiler-aware browsing)",
                "CanonProgress",
                false,
            ),
        ),
        ("/api/v1/canon/progress", "put", set_progress),
        (
            "/api/v1/subscriptions",
            "get",
            read("Your subscriptions", "Subscriptions", false),
        ),
        (
            "/api/v1/subscriptions/{kind}/{id}",
            "put",
            toggle(
                "Subscribe to a work, creator, series or tag",
                subscription.clone(),
            ),
        ),
        (
            "/api/v1/subscriptions/{kind}/{id}",
            "delete",
            toggle("Unsubscribe", subscription),
        ),
        ("/api/v1/filters", "get", read("Your muted tags and saved filter", "Filters", false)),
        ("/api/v1/filters", "put", json!({
            "summary": "Replace your muted tags and saved filter",
            "description": "Muted tags are left out of every search and listing you see; the saved filter fills in what a search does not say.",
            "security": mine,
            "requestBody": json_body("Filters"),
            "responses": change_responses(json!({ "200": json_answer("As saved.", "Filters") }), true, false)
        })),
        (
            "/api/v1/updates",
            "get",
            read(
                "New works and chapters from your subscriptions since you last looked (reading them marks them seen)",
                "Updates",
                false,
            ),
        ),
        (
            "/api/v1/history",
            "get",
            read("Works you opened, most recent first", "Readings", true),
        ),
        (
            "/api/v1/later",
            "get",
            read("Works you marked for later", "Readings", true),
        ),
        (
            "/api/v1/works/{id}/later",
            "put",
            toggle("Mark a work for later", work.clone()),
        ),
        (
            "/api/v1/works/{id}/later",
            "delete",
            toggle("Unmark a work for later", work),
        ),
        (
            "/api/v1/mutes",
            "get",
            read("Accounts you muted and blocked", "Mutes", false),
        ),
        (
            "/api/v1/users/{name}/mute",
            "put",
            person(
                "Mute an account: its works, comments and bookmarks are left out of what you see",
            ),
        ),
        (
            "/api/v1/users/{name}/mute",
            "delete",
            person("Stop muting an account"),
        ),
        (
            "/api/v1/users/{name}/block",
            "put",
            person("Block an account from commenting on your works and replying to you"),
        ),
        (
            "/api/v1/users/{name}/block",
            "delete",
            person("Stop blocking an account"),
        ),
    ]
}

/// Co-creation, series and reports (`api::people`): operations by path and method.
fn people_operations() -> Vec<(&'static str, &'static str, Value)> {
    let mine = json!([ { "token": [] }, { "basic": [] } ]);
    let answer = |summary: &str| {
        json!({
            "summary": summary,
            "security": mine,
            "parameters": [ id_parameter("work") ],
            "responses": change_responses(json!({ "204": { "description": "Done." } }), false, true)
        })
    };
    vec![
        (
            "/api/v1/invitations",
            "get",
            json!({
                "summary": "Works you are invited to co-create",
                "security": mine,
                "responses": {
                    "200": json_answer("The invitations waiting for your answer.", "Invitations"),
                    "401": problem_response("No token (or session), or not a valid one."),
                    "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                }
            }),
        ),
        (
            "/api/v1/invitations/{work}/accept",
            "post",
            answer("Accept an invitation: the work is credited to your pseud too"),
        ),
        (
            "/api/v1/invitations/{work}/decline",
            "post",
            answer("Decline an invitation"),
        ),
        (
            "/api/v1/series/{id}",
            "get",
            json!({
                "summary": "A series and its works",
                "description": "Its works the account may list, by part, as the series page shows them.",
                "parameters": [ id_parameter("id") ],
                "responses": {
                    "200": json_answer("The series.", "Series"),
                    "401": problem_response("A token was sent that is not valid."),
                    "404": problem_response("No such series."),
                    "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                }
            }),
        ),
        (
            "/api/v1/series/{id}/parts",
            "put",
            json!({
                "summary": "Order a series",
                "description": "Every work of the series, each with a different part number from 1. By the series' owner.",
                "security": mine,
                "parameters": [ id_parameter("id") ],
                "requestBody": json_body("SeriesOrder"),
                "responses": change_responses(json!({ "204": { "description": "Ordered." } }), true, true)
            }),
        ),
        (
            "/api/v1/pseuds",
            "get",
            json!({
                "summary": "Your pseuds, the default first",
                "security": mine,
                "responses": {
                    "200": json_answer("The pseuds.", "Pseuds"),
                    "401": problem_response("No token (or session), or not a valid one."),
                    "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                }
            }),
        ),
        (
            "/api/v1/pseuds",
            "post",
            json!({
                "summary": "Add a pseud to post under",
                "description": "At most 20 an account; a name no one else has.",
                "security": mine,
                "requestBody": json_body("PseudName"),
                "responses": change_responses(json!({ "201": json_answer("The pseud.", "Pseud") }), true, false)
            }),
        ),
        (
            "/api/v1/pseuds/{id}",
            "patch",
            json!({
                "summary": "Rename a pseud",
                "security": mine,
                "parameters": [ id_parameter("id") ],
                "requestBody": json_body("PseudName"),
                "responses": change_responses(json!({ "200": json_answer("The pseud, renamed.", "Pseud") }), true, true)
            }),
        ),
        (
            "/api/v1/pseuds/{id}",
            "delete",
            json!({
                "summary": "Delete a pseud (not the default): its works move to the default",
                "security": mine,
                "parameters": [ id_parameter("id") ],
                "responses": change_responses(json!({ "204": { "description": "Deleted." }, "400": problem_response("The default pseud.") }), false, true)
            }),
        ),
        (
            "/api/v1/tags/{name}",
            "get",
            json!({
                "summary": "A tag: the kinds it is used as, and how many works carry it",
                "parameters": [ { "name": "name", "in": "path", "required": true, "schema": { "type": "string" } } ],
                "responses": {
                    "200": json_answer("The tag, as its page shows it to the account.", "Tag"),
                    "401": problem_response("A token was sent that is not valid."),
                    "404": problem_response("No work the account may list carries a tag of this name."),
                    "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                }
            }),
        ),
        (
            "/api/v1/tags/{name}/canon",
            "get",
            json!({
                "summary": "A fandom's canon timeline (episodes, chapters, films) in order, with how many works spoil each entry and are about it",
                "parameters": [ { "name": "name", "in": "path", "required": true, "schema": { "type": "string" } } ],
                "responses": {
                    "200": json_answer("The timeline.", "CanonTimeline"),
                    "401": problem_response("A token was sent that is not valid."),
                    "404": problem_response("The fandom has no canon timeline."),
                    "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                }
            }),
        ),
        (
            "/api/v1/tags/{name}/wrangle",
            "post",
            json!({
                "summary": "Wrangle a tag: make it canonical or a synonym, set parents and meta tags, rename (wranglers and admins)",
                "security": [ { "token": [] }, { "basic": [] } ],
                "parameters": [ { "name": "name", "in": "path", "required": true, "schema": { "type": "string" } } ],
                "requestBody": json_body("WrangleRequest"),
                "responses": change_responses(json!({ "200": json_answer("The tag's new state.", "Wrangling") }), true, true)
            }),
        ),
        (
            "/api/v1/users/{name}",
            "get",
            json!({
                "summary": "A creator (any pseud): how many works, and the latest",
                "parameters": [ { "name": "name", "in": "path", "required": true, "schema": { "type": "string" } } ],
                "responses": {
                    "200": json_answer("The creator, as their page shows them to the account.", "Creator"),
                    "401": problem_response("A token was sent that is not valid."),
                    "404": problem_response("No pseud of that name."),
                    "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
                }
            }),
        ),
        (
            "/api/v1/reports",
            "post",
            json!({
                "summary": "Report a work or a comment to the admins",
                "security": mine,
                "requestBody": json_body("ReportRequest"),
                "responses": change_responses(json!({
                    "201": json_answer("The report was filed.", "Report")
                }), true, true)
            }),
        ),
    ]
}

/// The admin page's actions (`api::admin`), for admins' tokens.
fn admin_operations() -> Vec<(&'static str, &'static str, Value)> {
    let admins = json!([ { "token": [] }, { "basic": [] } ]);
    let toggle = |summary: &str| {
        json!({
            "summary": summary,
            "security": admins,
            "parameters": [ id_parameter("id") ],
            "responses": change_responses(json!({ "204": { "description": "Done (or already so)." }, "400": problem_response("Your own account.") }), false, true)
        })
    };
    vec![
        ("/api/v1/admin/reports", "get", json!({
            "summary": "Open reports, oldest first (admins)",
            "security": admins,
            "responses": {
                "200": json_answer("The open reports.", "Reports"),
                "401": problem_response("No token (or session), or not a valid one."),
                "403": problem_response("Not an admin's."),
                "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
            }
        })),
        ("/api/v1/admin/reports/{id}", "post", json!({
            "summary": "Act on a report and close it (admins)",
            "security": admins,
            "parameters": [ id_parameter("id") ],
            "requestBody": json_body("ReportDecision"),
            "responses": change_responses(json!({ "200": json_answer("How it was resolved.", "ReportResolved") }), true, true)
        })),
        ("/api/v1/admin/works/{id}/hidden", "put", toggle("Hide a work from everyone but admins")),
        ("/api/v1/admin/works/{id}/hidden", "delete", toggle("Show a hidden work again")),
        ("/api/v1/admin/users/{id}/suspended", "put", toggle("Suspend an account: its works, comments and bookmarks are hidden, its tokens stop working")),
        ("/api/v1/admin/users/{id}/suspended", "delete", toggle("Lift a suspension")),
        ("/api/v1/admin/signup-mode", "put", json!({
            "summary": "How new accounts are made: open, by invitation, or closed (admins)",
            "security": admins,
            "requestBody": json_body("SignupMode"),
            "responses": change_responses(json!({ "204": { "description": "Set." } }), true, false)
        })),
        ("/api/v1/admin/invitations", "post", json!({
            "summary": "Make invitation codes, each good for one account (admins)",
            "security": admins,
            "requestBody": json_body("InvitationCount"),
            "responses": change_responses(json!({ "201": json_answer("The codes.", "InvitationCodes") }), true, false)
        })),
    ]
}

/// The bodies of [`admin_operations`].
fn admin_schemas() -> Vec<(&'static str, Value)> {
    vec![
        (
            "Reports",
            json!({
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "reported", "item", "reason", "reporter", "created_at", "work", "work_title", "work_hidden", "comment", "owners"],
                    "properties": {
                        "id": { "type": "integer" },
                        "reported": { "type": "string", "enum": ["work", "comment"] },
                        "item": { "type": "integer" },
                        "reason": { "type": "string" },
                        "reporter": { "type": ["string", "null"] },
                        "created_at": { "type": "string", "format": "date-time" },
                        "work": { "type": ["integer", "null"] },
                        "work_title": { "type": ["string", "null"] },
                        "work_hidden": { "type": "boolean" },
                        "comment": { "type": ["string", "null"], "description": "A reported comment's text (sanitized HTML)." },
                        "owners": {
                            "type": "array",
                            "items": { "type": "object", "required": ["id", "name"], "properties": { "id": { "type": "integer" }, "name": { "type": "string" } } }
                        }
                    }
                }
            }),
        ),
        (
            "ReportDecision",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["action"],
                "properties": {
                    "action": { "type": "string", "enum": ["hide", "remove", "suspend", "dismiss"] },
                    "user": { "type": "integer", "description": "With suspend: one of the report's owners." }
                }
            }),
        ),
        (
            "ReportResolved",
            json!({
                "type": "object",
                "required": ["resolution"],
                "properties": { "resolution": { "type": "string" } }
            }),
        ),
        (
            "SignupMode",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["mode"],
                "properties": { "mode": one_of(SignupMode::ALL.iter().map(|m| m.code())) }
            }),
        ),
        (
            "InvitationCount",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["count"],
                "properties": { "count": { "type": "integer", "minimum": 1, "maximum": crate::service::moderation::MAX_INVITATIONS } }
            }),
        ),
        (
            "InvitationCodes",
            json!({
                "type": "object",
                "required": ["codes"],
                "properties": { "codes": { "type": "array", "items": { "type": "string" } } }
            }),
        ),
    ]
}

/// The inbox and mail settings (`api::inbox`): operations by path and method.
fn mail_operations() -> Vec<(&'static str, &'static str, Value)> {
    let mine = json!([ { "token": [] }, { "basic": [] } ]);
    let reading = |summary: &str, schema: &str, parameters: Value| {
        json!({
            "summary": summary,
            "security": mine,
            "parameters": parameters,
            "responses": {
                "200": json_answer("Yours.", schema),
                "400": problem_response("A parameter cannot be read."),
                "401": problem_response("No token (or session), or not a valid one."),
                "429": problem_response("This token's allowance of requests is spent; `Retry-After` says when to ask again.")
            }
        })
    };
    vec![
        (
            "/api/v1/inbox",
            "get",
            reading(
                "Your inbox, newest first, 50 a page",
                "Inbox",
                json!([{
                    "name": "before", "in": "query", "required": false,
                    "description": "Items older than this id (`next_before` of the page before).",
                    "schema": { "type": "integer", "format": "int64" }
                }]),
            ),
        ),
        (
            "/api/v1/inbox",
            "post",
            json!({
                "summary": "Mark inbox items read or unread, or delete them",
                "security": mine,
                "requestBody": json_body("InboxChange"),
                "responses": change_responses(json!({ "200": json_answer("How many changed (only your own items change).", "InboxChanged") }), true, false)
            }),
        ),
        (
            "/api/v1/mail-settings",
            "get",
            reading(
                "How each kind of notification is mailed to you",
                "MailSettings",
                json!([]),
            ),
        ),
        (
            "/api/v1/mail-settings",
            "put",
            json!({
                "summary": "Choose how kinds of notification are mailed to you (the kinds named change)",
                "security": mine,
                "requestBody": json_body("MailModes"),
                "responses": change_responses(json!({ "200": json_answer("The settings now.", "MailSettings") }), true, false)
            }),
        ),
    ]
}

/// The bodies of [`mail_operations`].
fn mail_schemas() -> Vec<(&'static str, Value)> {
    let categories = || NoticeCategory::ALL.iter().map(|c| c.code());
    let mode = one_of(MailMode::ALL.iter().map(|m| m.code()));
    let modes: serde_json::Map<String, Value> =
        categories().map(|c| (c.to_owned(), mode.clone())).collect();
    vec![
        (
            "Inbox",
            json!({
                "type": "object",
                "required": ["unread", "items", "next_before"],
                "properties": {
                    "unread": { "type": "integer", "minimum": 0 },
                    "next_before": { "type": ["integer", "null"] },
                    "items": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "kind", "heading", "detail", "actor", "title", "work", "comment", "url", "created_at", "read"],
                            "properties": {
                                "id": { "type": "integer" },
                                "kind": one_of(NoticeKind::ALL.iter().map(|k| k.code())),
                                "heading": { "type": "string" },
                                "detail": { "type": "string" },
                                "actor": { "type": ["string", "null"] },
                                "title": { "type": "string" },
                                "work": { "type": ["integer", "null"] },
                                "comment": { "type": ["integer", "null"] },
                                "url": { "type": "string" },
                                "created_at": { "type": "string", "format": "date-time" },
                                "read": { "type": "boolean" }
                            }
                        }
                    }
                }
            }),
        ),
        (
            "InboxChange",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["action"],
                "properties": {
                    "action": one_of(["read", "unread", "delete", "read_all"]),
                    "ids": {
                        "type": "array",
                        "maxItems": crate::service::mail::INBOX_PAGE * 4,
                        "items": { "type": "integer", "format": "int64" },
                        "description": "The items (all but `read_all` need at least one)."
                    }
                }
            }),
        ),
        (
            "InboxChanged",
            json!({
                "type": "object",
                "required": ["changed"],
                "properties": { "changed": { "type": "integer", "minimum": 0 } }
            }),
        ),
        (
            "MailSettings",
            json!({
                "type": "object",
                "required": ["modes", "email_confirmed", "pending_email"],
                "properties": {
                    "modes": { "type": "object", "properties": modes.clone() },
                    "email_confirmed": { "type": "boolean", "description": "Until it is, nothing but the confirmation link is mailed." },
                    "pending_email": { "type": ["string", "null"], "description": "A new address waiting for its confirmation link." }
                }
            }),
        ),
        (
            "MailModes",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["modes"],
                "properties": {
                    "modes": { "type": "object", "additionalProperties": false, "properties": modes }
                }
            }),
        ),
    ]
}

/// The bodies of [`people_operations`].
fn people_schemas() -> Vec<(&'static str, Value)> {
    vec![
        (
            "Invitations",
            json!({
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["work", "title", "pseud", "creators", "url"],
                    "properties": {
                        "work": { "type": "integer" },
                        "title": { "type": "string" },
                        "pseud": { "type": "string", "description": "Your pseud the work would be credited to." },
                        "creators": { "type": "array", "items": { "type": "string" } },
                        "url": { "type": "string" }
                    }
                }
            }),
        ),
        (
            "Series",
            json!({
                "type": "object",
                "required": ["id", "title", "url", "works"],
                "properties": {
                    "id": { "type": "integer" },
                    "title": { "type": "string" },
                    "url": { "type": "string" },
                    "works": {
                        "type": "array",
                        "items": {
                            "allOf": [
                                { "$ref": "#/components/schemas/Work" },
                                { "type": "object", "required": ["part"], "properties": { "part": { "type": "integer" } } }
                            ]
                        }
                    }
                }
            }),
        ),
        (
            "Pseud",
            json!({
                "type": "object",
                "required": ["id", "name", "default", "url"],
                "properties": {
                    "id": { "type": "integer" },
                    "name": { "type": "string" },
                    "default": { "type": "boolean" },
                    "url": { "type": "string" }
                }
            }),
        ),
        (
            "Pseuds",
            json!({ "type": "array", "items": { "$ref": "#/components/schemas/Pseud" } }),
        ),
        (
            "PseudName",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["name"],
                "properties": { "name": { "type": "string", "description": "1 to 40 characters, no slash; a name no other account uses." } }
            }),
        ),
        (
            "Tag",
            json!({
                "type": "object",
                "required": ["name", "kinds", "works", "url", "works_url", "feed_url"],
                "properties": {
                    "name": { "type": "string" },
                    "kinds": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["kind", "works"],
                            "properties": {
                                "kind": { "type": "string", "enum": ["rating", "warning", "category", "fandom", "relationship", "character", "freeform"] },
                                "works": { "type": "integer" }
                            }
                        }
                    },
                    "works": { "type": "integer", "description": "Works carrying it, of any kind." },
                    "url": { "type": "string" },
                    "works_url": { "type": "string", "description": "Its works, through the search API." },
                    "feed_url": { "type": "string" },
                    "wrangling": { "oneOf": [ { "type": "null" }, { "$ref": "#/components/schemas/Wrangling" } ] }
                }
            }),
        ),
        (
            "CanonTimeline",
            json!({
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "label", "position", "season", "number", "title", "aired", "spoiling", "about", "url"],
                    "properties": {
                        "id": { "type": "integer" },
                        "label": { "type": "string", "description": "4×13, or #7 for an entry known by its order alone." },
                        "position": { "type": "integer" },
                        "season": { "type": ["integer", "null"] },
                        "number": { "type": ["integer", "null"] },
                        "title": { "type": "string" },
                        "aired": { "type": ["string", "null"], "format": "date" },
                        "spoiling": { "type": "integer", "description": "Works that spoil it." },
                        "about": { "type": "integer", "description": "Works about it: re-writes, missing scenes, post-episode, divergence." },
                        "url": { "type": "string" }
                    }
                }
            }),
        ),
        (
            "Wrangling",
            json!({
                "type": "object",
                "description": "What tag wrangling says of a tag: canonical, a synonym of a canonical tag, or not wrangled yet; and the tags linked to it, by name.",
                "required": ["kind", "status", "canonical", "unwrangleable", "synonym_of", "synonyms", "parents", "children", "meta_tags", "sub_tags"],
                "properties": {
                    "kind": { "type": "string", "enum": ["rating", "warning", "category", "fandom", "relationship", "character", "freeform"] },
                    "status": { "type": "string" },
                    "canonical": { "type": "boolean" },
                    "unwrangleable": { "type": "boolean" },
                    "synonym_of": { "type": ["string", "null"] },
                    "synonyms": string_list(),
                    "parents": string_list(),
                    "children": string_list(),
                    "meta_tags": string_list(),
                    "sub_tags": string_list()
                }
            }),
        ),
        (
            "WrangleRequest",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["action"],
                "properties": {
                    "action": { "type": "string", "enum": ["canonical", "not-canonical", "unwrangleable", "wrangleable", "synonym", "no-synonym", "add-parent", "remove-parent", "add-meta", "remove-meta", "add-sub", "remove-sub", "rename"] },
                    "target": { "type": "string", "description": "The other tag (the canonical tag, parent, meta or sub tag), or the new name for rename." }
                }
            }),
        ),
        (
            "Creator",
            json!({
                "type": "object",
                "required": ["name", "id", "works", "latest", "url", "works_url", "feed_url"],
                "properties": {
                    "name": { "type": "string" },
                    "id": { "type": "integer", "description": "For `creator_id=` in a search." },
                    "works": { "type": "integer" },
                    "latest": { "type": "array", "items": { "$ref": "#/components/schemas/Work" } },
                    "url": { "type": "string" },
                    "works_url": { "type": "string" },
                    "feed_url": { "type": "string" }
                }
            }),
        ),
        (
            "SeriesOrder",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["parts"],
                "properties": {
                    "parts": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["work", "part"],
                            "properties": {
                                "work": { "type": "integer" },
                                "part": { "type": "integer", "minimum": 1 }
                            }
                        }
                    }
                }
            }),
        ),
        (
            "ReportRequest",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["reason"],
                "properties": {
                    "work": { "type": "integer", "description": "The work reported; or send `comment`." },
                    "comment": { "type": "integer" },
                    "reason": { "type": "string", "description": "What is wrong, at most 2,000 characters." }
                }
            }),
        ),
        (
            "Report",
            json!({
                "type": "object",
                "required": ["reported", "id"],
                "properties": {
                    "reported": { "type": "string", "enum": ["work", "comment"] },
                    "id": { "type": "integer" }
                }
            }),
        ),
    ]
}

/// The answer bodies of [`reader_operations`].
fn reader_schemas() -> Vec<(&'static str, Value)> {
    let person = json!({
        "type": "object",
        "required": ["name", "url", "since"],
        "properties": {
            "name": { "type": "string" },
            "url": { "type": "string" },
            "since": { "type": "string", "format": "date-time" }
        }
    });
    vec![
        (
            "CanonProgress",
            json!({
                "type": "object",
                "required": ["canons", "blur"],
                "properties": {
                    "canons": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["fandom_id", "fandom", "seen", "entries", "timeline"],
                            "properties": {
                                "fandom_id": { "type": "integer" },
                                "fandom": { "type": "string" },
                                "seen": { "type": "integer", "minimum": 0, "description": "Seen up to this place in the timeline (0: none of it)." },
                                "entries": { "type": "integer" },
                                "timeline": { "type": "string" }
                            }
                        }
                    },
                    "blur": { "type": "boolean", "description": "Works that spoil the rest are shown with their summaries hidden rather than left out." }
                }
            }),
        ),
        (
            "CanonProgressChange",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["fandom"],
                "properties": {
                    "fandom": { "type": "integer", "description": "The fandom tag's id (`fandom_id`)." },
                    "seen": { "type": ["integer", "null"], "minimum": 0, "description": "Seen up to this place in its timeline (0: none of it); null or absent: all of it (follow it no more)." },
                    "mode": { "type": "string", "enum": ["hide", "blur"] }
                }
            }),
        ),
        (
            "Subscriptions",
            json!({
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["kind", "id", "name", "url", "created_at"],
                    "properties": {
                        "kind": { "type": "string", "enum": ["work", "creator", "series", "tag"] },
                        "id": { "type": "integer" },
                        "name": { "type": ["string", "null"], "description": "null when it is no longer in the archive for you." },
                        "url": { "type": ["string", "null"] },
                        "created_at": { "type": "string", "format": "date-time" }
                    }
                }
            }),
        ),
        (
            "Filters",
            json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "muted_tags": { "type": "array", "items": { "type": "string" }, "description": "At most 500." },
                    "exclude_tags": { "type": "array", "items": { "type": "string" } },
                    "ratings": { "type": "array", "items": one_of(Rating::ALL.iter().map(|r| r.code())) },
                    "complete_only": { "type": "boolean" },
                    "no_crossovers": { "type": "boolean" },
                    "words_from": { "type": ["string", "null"], "description": "A number of words (\"10,000\" reads as 10000)." },
                    "words_to": { "type": ["string", "null"] },
                    "language": { "type": ["string", "null"], "description": "A language's name or code." }
                }
            }),
        ),
        (
            "Updates",
            json!({
                "type": "object",
                "required": ["since", "works", "more"],
                "properties": {
                    "since": { "type": ["string", "null"], "format": "date-time", "description": "When you last looked." },
                    "more": { "type": "integer", "description": "Updated works that did not fit: the next call shows them." },
                    "works": {
                        "type": "array",
                        "items": {
                            "allOf": [
                                { "$ref": "#/components/schemas/Work" },
                                {
                                    "type": "object",
                                    "required": ["new_work", "new_chapters"],
                                    "properties": {
                                        "new_work": { "type": "boolean" },
                                        "new_chapters": { "type": "integer" }
                                    }
                                }
                            ]
                        }
                    }
                }
            }),
        ),
        (
            "Readings",
            json!({
                "type": "object",
                "required": ["total", "per_page", "works", "next_cursor"],
                "properties": {
                    "total": { "type": "integer" },
                    "page": { "type": "integer", "description": "Absent when the page was asked for by `cursor`." },
                    "per_page": { "type": "integer" },
                    "next_cursor": { "type": ["string", "null"], "description": "Send as `cursor` for the next page; `null` on the last." },
                    "works": {
                        "type": "array",
                        "items": {
                            "allOf": [
                                { "$ref": "#/components/schemas/Work" },
                                {
                                    "type": "object",
                                    "required": ["visits", "last_chapter", "later", "visited_at"],
                                    "properties": {
                                        "visits": { "type": "integer", "description": "0: marked for later, not opened yet." },
                                        "last_chapter": { "type": "integer" },
                                        "later": { "type": "boolean" },
                                        "visited_at": { "type": "string", "format": "date-time" }
                                    }
                                }
                            ]
                        }
                    }
                }
            }),
        ),
        (
            "Mutes",
            json!({
                "type": "object",
                "required": ["muted", "blocked"],
                "properties": {
                    "muted": { "type": "array", "items": person.clone() },
                    "blocked": { "type": "array", "items": person }
                }
            }),
        ),
    ]
}

/// The request and answer bodies of [`write_operations`].
fn write_schemas() -> Vec<(&'static str, Value)> {
    let codes = |all: Vec<&'static str>| one_of(all);
    let list = |description: &str| json!({ "type": "array", "items": { "type": "string" }, "description": description });
    let work_properties = json!({
        "title": { "type": "string", "description": "At most 255 characters." },
        "creators": list("Names of the account's own pseuds; its default pseud when left out. Only when posting."),
        "fandoms": list("At least one. No commas or semicolons in a name."),
        "rating": codes(Rating::ALL.iter().map(|r| r.code()).collect()),
        "warnings": { "type": "array", "items": codes(ArchiveWarning::ALL.iter().map(|w| w.code()).collect()) },
        "categories": { "type": "array", "items": codes(Category::ALL.iter().map(|c| c.code()).collect()) },
        "relationships": list("Relationship tags."),
        "characters": list("Character tags."),
        "tags": list("Additional tags."),
        "language": { "type": "string", "description": "A language's name or code (English, en)." },
        "summary": { "type": "string", "description": "Written in `format`; HTML is sanitized." },
        "notes": { "type": "string" },
        "end_notes": { "type": "string" },
        "spoilers": { "type": "string", "description": "What the work spoils, in words." },
        "series": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["title"],
                "properties": {
                    "title": { "type": "string", "description": "One of the account's series, or a new one." },
                    "part": { "type": "integer", "minimum": 1, "description": "After the last part when left out." }
                }
            }
        },
        "expected_chapters": { "type": ["integer", "null"], "minimum": 1, "description": "Chapters in all; null when not known yet. Left out of a new work: as many as it is posted with, unless `more_to_come`." },
        "more_to_come": { "type": "boolean" },
        "published": { "type": "string", "format": "date", "description": "For a work first posted elsewhere: YYYY-MM-DD, not in the future." },
        "format": codes(crate::posting::form::Format::ALL.iter().map(|f| f.code()).collect()),
        "visibility": codes(ajar_core::Visibility::ALL.iter().map(|v| v.code()).collect()),
        "comments": codes(ajar_core::CommentPolicy::ALL.iter().map(|c| c.code()).collect()),
        "gifts": list("User names the work is a gift for."),
        "co_creators": list("Pseud names invited as co-creators."),
        "chapters": {
            "type": "array",
            "minItems": 1,
            "description": "Only when posting; written in the work's `format`.",
            "items": { "$ref": "#/components/schemas/WorkChapter" }
        }
    });
    let chapter_properties = json!({
        "title": { "type": "string" },
        "summary": { "type": "string" },
        "notes": { "type": "string" },
        "end_notes": { "type": "string" },
        "body": { "type": "string", "description": "The chapter's text: at least one word, at most a million characters." }
    });
    let mut chapter_request = chapter_properties.clone();
    chapter_request["format"] = codes(
        crate::posting::form::Format::ALL
            .iter()
            .map(|f| f.code())
            .collect(),
    );
    let mut change = work_properties.clone();
    if let Some(map) = change.as_object_mut() {
        map.remove("chapters");
        map.remove("creators");
    }
    vec![
        (
            "WorkRequest",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["title", "fandoms", "chapters"],
                "properties": work_properties
            }),
        ),
        (
            "WorkChange",
            json!({
                "type": "object",
                "additionalProperties": false,
                "properties": change
            }),
        ),
        (
            "WorkChapter",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["body"],
                "properties": chapter_properties
            }),
        ),
        (
            "ChapterRequest",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["body"],
                "properties": chapter_request
            }),
        ),
        (
            "ChapterOrder",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["order"],
                "properties": {
                    "order": { "type": "array", "items": { "type": "integer", "minimum": 1 }, "description": "The current chapter numbers, each once, in their new order." }
                }
            }),
        ),
        (
            "CommentRequest",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["chapter", "body"],
                "properties": {
                    "chapter": { "type": "integer", "minimum": 1 },
                    "body": { "type": "string", "description": "HTML (sanitized) or plain text; at most 10,000 characters." },
                    "name": { "type": "string", "description": "A guest's name; ignored for an account." },
                    "pseud": { "type": "string", "description": "One of the account's pseuds; its default when left out." }
                }
            }),
        ),
        (
            "ReplyRequest",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["body"],
                "properties": {
                    "body": { "type": "string", "description": "HTML (sanitized) or plain text; at most 10,000 characters." },
                    "name": { "type": "string" },
                    "pseud": { "type": "string" }
                }
            }),
        ),
        (
            "Comment",
            json!({
                "type": "object",
                "required": ["id", "work", "chapter", "parent", "author", "body", "pending", "created_at", "edited_at", "url", "placeholder"],
                "properties": {
                    "id": { "type": "integer" },
                    "work": { "type": "integer" },
                    "chapter": { "type": "integer" },
                    "parent": { "type": ["integer", "null"], "description": "The comment replied to." },
                    "author": { "type": "string", "description": "A pseud, or a guest's name followed by \" (Guest)\"." },
                    "body": { "type": "string", "description": "Sanitized HTML." },
                    "pending": { "type": "boolean", "description": "Waits for a creator's approval." },
                    "created_at": { "type": "string", "format": "date-time" },
                    "edited_at": { "type": ["string", "null"], "format": "date-time" },
                    "url": { "type": "string", "description": "The comment's page on the site." },
                    "placeholder": { "type": ["string", "null"], "description": "In a thread: why the comment's text (and author) is left out, its replies being shown: deleted, or by someone muted or suspended." }
                }
            }),
        ),
        (
            "CommentThreads",
            json!({
                "type": "object",
                "required": ["threads", "per_page", "comments", "next_cursor"],
                "properties": {
                    "threads": { "type": "integer", "description": "Top-level comments in all." },
                    "page": { "type": "integer", "description": "Absent when the page was asked for by `cursor`." },
                    "next_cursor": { "type": ["string", "null"], "description": "Send as `cursor` for the next page; `null` when no thread follows (it may be given on a page that turns out to be the last: the page it leads to is then empty)." },
                    "per_page": { "type": "integer" },
                    "comments": { "type": "array", "items": { "$ref": "#/components/schemas/Comment" }, "description": "The comments of the page's threads (its top-level comments and every reply under them), oldest first: `parent` says which comment each replies to." }
                }
            }),
        ),
        (
            "CommentEdit",
            json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["body"],
                "properties": {
                    "body": { "type": "string", "description": "HTML (sanitized) or plain text; at most 10,000 characters." }
                }
            }),
        ),
    ]
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
    let mut doc = reads();
    let operations = write_operations()
        .into_iter()
        .chain(reader_operations())
        .chain(people_operations())
        .chain(mail_operations())
        .chain(admin_operations());
    for (path, method, operation) in operations {
        doc["paths"][path][method] = operation;
    }
    let schemas = write_schemas()
        .into_iter()
        .chain(reader_schemas())
        .chain(people_schemas())
        .chain(mail_schemas())
        .chain(admin_schemas());
    for (name, schema) in schemas {
        doc["components"]["schemas"][name] = schema;
    }
    doc
}

fn reads() -> Value {
    let tag_list = json!({ "type": "array", "items": { "type": "string" } });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ajar API",
            "version": "1",
            "description": "Search the archive's works with every filter of the search page; post, \
                change and delete works and chapters; comment, leave kudos and bookmark. Every \
                change follows the same rules as the site's forms. Requests without credentials are a guest's: only public works. \
                A personal access token (made on the account page, sent as `Authorization: \
                Bearer TOKEN` or as the password of HTTP Basic) acts as its account: works \
                restricted to logged-in readers too, and, with the write scope, changes. A \
                logged-in session cookie works as well, with the CSRF token of the site's \
                forms (`X-CSRF-Token`) on every change. Each token may make 300 requests a minute: \
                every answer to a token carries `RateLimit-Limit`, `RateLimit-Remaining` and \
                `RateLimit-Reset` (seconds), and a request over the allowance is answered 429 \
                with `Retry-After`. Errors are RFC 9457 problem+json. Every JSON read answered 200 \
                carries a strong `ETag`; sent back in `If-None-Match`, it gets `304 Not Modified` \
                with no body while the answer is unchanged."
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
                        query("facets", "no: leave out the facet counts (faster).", one_of(["yes", "no"])),
                        query("seen", "Canon progress for this search, in place of your account's (or cookie's): FANDOM_TAG_ID-POSITION pairs joined by dots (12-3.45-0); works linked to later entries are left out and counted in spoilers_hidden.", json!({"type": "string", "pattern": "^[0-9]+-[0-9]+(\\.[0-9]+-[0-9]+)*$"})),
                        query("spoilers", "show: leave out nothing for spoilers this once (such works carry `spoils`).", one_of(["show"]))
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
                            "required": ["notes", "end_notes", "chapters", "series"],
                            "properties": {
                                "notes": { "type": "string", "description": "Sanitized HTML." },
                                "end_notes": { "type": "string", "description": "Sanitized HTML." },
                                "chapters": { "type": "array", "items": { "$ref": "#/components/schemas/ChapterLink" } },
                                "series": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["id", "title", "part", "url"],
                                        "properties": {
                                            "id": { "type": "integer" },
                                            "title": { "type": "string" },
                                            "part": { "type": "integer" },
                                            "url": { "type": "string", "description": "This API's address of the series." }
                                        }
                                    }
                                }
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
                    "required": ["total", "page", "per_page", "works", "facets", "spoilers_hidden"],
                    "properties": {
                        "total": { "type": "integer", "description": "Matching works in all." },
                        "spoilers_hidden": { "type": "integer", "description": "Matching works left out because they spoil canon entries past your progress (your account's, the `ajar_seen` cookie's, or `seen=FANDOM-POSITION.…`); `spoilers=show` leaves none out." },
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
                        "spoils": { "type": "string", "description": "Only when the work spoils a canon entry past your progress (shown because you blur spoilers or asked with `spoilers=show`): that entry." },
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
                        "detail": { "type": "string" },
                        "errors": { "type": "array", "items": { "type": "string" }, "description": "Each thing to fix, when a request's fields were refused." }
                    }
                }
            }
        }
    })
}
