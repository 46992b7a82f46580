//! A rulebook's or a scorecard's problems in a reader's language: each
//! problem's reason is one message of `locales/*/problems.ftl`, typed by the
//! core's validator ([`ProblemMessage`]). The file, line and TOML key stay
//! as written, since they name what the author must change; the TOML
//! parser's own description of a syntax error stays in its English inside
//! the translated frame.

use socred_core::RulebookError;
use socred_core::rulebook::{ProblemArgument, ProblemMessage};

use crate::{Argument, Language};

/// One problem's reason in `language`.
pub fn reason(language: Language, message: &ProblemMessage) -> String {
    let arguments: Vec<(&str, Argument)> = message
        .arguments
        .iter()
        .map(|(name, value)| {
            let value = match value {
                ProblemArgument::Text(text) => text.clone(),
                ProblemArgument::Message(inner) => reason(language, inner),
            };
            (*name, Argument::Text(value))
        })
        .collect();
    language.text_with(message.template.id, &arguments)
}

/// Every problem, one a line, as `file:line: key: reason` (the English is the error's `Display`).
pub fn text(language: Language, error: &RulebookError) -> String {
    let lines: Vec<String> = error
        .problems
        .iter()
        .map(|problem| {
            let reason = reason(language, &problem.message);
            match problem.line {
                Some(line) => format!("{}:{line}: {}: {reason}", error.file, problem.key),
                None => format!("{}: {}: {reason}", error.file, problem.key),
            }
        })
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use socred_core::rulebook::reasons::{ALL, Template};
    use socred_core::{DEFAULT_RULEBOOK, Rulebook};

    use super::*;

    fn han(text: &str) -> bool {
        text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
    }

    /// The English message is the core's own pattern, variable for variable;
    /// the Chinese one holds every variable and reads in Chinese characters.
    #[test]
    fn every_problem_message_reads_as_the_core_writes_it_and_in_chinese() {
        for template in ALL {
            let names: Vec<&str> = template.placeholders().collect();
            let arguments: Vec<(&str, Argument)> = names.iter().map(|name| (*name, Argument::Text(format!("{{{name}}}")))).collect();
            assert_eq!(Language::English.text_with(template.id, &arguments), template.english, "{}", template.id);
            let chinese = Language::Chinese.text_with(template.id, &arguments);
            assert!(han(&chinese), "{}: {chinese}", template.id);
            for name in &names {
                assert!(chinese.contains(&format!("{{{name}}}")), "{}: {chinese} lacks {name}", template.id);
            }
        }
    }

    /// No message of problems.ftl is left without a template that says it.
    #[test]
    fn every_problem_message_is_a_template() {
        for (language, files) in crate::SOURCES {
            let (_, source) = files.iter().find(|(name, _)| name.ends_with("/problems.ftl")).expect("problems.ftl");
            for line in source.lines().filter(|line| line.starts_with("problem-")) {
                let id = line.split(" =").next().unwrap();
                assert!(ALL.iter().any(|template: &Template| template.id == id), "{language:?}: {id} is no template");
            }
        }
    }

    #[test]
    fn a_refused_rulebook_reads_in_the_readers_language() {
        let broken = DEFAULT_RULEBOOK.replacen("base_score = 1000", "base_score = -5", 1).replacen(
            "category = \"judicial\"",
            "category = \"religion\"",
            1,
        );
        let error = Rulebook::from_toml(&broken, "proposed.toml").unwrap_err();
        assert!(error.problems.len() >= 2, "{error}");
        assert_eq!(text(Language::English, &error), error.to_string());
        let chinese = text(Language::Chinese, &error);
        assert!(chinese.contains("proposed.toml:") && chinese.contains("scoring.base_score: 必须在 0 到"), "{chinese}");
        assert!(chinese.contains("宗教") && !chinese.contains("religion\" is refused"), "{chinese}");
        assert!(!chinese.contains("must"), "{chinese}");
    }
}
