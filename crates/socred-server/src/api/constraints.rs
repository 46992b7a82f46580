//! The bounds the handlers enforce, written into the OpenAPI document: the
//! shape of identifiers and dates, the length of texts, the range of pages.
//! utoipa derives types from the handlers; the edge's rules live in the
//! parsers (`SubjectId::parse`, `parse_date`, `check_text`, …) and are stated
//! here once, by parameter and property name, so that generated requests
//! (schemathesis in CI) reach the handlers instead of stopping at the edge.

use serde_json::{Value, json};

/// A person's resident identity number or an organisation's unified social credit code.
const SUBJECT: &str = "^([0-9]{17}[0-9Xx]|[0-9A-HJ-NP-RTUW-Y]{18})$";
/// Record, case and report ids.
const ID: &str = "^[A-Za-z0-9._:-]{1,64}$";
/// A list entry that names its record or its proposal.
const ENTRY: &str = "^[a-z0-9-]{1,32}[:/][A-Za-z0-9._:-]{1,64}$";
/// Rulebook codes: services, behaviours, lists.
const CODE: &str = "^[a-z0-9-]{1,64}$";
/// Dates within 1900-01-01 ..= 2999-12-31.
const DATE: &str = "^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$";
/// Text with something in it and no control characters.
const TEXT: &str = "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$";
const HASH: &str = "^[0-9a-f]{64}$";

fn date() -> Value {
    json!({"type": "string", "format": "date", "pattern": DATE, "examples": ["2025-01-21"]})
}

fn pattern(pattern: &str, max_length: u64) -> Value {
    let mut schema = json!({"type": "string", "pattern": pattern, "minLength": 1, "maxLength": max_length});
    // A check character is beyond a pattern: examples give generated requests valid identifiers.
    if pattern == SUBJECT {
        schema["examples"] = json!(["110101199003074514", "91350100M000100Y43"]);
    } else if pattern == ENTRY {
        schema["examples"] = json!(["blacklist:jd-1"]);
    }
    schema
}

fn text(max_length: u64) -> Value {
    pattern(TEXT, max_length)
}

/// The constraint of a query or path parameter, by where it appears.
fn parameter(path: &str, name: &str) -> Option<Value> {
    Some(match name {
        "as_of" | "known_on" | "from" | "to" => date(),
        "limit" => json!({"type": "integer", "minimum": 1, "maximum": super::MAX_PAGE}),
        "offset" => json!({"type": "integer", "minimum": 0, "maximum": 1_000_000_000u64}),
        "purpose" => text(500),
        "lang" => json!({"type": "string", "enum": ["en", "zh-CN"]}),
        "search" => text(128),
        "authority" => text(300),
        "region" => pattern("^([0-9]{2}|[0-9]{4})$", 4),
        "list" => pattern(CODE, 64),
        "subject" => pattern(SUBJECT, 18),
        "entry" => pattern(ENTRY, 160),
        "hash" => pattern(HASH, 64),
        "batch_id" => pattern(ID, 64),
        "id" if path.starts_with("/api/v1/subjects/") => pattern(SUBJECT, 18),
        "id" if path.starts_with("/api/v1/tokens/") => json!({"type": "integer", "minimum": 1}),
        "id" => pattern(ID, 64),
        _ => return None,
    })
}

/// The constraint of a request body's property, by name.
fn property(name: &str) -> Option<Value> {
    Some(match name {
        "subject" | "reporter" => pattern(SUBJECT, 18),
        "at" | "as_of" | "occurred_on" => date(),
        "record" | "appeal_id" | "dispute_id" | "repair_id" | "case_id" => pattern(ID, 64),
        "entry" => pattern(ENTRY, 160),
        "service" | "behaviour" | "list" => pattern(CODE, 64),
        "grounds" | "reasons" | "facts" | "legal_basis" | "description" | "commitment" => text(4000),
        "reason" => text(1024),
        "source" | "name" | "authority" | "label" => text(128),
        _ => return None,
    })
}

/// Bodies whose `id` property is a subject (registration) rather than a record or report id.
fn property_of(schema: &str, name: &str) -> Option<Value> {
    match (schema, name) {
        ("NewSubjectBody", "id") => Some(pattern(SUBJECT, 18)),
        (_, "id") => Some(pattern(ID, 64)),
        ("NewSubjectBody", "guardians" | "represents") => Some(json!({"type": "array", "maxItems": 64, "items": pattern(SUBJECT, 18)})),
        ("ReportBody", "evidence") => Some(json!({"type": "array", "maxItems": 16, "items": pattern(HASH, 64)})),
        ("RecordBody", "evidence") => Some(text(1024)),
        ("RepairBody", "evidence") => Some(text(4000)),
        ("NewAccountBody", "services") | ("NewAccountBody", "behaviours") => Some(json!({"type": "array", "items": pattern(CODE, 64)})),
        _ => property(name),
    }
}

/// Keeps `null` allowed where the derived schema allowed it (optional fields).
fn merge(target: &mut Value, constraint: Value) {
    let nullable = target.get("type").and_then(Value::as_array).is_some_and(|types| types.iter().any(|t| t == "null"));
    let mut constraint = constraint;
    if nullable && let Some(kind) = constraint.get("type").cloned() {
        constraint["type"] = json!([kind, "null"]);
    }
    if let (Some(target), Some(constraint)) = (target.as_object_mut(), constraint.as_object()) {
        for (key, value) in constraint {
            target.insert(key.clone(), value.clone());
        }
    }
}

/// Writes the edge's bounds into a generated OpenAPI document.
pub fn constrain(document: &mut Value) {
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, operations) in paths.iter_mut() {
            let Some(operations) = operations.as_object_mut() else { continue };
            for operation in operations.values_mut() {
                let Some(parameters) = operation.get_mut("parameters").and_then(Value::as_array_mut) else { continue };
                for parameter_value in parameters {
                    let Some(name) = parameter_value.get("name").and_then(Value::as_str).map(str::to_string) else { continue };
                    if let (Some(constraint), Some(schema)) = (parameter(path, &name), parameter_value.get_mut("schema")) {
                        merge(schema, constraint);
                    }
                }
            }
        }
    }
    if let Some(schemas) = document.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for (schema_name, schema) in schemas.iter_mut() {
            if !(schema_name.ends_with("Body") || schema_name.starts_with("DecisionBody")) || schema_name == "ErrorBody" {
                continue;
            }
            let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else { continue };
            for (name, property_schema) in properties.iter_mut() {
                if let Some(constraint) = property_of(schema_name, name) {
                    merge(property_schema, constraint);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_names_every_bound() {
        let (_, openapi) = crate::api::router();
        let mut document = serde_json::to_value(&openapi).unwrap();
        constrain(&mut document);
        let subject = &document["paths"]["/api/v1/subjects/{id}"]["get"]["parameters"];
        let id = subject.as_array().unwrap().iter().find(|p| p["name"] == "id").unwrap();
        assert_eq!(id["in"], "path");
        assert_eq!(id["schema"]["pattern"], SUBJECT);
        let as_of = subject.as_array().unwrap().iter().find(|p| p["name"] == "as_of").unwrap();
        assert_eq!(as_of["in"], "query", "query structs are documented as query parameters");
        assert_eq!(as_of["schema"]["format"], "date");
        assert_eq!(as_of["required"], false);
        let record = &document["components"]["schemas"]["RecordBody"]["properties"];
        assert_eq!(record["at"]["format"], "date");
        assert_eq!(record["subject"]["pattern"], SUBJECT);
        assert_eq!(document["components"]["schemas"]["NewSubjectBody"]["properties"]["id"]["pattern"], SUBJECT);
    }

    #[test]
    fn what_the_patterns_allow_the_parsers_take() {
        // Samples of the forms each pattern describes: the parsers accept them.
        assert!(socred_core::SubjectId::parse("110101199003074514").is_ok());
        assert!(socred_core::SubjectId::parse("91350100M000100Y43").is_ok());
        assert!(socred_core::parse_date("1900-01-01").is_ok() && socred_core::parse_date("2999-12-28").is_ok());
        assert!(socred_core::process::EntryId::parse("blacklist:jd-1").is_ok());
        assert!(socred_core::process::EntryId::parse("blacklist/p-1").is_ok());
    }
}
