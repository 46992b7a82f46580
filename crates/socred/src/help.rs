//! The command line's own words in the reader's language: every command's
//! and flag's help (`locales/*/help.ftl`, one message per command and flag,
//! the English file written from the doc comments of `cli.rs` and held equal
//! to them by a test), clap's headings and built-in flags, and its refusals
//! of a command line (an unknown flag, a value out of range) said again in
//! Chinese. English output is clap's own.

use clap::Command;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use socred_i18n::{Argument, Language};

use crate::render::{text, with};

/// The message id of a command (`path` its subcommand names below `socred`)
/// or, with `arg`, of one of its flags. Fluent ids allow letters, digits,
/// `-` and `_`: subcommand names are joined by `__`, a flag follows `--`.
pub fn message_id(path: &[&str], arg: Option<&str>) -> String {
    let mut id = String::from("help");
    for part in path {
        id.push_str("__");
        id.push_str(part);
    }
    if let Some(arg) = arg {
        id.push_str("--");
        id.push_str(arg);
    }
    id
}

/// `--lang` as the command line gives it (`--lang X` or `--lang=X`), else
/// `SOCRED_LANG`: read before clap parses, which then refuses a bad value.
pub fn language_asked(arguments: impl Iterator<Item = std::ffi::OsString>) -> Option<Language> {
    let arguments: Vec<String> = arguments.skip(1).map(|argument| argument.to_string_lossy().into_owned()).collect();
    let given = arguments.iter().take_while(|argument| *argument != "--").enumerate().find_map(|(index, argument)| {
        match argument.strip_prefix("--lang") {
            Some("") => arguments.get(index + 1).cloned(),
            Some(rest) => rest.strip_prefix('=').map(str::to_string),
            None => None,
        }
    });
    given.or_else(|| std::env::var("SOCRED_LANG").ok()).and_then(|tag| Language::from_tag(&tag))
}

/// The command line in `language`: for English clap's own words; for
/// Chinese every help, heading and built-in flag from the message files.
pub fn command(language: Language) -> Command {
    let command = <crate::cli::Cli as clap::CommandFactory>::command();
    if language == Language::English {
        return command;
    }
    let mut command = command;
    // Built, so that clap's own help and version flags and help subcommand exist to be said.
    command.build();
    localise(command, &mut Vec::new(), language)
}

fn localise(mut command: Command, path: &mut Vec<String>, language: Language) -> Command {
    let names: Vec<&str> = path.iter().map(String::as_str).collect();
    let message = |names: &[&str], arg: Option<&str>| -> Option<(String, Option<String>)> {
        let id = message_id(names, arg);
        let short = language.optional_text(&id)?;
        Some((short, language.attribute(&id, "long")))
    };
    if let Some((about, long)) = message(&names, None) {
        command = command.about(about.clone()).long_about(long.unwrap_or(about));
    }
    let arguments: Vec<(String, bool, bool, String)> = command
        .get_arguments()
        .map(|arg| {
            let id = arg.get_id().as_str();
            let owner: &[&str] = if arg.is_global_set() { &[] } else { &names };
            (id.to_string(), arg.is_positional(), arg.is_global_set(), annotations(arg, &message_id(owner, Some(id)), language))
        })
        .collect();
    for (id, positional, global, annotations) in arguments {
        let heading = if positional { text_of(language, "cli-help-arguments") } else { text_of(language, "cli-help-options") };
        let own = match id.as_str() {
            "help" => Some((text_of(language, "cli-help-flag"), None)),
            "version" => Some((text_of(language, "cli-help-version-flag"), None)),
            // A global flag is said where it is declared, at the top.
            _ if global => message(&[], Some(&id)),
            _ => message(&names, Some(&id)),
        };
        command = command.mut_arg(&id, |arg| {
            // clap writes its notes ([env: …], [default: …], [possible values: …]) in English: they are said here instead.
            let arg = arg.help_heading(heading).hide_env(true).hide_default_value(true).hide_possible_values(true);
            let (help, long) = match own {
                Some((help, long)) => (help.clone(), long.unwrap_or(help)),
                None => (String::new(), String::new()),
            };
            if help.is_empty() && annotations.is_empty() {
                return arg;
            }
            let joined = |text: String| if text.is_empty() { annotations.clone() } else { format!("{text}{annotations}") };
            arg.help(joined(help)).long_help(joined(long))
        });
    }
    let subcommands: Vec<String> = command.get_subcommands().map(|subcommand| subcommand.get_name().to_string()).collect();
    for name in subcommands {
        path.push(name.clone());
        command = command.mut_subcommand(&name, |subcommand| {
            if name == "help" && subcommand.get_about().is_some_and(|about| about.to_string().starts_with("Print this message")) {
                subcommand.about(text_of(language, "cli-help-subcommand"))
            } else {
                localise(subcommand, path, language)
            }
        });
        path.pop();
    }
    command
        .subcommand_help_heading(text_of(language, "cli-help-commands"))
        .help_template(format!("{{about-with-newline}}\n{}{{usage}}\n\n{{all-args}}{{after-help}}", text_of(language, "cli-help-usage")))
}

/// What clap notes after a flag's help (its environment variable, default
/// and possible values, with what each means where the values say), in
/// `language`; `id` is the flag's message id.
fn annotations(arg: &clap::Arg, id: &str, language: Language) -> String {
    let mut notes = Vec::new();
    if let Some(variable) = arg.get_env().filter(|_| !arg.is_hide_env_set()) {
        notes.push(language.text_with("cli-help-env", &[("variable", Argument::Text(variable.to_string_lossy().into_owned()))]));
    }
    let defaults: Vec<String> = arg.get_default_values().iter().map(|value| value.to_string_lossy().into_owned()).collect();
    if !defaults.is_empty() && !arg.is_hide_default_value_set() && arg.get_num_args().is_none_or(|count| count.takes_values()) {
        notes.push(language.text_with("cli-help-default", &[("value", Argument::Text(defaults.join(" ")))]));
    }
    let possible: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|value| !value.is_hide_set())
        .map(|value| match language.optional_text(&format!("{id}--{}", value.get_name())) {
            Some(meaning) => language.text_with(
                "cli-help-possible-value",
                &[("value", Argument::Text(value.get_name().to_string())), ("meaning", Argument::Text(meaning))],
            ),
            None => value.get_name().to_string(),
        })
        .collect();
    if !possible.is_empty() && !arg.is_hide_possible_values_set() && arg.get_action().takes_values() {
        notes.push(language.text_with("cli-help-possible", &[("values", Argument::Text(possible.join(", ")))]));
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!("{}{}", language.text("cli-help-notes-lead"), notes.join(language.text("cli-help-notes-separator").as_str()))
    }
}

fn text_of(language: Language, id: &str) -> String {
    language.optional_text(id).unwrap_or_else(|| panic!("message {id} is in every language"))
}

/// clap's refusal of a command line, in the output's language: clap's own
/// words in English; in Chinese what was wrong, with which flag and value,
/// then the usage line.
pub fn refusal_words(error: &clap::Error, language: Language) -> Option<String> {
    if language == Language::English {
        return None;
    }
    let context = |kind: ContextKind| -> Option<String> {
        error.get(kind).map(|value| match value {
            ContextValue::String(value) => value.clone(),
            ContextValue::Strings(values) => values.join(", "),
            ContextValue::StyledStr(value) => value.to_string(),
            ContextValue::StyledStrs(values) => values.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            ContextValue::Number(number) => number.to_string(),
            ContextValue::Bool(flag) => flag.to_string(),
            ContextValue::None => String::new(),
            _ => String::new(),
        })
    };
    let arg = context(ContextKind::InvalidArg).unwrap_or_default();
    let value = context(ContextKind::InvalidValue).unwrap_or_default();
    let suggestion = context(ContextKind::SuggestedArg)
        .or_else(|| context(ContextKind::SuggestedSubcommand))
        .or_else(|| context(ContextKind::SuggestedValue))
        .filter(|suggestion| !suggestion.is_empty());
    let mut words = match error.kind() {
        // clap names the valid values (an empty list when any will do) also when none was given.
        ErrorKind::InvalidValue if value.is_empty() => with("cli-usage-missing-value", &[("flag", text(&arg))]),
        ErrorKind::InvalidValue => match context(ContextKind::ValidValue).filter(|valid| !valid.is_empty()) {
            Some(valid) => with("cli-usage-invalid-choice", &[("flag", text(&arg)), ("value", text(&value)), ("valid", text(valid))]),
            None => with("cli-usage-invalid-value", &[("flag", text(&arg)), ("value", text(&value)), ("reason", text(""))]),
        },
        ErrorKind::ValueValidation => {
            let reason = std::error::Error::source(error).map(|source| reason_words(&source.to_string())).unwrap_or_default();
            with("cli-usage-invalid-value", &[("flag", text(&arg)), ("value", text(&value)), ("reason", text(reason))])
        }
        ErrorKind::UnknownArgument => with("cli-usage-unknown-flag", &[("flag", text(&arg))]),
        ErrorKind::InvalidSubcommand => {
            with("cli-usage-unknown-command", &[("command", text(context(ContextKind::InvalidSubcommand).unwrap_or_default()))])
        }
        ErrorKind::MissingRequiredArgument => with("cli-usage-missing", &[("flags", text(&arg))]),
        ErrorKind::MissingSubcommand => with("cli-usage-missing-command", &[]),
        ErrorKind::ArgumentConflict => {
            let other = context(ContextKind::PriorArg).unwrap_or_default();
            if other == arg || other.is_empty() {
                with("cli-usage-given-twice", &[("flag", text(&arg))])
            } else {
                with("cli-usage-conflict", &[("flag", text(&arg)), ("other", text(other))])
            }
        }
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            with("cli-usage-value-count", &[("flag", text(&arg))])
        }
        ErrorKind::InvalidUtf8 => with("cli-usage-not-utf8", &[]),
        _ => return None,
    };
    if let Some(suggestion) = suggestion {
        words.push_str(&with("cli-usage-suggestion", &[("suggestion", text(suggestion))]));
    }
    let usage = context(ContextKind::Usage).map(|usage| usage.trim_start_matches("Usage:").trim().to_string());
    let mut out = with("cli-error", &[("error", text(words))]);
    if let Some(usage) = usage {
        out.push_str(&format!("\n\n{}{usage}", text_of(language, "cli-help-usage")));
    }
    out.push('\n');
    out.push_str(&with("cli-usage-more", &[]));
    Some(out)
}

/// A value parser's reason in the output's language, for the parsers the
/// command line uses: clap's ranges and integers, and the ones of `render`.
fn reason_words(reason: &str) -> String {
    if let Some((value, range)) = reason.split_once(" is not in ")
        && let Some((low, high)) = range.split_once("..=")
    {
        return with("cli-usage-out-of-range", &[("value", text(value)), ("low", text(low)), ("high", text(high))]);
    }
    match reason {
        "invalid digit found in string" | "cannot parse integer from empty string" => with("cli-usage-not-integer", &[]),
        "number too large to fit in target type" | "number too small to fit in target type" => with("cli-usage-too-large", &[]),
        "invalid float literal" | "cannot parse float from empty string" => with("cli-usage-not-number", &[]),
        "invalid socket address syntax" => with("cli-usage-not-address", &[]),
        "invalid IP address syntax" => with("cli-usage-not-ip-address", &[]),
        // The parsers of `render` and `cli` say theirs in the reader's language already.
        _ => reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Arg;

    /// Arguments clap adds itself: their help is the heading messages', not a doc comment's.
    fn built_in(arg: &Arg) -> bool {
        matches!(arg.get_id().as_str(), "help" | "version")
    }

    /// Every command and flag that carries help, with its id, short help and long help (when it has one).
    fn entries(command: &Command) -> Vec<(String, String, Option<String>)> {
        fn walk(command: &Command, path: &mut Vec<String>, out: &mut Vec<(String, String, Option<String>)>) {
            let names: Vec<&str> = path.iter().map(String::as_str).collect();
            if let Some(about) = command.get_about() {
                out.push((message_id(&names, None), about.to_string(), command.get_long_about().map(ToString::to_string)));
            }
            for arg in command.get_arguments() {
                // A global flag is said once, where it is declared.
                if built_in(arg) || (arg.is_global_set() && !path.is_empty()) {
                    continue;
                }
                let id = message_id(&names, Some(arg.get_id().as_str()));
                if let Some(help) = arg.get_help() {
                    out.push((id.clone(), help.to_string(), arg.get_long_help().map(ToString::to_string)));
                }
                // What each of its values means, where the values say.
                for value in arg.get_possible_values() {
                    if let Some(help) = value.get_help() {
                        out.push((format!("{id}--{}", value.get_name()), help.to_string(), None));
                    }
                }
            }
            for subcommand in command.get_subcommands() {
                path.push(subcommand.get_name().to_string());
                walk(subcommand, path, out);
                path.pop();
            }
        }
        let mut out = Vec::new();
        walk(command, &mut Vec::new(), &mut out);
        out
    }

    /// The English file, as the doc comments of `cli.rs` write it.
    fn english_file() -> String {
        let mut out = String::from(
            "# The command line's help: one message per command and flag, its value the short help and\n\
             # `.long` the long one where it has one. Written from the doc comments of crates/socred/src/cli.rs\n\
             # (SOCRED_WRITE_HELP=1 cargo test -p socred --bin socred help::); a test holds the two equal.\n",
        );
        for (id, short, long) in entries(&command(Language::English)) {
            out.push('\n');
            out.push_str(&format!("{id} ={}\n", pattern(&short)));
            if let Some(long) = long.filter(|long| *long != short) {
                out.push_str(&format!("    .long ={}\n", pattern(&long)));
            }
        }
        out
    }

    /// A text as a Fluent pattern: on lines of its own, indented, braces and
    /// the characters a line may not start with quoted.
    fn pattern(text: &str) -> String {
        let mut out = String::new();
        for line in text.lines() {
            out.push('\n');
            if line.is_empty() {
                continue;
            }
            out.push_str("    ");
            let quoted = line.replace('{', "{\"{\"}").replace('}', "{\"}\"}").replace("{\"{\"{\"}\"}\"}", "{\"{\"}");
            if quoted.starts_with(['[', '*', '.']) {
                out.push_str("{\"\"}");
            }
            out.push_str(&quoted);
        }
        out
    }

    #[test]
    fn the_english_help_file_is_the_doc_comments() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../locales/en/help.ftl");
        let expected = english_file();
        if std::env::var_os("SOCRED_WRITE_HELP").is_some() {
            std::fs::write(path, &expected).unwrap();
        }
        let held = std::fs::read_to_string(path).unwrap_or_default();
        assert!(held == expected, "locales/en/help.ftl differs from cli.rs: SOCRED_WRITE_HELP=1 cargo test -p socred --bin socred help::");
        // And what Fluent gives back from it is clap's text, in every line.
        for (id, short, long) in entries(&command(Language::English)) {
            assert_eq!(Language::English.optional_text(&id).as_deref(), Some(short.as_str()), "{id}");
            if let Some(long) = long.filter(|long| *long != short) {
                assert_eq!(Language::English.attribute(&id, "long").as_deref(), Some(long.as_str()), "{id}.long");
            }
        }
    }

    #[test]
    fn every_command_and_flag_has_chinese_help() {
        let mut missing = Vec::new();
        for (id, _, long) in entries(&command(Language::English)) {
            match Language::Chinese.optional_text(&id) {
                Some(words) if words.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) => {}
                _ => missing.push(id.clone()),
            }
            if long.is_some() && Language::English.attribute(&id, "long").is_some() && Language::Chinese.attribute(&id, "long").is_none() {
                missing.push(format!("{id}.long"));
            }
        }
        assert!(missing.is_empty(), "without Chinese help: {missing:?}");
    }

    #[test]
    fn the_chinese_command_line_builds_and_says_its_headings() {
        let mut command = command(Language::Chinese);
        command.clone().debug_assert();
        let help = command.render_help().to_string();
        assert!(help.contains(&text_of(Language::Chinese, "cli-help-usage")), "{help}");
        assert!(help.contains(&text_of(Language::Chinese, "cli-help-commands")), "{help}");
        assert!(!help.contains("Print help") && !help.contains("Usage:") && !help.contains("Options:"), "{help}");
    }
}
