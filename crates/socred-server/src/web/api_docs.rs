//! The browsable API page, rendered from the OpenAPI document the API
//! router generates (served here: it is a page, not part of the API). The
//! operations' own texts are the document's, in English.

use axum::extract::State;
use axum::response::Html;
use maud::{Markup, html};

use super::{Flash, page, reader, rich};
use crate::AppState;

pub async fn page_of_api(State(state): State<AppState>) -> Html<String> {
    let language = reader();
    page(&language.text("api-docs-title"), None, &Flash::default(), render(language, &state.openapi_json))
}

fn render(language: socred_i18n::Language, openapi_json: &str) -> Markup {
    let t = |id: &str| language.text(id);
    let document: serde_json::Value = serde_json::from_str(openapi_json).unwrap_or_default();
    let text = |value: &serde_json::Value| value.as_str().unwrap_or("").to_string();
    let operations: Vec<(&String, &String, &serde_json::Value)> = document["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| item.as_object().into_iter().flatten().map(move |(method, operation)| (path, method, operation)))
        .collect();
    html! {
        p { (text(&document["info"]["description"])) }
        p { (rich(language, "api-docs-document", &[
            ("link", html! { a href="/api/v1/openapi.json" { "/api/v1/openapi.json" } }),
            ("version", html! { (text(&document["openapi"])) }),
        ])) }
        @for (path, method, operation) in operations {
            @let summary = operation["summary"].as_str().or(operation["description"].as_str()).unwrap_or("");
            @let statuses: Vec<&str> = operation["responses"].as_object().map(|r| r.keys().map(String::as_str).collect()).unwrap_or_default();
            @let parameters: Vec<&serde_json::Value> = operation["parameters"].as_array().into_iter().flatten().collect();
            section.card {
                h2 { span.method { (method.to_uppercase()) } " " code { (path) } }
                p { (summary) }
                p.meta {
                    (text(&operation["tags"][0])) " · "
                    (t(if operation.get("security").is_some() { "api-docs-bearer" } else { "api-docs-public" }))
                    " · " (t("api-docs-responses")) " " (statuses.join(", "))
                }
                @if !parameters.is_empty() {
                    ul { @for parameter in parameters {
                        li { code { (text(&parameter["name"])) } " (" (text(&parameter["in"])) ") " (text(&parameter["description"])) }
                    } }
                }
                @if let Some(schema) = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str() {
                    p { (t("api-docs-body")) " " code { (schema.rsplit('/').next().unwrap_or(schema)) } }
                }
            }
        }
    }
}
