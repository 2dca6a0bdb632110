//! The public API's description, OpenAPI 3.1 at `/api/v1/openapi.json`, generated from the
//! code by utoipa: each handler carries its operation (`#[utoipa::path]`: its summary and
//! description are the handler's doc comment), each type it reads or answers with derives its
//! schema (`ToSchema`, field docs as descriptions), and the routes are registered through
//! utoipa-axum's `routes!`, so the document lists exactly the routes the server answers, with
//! the methods it answers them with. The values a parameter or field takes come from the
//! types that read them (`Sort::ALL`, `Rating::ALL`, ...; [`codes`]), so the document cannot
//! offer a value the API refuses. A test requests every documented value, and one
//! undocumented, of every enumerated parameter, and schemathesis checks every answer against
//! the document in CI.

use crate::AppState;
use ajar_core::{ArchiveWarning, Category, CommentPolicy, Rating, SignupMode, TagKind, Visibility};
use ajar_search::Sort;
use ajar_store::{Followed, NoticeKind};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::Serialize;
use serde_json::Value;
use std::sync::LazyLock;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, IntoResponses, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ajar API",
        version = "1",
        description = "Search the archive's works with every filter of the search page; post, \
            change and delete works and chapters; comment, leave kudos and bookmark. Every \
            change follows the same rules as the site's forms. Requests without credentials \
            are a guest's: only public works. A personal access token (made on the account \
            page, sent as `Authorization: Bearer TOKEN` or as the password of HTTP Basic) acts \
            as its account: works restricted to logged-in readers too, and, with the write \
            scope, changes. A logged-in session cookie works as well, with the CSRF token of \
            the site's forms (`X-CSRF-Token`) on every change. Each token may make 300 requests \
            a minute: every answer to a token carries `RateLimit-Limit`, `RateLimit-Remaining` \
            and `RateLimit-Reset` (seconds), and a request over the allowance is answered 429 \
            with `Retry-After`. Errors are RFC 9457 problem+json. Every JSON read answered 200 \
            carries a strong `ETag`; sent back in `If-None-Match`, it gets `304 Not Modified` \
            with no body while the answer is unchanged."
    ),
    security((), ("token" = []), ("basic" = [])),
    modifiers(&SecuritySchemes),
    components(schemas(ProblemDetails))
)]
struct ApiDoc;

/// How a request says who it is: a personal access token, as a bearer token or as the
/// password of HTTP Basic.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A personal access token from the account page (ajar_pat_...).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "Any user name, and a personal access token as the password (for apps \
                         that only ask for a password).",
                    ))
                    .build(),
            ),
        );
    }
}

/// Every route of the API with its operation, in one table: the server's router and the
/// document are both made from it.
fn api() -> OpenApiRouter<AppState> {
    use crate::api;
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(api::routes())
        .routes(routes!(crate::search::api_works))
        .routes(routes!(crate::kudos::api_leave_kudos))
        .routes(routes!(
            crate::bookmarks::api_get,
            crate::bookmarks::api_save,
            crate::bookmarks::api_delete
        ))
        .routes(routes!(crate::filters::api_get, crate::filters::api_put))
        .routes(routes!(crate::posting::api_autocomplete))
        .routes(routes!(document))
}

/// The API's routes, for the server.
pub(crate) fn router() -> Router<AppState> {
    api().split_for_parts().0
}

/// The API's description.
pub(crate) fn openapi() -> &'static Value {
    static DOC: LazyLock<Value> = LazyLock::new(|| {
        serde_json::to_value(api().split_for_parts().1).unwrap_or_else(|e| {
            // Serializing a document of strings and maps cannot fail; if it ever did, the
            // document says so rather than taking the server down.
            tracing::error!(error = %e, "the OpenAPI document cannot be serialized");
            Value::Null
        })
    });
    &DOC
}

/// This document
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    responses((status = 200, description = "The OpenAPI description of the API.", content_type = "application/json"))
)]
async fn document() -> Response {
    axum::Json(openapi()).into_response()
}

/// An error, as RFC 9457 problem details (`application/problem+json`).
#[derive(Serialize, ToSchema)]
pub(crate) struct ProblemDetails {
    /// Always `about:blank`: `title` and `status` say what happened.
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) title: &'static str,
    pub(crate) status: u16,
    pub(crate) detail: String,
    /// Each thing to fix, when a request's fields were refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) errors: Vec<String>,
}

/// A string schema whose values are `values` (a type's codes, such as `Rating::ALL`'s).
pub(crate) fn codes<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .build()
}

/// Schemas of the codes a field or parameter takes, each made from the type that reads them
/// (`#[schema(inline, value_type = RatingCode)]`, `#[param(inline, value_type = ...)]`).
macro_rules! code_schemas {
    ($($(#[$doc:meta])* $name:ident => $values:expr;)*) => {$(
        $(#[$doc])*
        pub(crate) struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                codes($values).into()
            }
        }

        impl ToSchema for $name {}
    )*};
}

code_schemas! {
    RatingCode => Rating::ALL.map(Rating::code);
    WarningCode => ArchiveWarning::ALL.map(ArchiveWarning::code);
    CategoryCode => Category::ALL.map(Category::code);
    TagKindCode => TagKind::ALL.map(TagKind::code);
    /// The kinds of tag a creator types in.
    FreeKindCode => ajar_core::TagKind::TYPED.map(TagKind::code);
    SortCode => Sort::ALL.map(Sort::code);
    FormatCode => crate::posting::form::Format::ALL.map(crate::posting::form::Format::code);
    VisibilityCode => Visibility::ALL.iter().map(|v| v.code());
    CommentPolicyCode => CommentPolicy::ALL.iter().map(|c| c.code());
    SignupModeCode => SignupMode::ALL.iter().map(|m| m.code());
    NoticeKindCode => NoticeKind::ALL.map(NoticeKind::code);
    FollowedKind => Followed::KINDS;
    WrangleAction => crate::service::wrangling::ACTIONS;
    InboxActionCode => crate::service::mail::InboxAction::CODES;
    ReportDecisionCode => crate::api::admin::DECISIONS;
    ReportedKind => ajar_store::Reported::KINDS;
    SpoilerMode => ["hide", "blur"];
    KudosOutcome => ["left", "already"];
    YesNo => ["yes", "no"];
    /// A media kind's name, as the fandoms page shows it.
    MediaName => ajar_core::Media::ALL.map(ajar_core::Media::name);
    ShowCode => ["show"];
}

/// What any request may be answered besides its own answers: a token that is not valid, or
/// a spent allowance.
#[derive(IntoResponses)]
#[allow(dead_code)] // the variants describe answers; the errors themselves are `Error`s
pub(crate) enum Refusals {
    /// A token was sent that is not valid (revoked, mistyped, or its account suspended), or
    /// none where one is needed.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(ProblemDetails),
    /// This token's allowance of requests is spent; `Retry-After` says when to ask again.
    #[response(status = 429, content_type = "application/problem+json")]
    TooMany(ProblemDetails),
}

/// What a change may be answered besides its own answers: no valid credentials, not allowed,
/// a spent allowance.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub(crate) enum ChangeRefusals {
    /// No token (or session), or not a valid one.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(ProblemDetails),
    /// A read-only token, a session without its CSRF token, or not the account's to change.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(ProblemDetails),
    /// Too many requests (this token's allowance, or posting too fast); `Retry-After` says
    /// when to ask again.
    #[response(status = 429, content_type = "application/problem+json")]
    TooMany(ProblemDetails),
}

/// What a request with a JSON body may be answered: a body that cannot be read or is too
/// large.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub(crate) enum BodyRefusals {
    /// The body cannot be read, or a field is wrong: `errors` lists each thing to fix.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(ProblemDetails),
    /// The body is larger than this takes.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(ProblemDetails),
}

/// No such thing (a work, chapter, comment, series, tag...), or not one the account may see.
#[derive(IntoResponses)]
#[response(status = 404, content_type = "application/problem+json")]
#[allow(dead_code)]
pub(crate) struct Missing(ProblemDetails);

/// A work's id, in the path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // read by `kudos::work_id`, which says what is wrong with one
pub(crate) struct WorkPath {
    #[param(minimum = 1)]
    id: u64,
}

/// A work's id and a chapter's position, in the path.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(crate) struct ChapterPath {
    #[param(minimum = 1)]
    id: u64,
    #[param(minimum = 1)]
    position: u64,
}

/// An id, in the path (a comment's, pseud's, series', report's, account's...).
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(crate) struct IdPath {
    #[param(minimum = 1)]
    id: u64,
}

/// A pseud's name, in the path (an account's, by any of its pseuds).
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(crate) struct PseudPath {
    /// A pseud of the account.
    name: String,
}

/// What a paged list may be answered besides its page.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub(crate) enum PageRefusals {
    /// `page` is not a number from 1, `cursor` is not one this API gave, or both were sent.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(ProblemDetails),
    /// A page past the last.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(ProblemDetails),
}

// Limits the schemas above write as literals (attributes take no paths): a change to one
// fails the build here rather than leaving the document wrong.
const _: () = assert!(crate::service::moderation::MAX_INVITATIONS == 100);
const _: () = assert!(crate::service::mail::INBOX_PAGE * 4 == 200);
const _: () = assert!(ajar_search::MAX_PER_PAGE == 100);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

    /// Every route under `/api/v1/` is registered through [`super::api`] (whose `routes!`
    /// puts it in the document), never beside it with a plain `.route(...)`, which would
    /// answer a route the document does not list.
    #[test]
    fn no_api_route_is_registered_outside_the_document() {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let squeezed: String = text.split_whitespace().collect();
                    if squeezed.contains(".route(\"/api/v1/") {
                        found.push(path.display().to_string());
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        assert!(found.is_empty(), "plain API routes in {found:?}");
    }
}
