//! The public lists page: counts that match the store, paging, one row per
//! subject and list, a CSV export safe to open in a spreadsheet.

use crate::common;

use common::{Backend, TestServer};
use socred_core::record::{Record, RecordId};
use socred_core::{SubjectId, parse_date};
use socred_store::backend::LedgerStore;
use socred_store::{Actor, NewSubject, PgStore, Store};

/// 205 judgment defaulters recorded on 10 January 2025, one of them twice and
/// one named like a spreadsheet formula; with the setup's own, 207 entries.
fn populate(db: &std::path::Path) {
    match db.to_str().filter(|db| socred_store::is_postgres_url(db)) {
        Some(url) => populate_into(&mut PgStore::open(url).unwrap()),
        None => populate_into(&mut Store::open(db).unwrap()),
    }
}

fn populate_into(store: &mut impl LedgerStore) {
    let day = parse_date("2025-01-10").unwrap();
    let officer = Actor::replayed("officer", day).unwrap();
    for sequence in 0..205u16 {
        let id = SubjectId::Person(socred_core::id::synthetic_person(350102, parse_date("1980-01-01").unwrap(), sequence));
        let name = match sequence {
            0 => "Twice Defaulted".to_string(),
            1 => "=HYPERLINK(\"http://evil\")".to_string(),
            _ => format!("Defaulter {sequence:03}"),
        };
        store.add_subject(&NewSubject { id, name, guardians: vec![], represents: vec![] }, &officer).unwrap();
        let judgments = if sequence == 0 { 2 } else { 1 };
        for judgment in 0..judgments {
            let record = Record {
                id: RecordId::parse(&format!("jd-{sequence}-{judgment}")).unwrap(),
                subject: id,
                behaviour: "judgment-default".into(),
                occurred_on: day,
                source: "Intermediate People's Court".into(),
                evidence: None,
            };
            store.add_record(&record, &officer).unwrap();
        }
    }
}

async fn the_public_lists_count_page_group_and_export_what_the_store_holds(backend: Backend) {
    let mut server = TestServer::start_on(backend).await;
    server.stop().await;
    let db = server.db.clone();
    tokio::task::spawn_blocking(move || populate(&db)).await.unwrap();
    server.restart_on("2025-06-01").await;
    let get = |path: &str| {
        let request = server.client.get(server.url(path));
        async move { request.send().await.unwrap() }
    };

    let first = get("/lists").await.text().await.unwrap();
    assert!(first.contains("Entries 1–200 of 207 published on 2025-06-01"), "{first}");
    assert!(first.contains("href=\"/lists?page=2\"") && first.contains("Page 1 of 2"), "{first}");
    assert!(!first.contains("rel=\"prev\""));
    assert!(first.contains("<tr class=\"blacklist\">"), "a blacklist row is styled as one");
    let second = get("/lists?page=2").await.text().await.unwrap();
    assert!(second.contains("Entries 201–207 of 207") && second.contains("rel=\"prev\""), "{second}");
    // One row per subject and list, though the subject has two entries on it.
    let twice = get("/lists?q=Twice").await.text().await.unwrap();
    assert!(twice.contains("Entries 1–2 of 2"), "{twice}");
    assert_eq!(twice.matches("<td>Twice Defaulted</td>").count(), 1, "{twice}");
    // A page number that is not one is refused by name, and the first page shown.
    for garbage in ["0", "abc", "5001", "-1", "99999999999"] {
        let page = get(&format!("/lists?page={garbage}")).await.text().await.unwrap();
        assert!(page.contains("page") && page.contains("from 1 to 5000"), "{garbage}: {page}");
        assert!(page.contains("Entries 1–200 of 207"), "{garbage}");
    }

    // Filters by region (the identifier's) and by authority, kept by the
    // pager and the export links, and combined.
    let fujian = get("/lists?region=35").await.text().await.unwrap();
    assert!(fujian.contains("Entries 1–200 of 206"), "{fujian}");
    assert!(fujian.contains("<option value=\"35\" selected>Fujian</option>"), "{fujian}");
    assert!(fujian.contains("href=\"/lists?region=35&amp;page=2\""), "the pager keeps the filter: {fujian}");
    assert!(fujian.contains("href=\"/lists/export.csv?region=35\""), "{fujian}");
    assert!(get("/lists?region=3501").await.text().await.unwrap().contains("of 206"));
    assert!(get("/lists?region=44").await.text().await.unwrap().contains("No published entries match"));
    let court = get("/lists?authority=Intermediate+People%27s+Court&region=35").await.text().await.unwrap();
    assert!(court.contains("of 206"), "{court}");
    assert!(get("/lists?authority=Nobody%27s+Court").await.text().await.unwrap().contains("No published entries match"));
    assert!(
        get("/lists?authority=Intermediate+People%27s+Court&region=44").await.text().await.unwrap().contains("No published entries match")
    );
    // The refusal names the field and the reason, in the flash message.
    let refusal = |page: &str| -> String {
        let flash = page.split("class=\"flash error\"").nth(1).unwrap_or_else(|| panic!("no refusal shown: {page}"));
        flash[..flash.find("</").unwrap()].to_string()
    };
    for garbage in ["99", "3", "350102", "350x", "3501021980", "%E7%A6%8F%E5%BB%BA"] {
        let page = get(&format!("/lists?region={garbage}")).await.text().await.unwrap();
        let flash = refusal(&page);
        assert!(flash.contains("region") && flash.contains("province"), "{garbage}: {flash}");
        assert_eq!(get(&format!("/lists/export.csv?region={garbage}")).await.status(), 422, "{garbage}");
    }
    let chinese =
        server.client.get(server.url("/lists?region=35")).header("accept-language", "zh-CN").send().await.unwrap().text().await.unwrap();
    assert!(chinese.contains("<option value=\"35\" selected>福建省</option>"), "{chinese}");
    // A refused filter reads in Chinese too.
    let refused =
        server.client.get(server.url("/lists?region=99")).header("accept-language", "zh-CN").send().await.unwrap().text().await.unwrap();
    let flash = refusal(&refused);
    assert!(flash.contains("地区") && flash.contains("省级") && !flash.contains("province"), "{flash}");
    let (status, api) = server.call(None, "GET", "/api/v1/lists/public?region=35&limit=1000", None).await;
    assert_eq!((status, api.as_array().unwrap().len()), (200, 206), "the API filters alike");
    let exported = get("/lists/export.csv?region=35").await.text().await.unwrap();
    assert_eq!(exported.split("\r\n").filter(|line| !line.is_empty()).count(), 1 + 206);

    let export = get("/lists/export.csv").await;
    assert_eq!(export.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(export.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let csv = export.text().await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|line| !line.is_empty()).collect();
    assert_eq!(lines[0], "entry,list,list_title,name,masked_id,authority,legal_basis,listed_since,listed_until");
    assert_eq!(lines.len(), 1 + 207, "every published entry");
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""), "a name never runs as a formula");
    assert!(!csv.contains("35010219800101"), "no full identity number: only masked ids");
    let searched = get("/lists/export.csv?q=Twice").await.text().await.unwrap();
    assert_eq!(searched.split("\r\n").filter(|line| !line.is_empty()).count(), 3);
    assert_eq!(get("/lists/export.csv?q=350102198001010011").await.status(), 422, "a full number is not searched");
}

on_both_backends!(the_public_lists_count_page_group_and_export_what_the_store_holds);
