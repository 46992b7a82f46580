//! OpenAPI schemas of the identifier newtypes, which serialise as strings.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

fn string(description: &str, pattern: Option<&str>, example: &str) -> RefOr<Schema> {
    let mut builder = ObjectBuilder::new().schema_type(Type::String).description(Some(description)).examples([example]);
    if let Some(pattern) = pattern {
        builder = builder.pattern(Some(pattern));
    }
    RefOr::T(Schema::Object(builder.build()))
}

macro_rules! string_schema {
    ($type:ty, $description:expr, $pattern:expr, $example:expr) => {
        impl PartialSchema for $type {
            fn schema() -> RefOr<Schema> {
                string($description, $pattern, $example)
            }
        }
        impl ToSchema for $type {}
    };
}

string_schema!(
    crate::id::SubjectId,
    "A resident identity number (GB 11643) or a unified social credit code (GB 32100), 18 characters with a valid check character.",
    Some("^[0-9A-Z]{18}$"),
    "110101199003074514"
);
string_schema!(
    crate::record::RecordId,
    "A record id: client-supplied, or derived from the content (`r-` + 24 hex digits).",
    Some("^[A-Za-z0-9._:-]{1,64}$"),
    "tax-2025-0017"
);
string_schema!(crate::process::CaseId, "An appeal, dispute, repair or proposal id.", Some("^[A-Za-z0-9._:-]{1,64}$"), "a-1");
string_schema!(crate::process::EntryId, "A list entry id: LIST:RECORD, LIST@SUBJECT@TIER@DATE or LIST/CASE.", None, "blacklist:jd-1");

impl PartialSchema for crate::tier::Tier {
    fn schema() -> RefOr<Schema> {
        RefOr::T(Schema::Object(
            ObjectBuilder::new().schema_type(Type::Integer).description(Some("A tier's rank; 0 is the worst.")).build(),
        ))
    }
}
impl ToSchema for crate::tier::Tier {}
