//! The log over HTTP: a public signed checkpoint, proofs a subject downloads
//! for their own file and anyone checks, and nothing about another subject.

use crate::common;

use common::{Backend, OTHER, PERSON, TestServer, log_key};
use socred_auth::Role;
use socred_store::audit::InclusionProof;
use socred_store::audit::checkpoint::heads_of;

async fn the_checkpoint_is_public_signed_and_extended_by_later_writes(backend: Backend) {
    let server = TestServer::start_on(backend).await;
    let (status, note) = server.call(None, "GET", "/api/v1/log/checkpoint", None).await;
    assert_eq!(status, 200);
    let note = note.as_str().unwrap().to_string();
    let checkpoint = log_key().verifier().open(&note).unwrap();
    let (_, verifier) = server.call(None, "GET", "/api/v1/log/verifier-key", None).await;
    assert_eq!(verifier.as_str().unwrap().trim(), log_key().verifier().to_text());

    // A later write; the store proves it extends the checkpoint kept.
    let body = serde_json::json!({"subject": PERSON, "behaviour": "jaywalking", "at": "2025-01-02", "id": "later-1"});
    assert_eq!(server.call(Some(Role::Officer), "POST", "/api/v1/records", Some(body)).await.0, 201);
    let report = server.verify_against(Some(heads_of(&checkpoint).unwrap()));
    assert_eq!(report.consistent_with, Some(checkpoint.size));
    assert!(report.entries > checkpoint.size);

    let page = server.client.get(server.url("/lists")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("The log&#39;s signed checkpoint") || page.contains("The log's signed checkpoint"), "the public page shows it");
}

async fn a_subject_proves_a_record_of_their_own_file_and_nothing_of_anyone_else(backend: Backend) {
    let server = TestServer::start_on(backend).await;
    let (status, proof) = server.call(Some(Role::Subject), "GET", "/api/v1/log/proof?record=tax-1", None).await;
    assert_eq!(status, 200, "{proof}");
    let parsed: InclusionProof = serde_json::from_value(proof.clone()).unwrap();
    assert_eq!(parsed.verify(&log_key().verifier()).unwrap().size, parsed.tree_size);

    let (status, check) = server.call(None, "POST", "/api/v1/log/proof/verify", Some(proof.clone())).await;
    assert_eq!((status, &check["valid"]), (200, &serde_json::json!(true)), "{check}");
    let mut forged = proof.clone();
    forged["section_rows"][0]["behaviour"] = "volunteering".into();
    let (status, check) = server.call(None, "POST", "/api/v1/log/proof/verify", Some(forged)).await;
    assert_eq!((status, &check["valid"]), (200, &serde_json::json!(false)), "{check}");

    // Another subject's record, and one that does not exist, answer the same.
    let body = serde_json::json!({"subject": OTHER, "behaviour": "jaywalking", "at": "2025-01-02", "id": "other-1"});
    assert_eq!(server.call(Some(Role::Officer), "POST", "/api/v1/records", Some(body)).await.0, 201);
    let (status, theirs) = server.call(Some(Role::Subject), "GET", "/api/v1/log/proof?record=other-1", None).await;
    let (missing_status, missing) = server.call(Some(Role::Subject), "GET", "/api/v1/log/proof?record=nothing-1", None).await;
    assert_eq!((status, missing_status), (404, 404));
    assert!(!theirs.to_string().contains(OTHER), "{theirs}");
    assert_eq!(theirs["error"]["message"], missing["error"]["message"]);

    // An auditor proves it; the subject shown has the read in their access log.
    let (status, _) = server.call(Some(Role::Auditor), "GET", "/api/v1/log/proof?record=other-1", None).await;
    assert_eq!(status, 200);
    let (_, file) = server.call(Some(Role::Admin), "GET", &format!("/api/v1/subjects/{OTHER}/file"), None).await;
    let accesses = file["accesses"].as_array().unwrap();
    assert!(accesses.iter().any(|a| a["purpose"] == "inclusion proof"), "{accesses:?}");
}

async fn proof_requests_with_garbage_are_refused_by_name(backend: Backend) {
    let server = TestServer::start_on(backend).await;
    for (query, field) in [("", "record"), ("?record=", "record"), ("?record=a&case=b", "record"), ("?case=x&event=", "event")] {
        let (status, body) = server.call(Some(Role::Subject), "GET", &format!("/api/v1/log/proof{query}"), None).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    let long = "x".repeat(300);
    let (status, _) = server.call(Some(Role::Subject), "GET", &format!("/api/v1/log/proof?record={long}"), None).await;
    assert_eq!(status, 422);
    let (status, _) = server.call(None, "POST", "/api/v1/log/proof/verify", Some(serde_json::json!({"format": 1}))).await;
    assert_eq!(status, 422);
}

on_both_backends!(
    the_checkpoint_is_public_signed_and_extended_by_later_writes,
    proof_requests_with_garbage_are_refused_by_name,
    a_subject_proves_a_record_of_their_own_file_and_nothing_of_anyone_else
);
