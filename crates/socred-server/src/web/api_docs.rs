//! The browsable API page, rendered from the OpenAPI document the API
//! router generates (served here: it is a page, not part of the API).

use axum::extract::State;
use axum::response::Html;

use super::{Flash, esc, page as frame};
use crate::AppState;

pub async fn page(State(state): State<AppState>) -> Html<String> {
    Html(render(&state.openapi_json))
}

/// The browsable API page, rendered from the OpenAPI document.
fn render(openapi_json: &str) -> String {
    let document: serde_json::Value = serde_json::from_str(openapi_json).unwrap_or_default();
    let mut sections = String::new();
    if let Some(paths) = document["paths"].as_object() {
        for (path, item) in paths {
            let Some(operations) = item.as_object() else {
                continue;
            };
            for (method, operation) in operations {
                let summary = operation["summary"].as_str().or(operation["description"].as_str()).unwrap_or("");
                let tag = operation["tags"][0].as_str().unwrap_or("");
                let secured = operation.get("security").is_some();
                let mut params = String::new();
                for parameter in operation["parameters"].as_array().into_iter().flatten() {
                    params.push_str(&format!(
                        "<li><code>{}</code> ({}) {}</li>",
                        esc(parameter["name"].as_str().unwrap_or("")),
                        esc(parameter["in"].as_str().unwrap_or("")),
                        esc(parameter["description"].as_str().unwrap_or(""))
                    ));
                }
                let body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .map(|r| format!("<p>Body: <code>{}</code></p>", esc(r.rsplit('/').next().unwrap_or(r))))
                    .unwrap_or_default();
                let statuses: Vec<String> =
                    operation["responses"].as_object().map(|r| r.keys().map(|k| esc(k)).collect()).unwrap_or_default();
                sections.push_str(&format!(
                    r#"<section class="card"><h2><span class="method">{}</span> <code>{}</code></h2><p>{}</p><p class="meta">{}{} · responses {}</p>{}{}</section>"#,
                    esc(&method.to_uppercase()),
                    esc(path),
                    esc(summary),
                    esc(tag),
                    if secured { " · requires a bearer token" } else { " · public" },
                    statuses.join(", "),
                    if params.is_empty() { String::new() } else { format!("<ul>{params}</ul>") },
                    body
                ));
            }
        }
    }
    let body = format!(
        r#"<p>{}</p><p>The machine-readable document: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI {}).</p>{sections}"#,
        esc(document["info"]["description"].as_str().unwrap_or("")),
        esc(document["openapi"].as_str().unwrap_or("?"))
    );
    frame("socred API", None, &Flash::default(), &body).0
}
