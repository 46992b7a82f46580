//! The access log's words in a reader's language. A staff read stores its
//! purpose and what was read as English text (the log's, and the API's,
//! words); what socred itself wrote there — the fixed purposes and reads of
//! its pages, commands and routes, and the few it writes with a value
//! (`list entry E`, `notice E`, `report R`, …) — a subject reads in their
//! language. A purpose an officer typed is shown as written.

use crate::{Argument, Language};

/// The texts socred writes whole, with their message ids.
const FIXED: &[(&str, &str)] = &[
    ("not stated", "access-not-stated"),
    ("officer console", "access-officer-console"),
    ("officer console search", "access-officer-console-search"),
    ("inclusion proof", "access-inclusion-proof"),
    ("audit entry", "access-audit-entry"),
    ("annual expectation report", "access-annual-report"),
    ("annual expectation report (CSV)", "access-annual-report-csv"),
    ("net points of a year", "access-net-points-of-a-year"),
    ("report queue", "access-report-queue"),
    ("report review", "access-report-review"),
    ("public report", "access-public-report"),
    ("public report or pending record", "access-public-report-or-pending"),
    ("reviewers' queue", "access-reviewers-queue"),
    ("pending case", "access-pending-case"),
    ("pending partner records", "access-pending-partner-records"),
    ("pending record", "access-pending-record"),
    ("subject search", "access-subject-search"),
    ("search result (id and name)", "access-search-result"),
    ("account administration", "access-account-administration"),
    ("the accounts that name you", "access-accounts-that-name-you"),
    ("commercial score, with the subject's consent", "access-score-with-consent"),
    ("commercial-score", "access-commercial-score"),
    ("reproducing an earlier decision", "access-reproducing-decision"),
    ("assessment", "access-assessment"),
    ("explanation", "access-explanation"),
    ("file", "access-file"),
    ("timeline", "access-timeline"),
    ("subject", "access-subject"),
    ("e-mail-ready texts", "access-mail"),
];

/// Texts socred writes around one value: the prefix, the message id and its variable.
const WITH_VALUE: &[(&str, &str, &str)] = &[
    ("list entry ", "access-list-entry", "entry"),
    ("notice ", "access-notice", "entry"),
    ("report ", "access-report", "report"),
    ("net points of ", "access-net-points-of", "year"),
    ("decision for ", "access-decision-for", "service"),
];

/// A purpose or a read of the access log, as `language` reads it.
pub fn text(language: Language, stored: &str) -> String {
    if language == Language::English {
        return stored.to_string();
    }
    if let Some((_, id)) = FIXED.iter().find(|(english, _)| *english == stored) {
        return language.text(id);
    }
    for (prefix, id, variable) in WITH_VALUE {
        if let Some(value) = stored.strip_prefix(prefix).filter(|value| !value.is_empty() && !value.contains(' ')) {
            return language.text_with(id, &[(variable, Argument::Text(value.to_string()))]);
        }
    }
    // An account made for the person: "created the ROLE account USERNAME that names you".
    if let Some((role, username)) = stored
        .strip_prefix("created the ")
        .and_then(|rest| rest.strip_suffix(" that names you"))
        .and_then(|rest| rest.split_once(" account "))
        .filter(|(role, username)| !role.contains(' ') && !username.contains(' '))
    {
        let role = Argument::Message(format!("role-{role}"));
        return language.text_with("access-account-created", &[("role", role), ("username", Argument::Text(username.to_string()))]);
    }
    stored.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn han(text: &str) -> bool {
        text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
    }

    #[test]
    fn what_socred_writes_reads_in_chinese_and_what_an_officer_typed_as_written() {
        let written: Vec<String> = FIXED
            .iter()
            .map(|(english, _)| english.to_string())
            .chain(WITH_VALUE.iter().map(|(prefix, _, _)| format!("{prefix}blacklist/tax-1")))
            .chain(["created the subject account citizen-1 that names you".to_string()])
            .collect();
        for stored in &written {
            assert_eq!(&text(Language::English, stored), stored);
            let chinese = text(Language::Chinese, stored);
            assert!(han(&chinese), "{stored}: {chinese}");
            assert!(!chinese.contains("role-"), "{chinese}");
        }
        assert_eq!(text(Language::Chinese, "notice blacklist/tax-1"), "告知书 blacklist/tax-1");
        assert_eq!(text(Language::Chinese, "created the officer account li-1 that names you"), "创建了指明您的执法人员账户 li-1");
        // An officer's own words stay theirs.
        assert_eq!(text(Language::Chinese, "checking a complaint of 3 May"), "checking a complaint of 3 May");
    }
}
