//! The notice PDF read back the way a reader's tools read it: `pdftotext`
//! and `pdfinfo` from poppler-utils (which `scripts/test.sh` installs), so
//! the test fails if the text is not really there.

use std::process::Command;

use socred_i18n::document::{NoticeDocument, Section};

use super::*;
use crate::layout::break_lines;

fn fonts() -> Fonts {
    Fonts::discover(|_| None).expect("fonts for the PDF notice (scripts/test.sh installs fonts-dejavu-core and fonts-droid-fallback)")
}

fn english() -> NoticeDocument {
    NoticeDocument {
        title: "Notice of intended listing: List of Dishonest Judgment Defaulters".to_string(),
        particulars: vec![
            ("Case number".to_string(), "E-2026-000417".to_string()),
            ("To".to_string(), "Wang Fang (王芳), 110105198001011234, person".to_string()),
            ("Issued by".to_string(), "Beijing No. 1 Intermediate People's Court".to_string()),
            ("Served on".to_string(), "2 December 2026".to_string()),
        ],
        sections: vec![
            Section { heading: "1. Facts".to_string(), paragraphs: vec!["The judgment of 3 March 2026 was not performed. ".repeat(6)] },
            Section {
                heading: "4. How to appeal".to_string(),
                paragraphs: vec![
                    "You may appeal until 16 December 2026.".to_string(),
                    "On the portal at https://credit.example.gov.cn/me, or by post.".to_string(),
                ],
            },
        ],
    }
}

fn chinese() -> NoticeDocument {
    NoticeDocument {
        title: "拟列入失信被执行人名单告知书".to_string(),
        particulars: vec![
            ("案号".to_string(), "E-2026-000417".to_string()),
            ("当事人".to_string(), "王芳，110105198001011234，自然人".to_string()),
            ("作出机关".to_string(), "北京市第一中级人民法院".to_string()),
            ("送达日期".to_string(), "2026年12月2日".to_string()),
        ],
        sections: vec![
            Section {
                heading: "一、事实".to_string(),
                paragraphs: vec!["被执行人未履行2026年3月3日生效判决确定的给付义务，经强制执行仍未履行。".repeat(5)],
            },
            Section {
                heading: "四、申诉方式".to_string(), paragraphs: vec!["您可在2026年12月16日前提出申诉。".to_string()]
            },
        ],
    }
}

fn poppler(tool: &str, pdf: &[u8]) -> String {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("notice.pdf");
    std::fs::write(&path, pdf).unwrap();
    let mut command = Command::new(tool);
    if tool == "pdftotext" {
        command.args(["-layout", "-enc", "UTF-8"]).arg(&path).arg("-");
    } else {
        command.arg(&path);
    }
    let output = command.output().unwrap_or_else(|error| panic!("{tool} (poppler-utils, installed by scripts/test.sh): {error}"));
    assert!(output.status.success(), "{tool} refused the PDF: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

fn pages(pdf: &[u8]) -> usize {
    let info = poppler("pdfinfo", pdf);
    info.lines().find_map(|line| line.strip_prefix("Pages:")).map(|count| count.trim().parse().unwrap()).expect("pdfinfo gives the pages")
}

/// Extracted text without the layout's spaces and line ends, so a phrase
/// broken across lines is still found.
fn squeezed(text: &str) -> String {
    text.chars().filter(|character| !character.is_whitespace()).collect()
}

#[test]
fn the_english_notice_reads_back_with_its_case_number_and_deadline_on_one_page() {
    let pdf = notice_pdf(&english(), &fonts(), "en").unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = poppler("pdftotext", &pdf);
    for phrase in ["E-2026-000417", "You may appeal until 16 December 2026.", "Case number", "王芳"] {
        assert!(squeezed(&text).contains(&squeezed(phrase)), "{phrase:?} is not in the PDF's text:\n{text}");
    }
    assert_eq!(pages(&pdf), 1);
}

#[test]
fn the_chinese_notice_reads_back_in_han_characters() {
    let pdf = notice_pdf(&chinese(), &fonts(), "zh-CN").unwrap();
    let text = poppler("pdftotext", &pdf);
    for phrase in ["案号", "E-2026-000417", "您可在2026年12月16日前提出申诉。", "北京市第一中级人民法院"] {
        assert!(squeezed(&text).contains(phrase), "{phrase:?} is not in the PDF's text:\n{text}");
    }
    assert_eq!(pages(&pdf), 1);
}

#[test]
fn a_notice_too_long_for_one_page_runs_on_and_loses_nothing() {
    let mut document = english();
    let paragraph = "Every word of this paragraph must reach the reader. ".repeat(12);
    document.sections =
        (1..=30).map(|number| Section { heading: format!("{number}. Part"), paragraphs: vec![paragraph.clone()] }).collect();
    document.sections[29].paragraphs.push("The last line: appeal until 16 December 2026.".to_string());
    let pdf = notice_pdf(&document, &fonts(), "en").unwrap();
    assert!(pages(&pdf) > 1);
    let text = squeezed(&poppler("pdftotext", &pdf));
    assert_eq!(text.matches(&squeezed(&paragraph)).count(), 30, "every paragraph whole, in order");
    assert!(text.contains(&squeezed("The last line: appeal until 16 December 2026.")));
}

#[test]
fn lines_break_at_spaces_in_english_and_never_before_closing_punctuation_in_chinese() {
    let fonts = fonts();
    let english = break_lines(&fonts, "one two three four five six seven eight nine ten", 10.0, Weight::Regular, 60.0);
    assert!(english.len() > 1);
    assert!(english.iter().all(|line| !line.starts_with(' ') && !line.ends_with(' ')));
    assert_eq!(english.join(" "), "one two three four five six seven eight nine ten");
    for width in [40.0, 55.0, 70.0, 85.0, 100.0] {
        let chinese =
            break_lines(&fonts, "您可在二〇二六年十二月十六日前，通过门户网站或者邮寄书面材料，提出申诉。", 10.0, Weight::Regular, width);
        assert!(chinese.len() > 1);
        assert!(chinese.iter().all(|line| !line.starts_with(['，', '。'])), "{chinese:?}");
        let quoted = break_lines(
            &fonts,
            "依据《中华人民共和国民事诉讼法》和《最高人民法院关于公布失信被执行人名单信息的若干规定》",
            10.0,
            Weight::Regular,
            width,
        );
        assert!(quoted.iter().all(|line| !line.ends_with('《') && !line.starts_with('》')), "{quoted:?}");
        assert!(chinese.iter().all(|line| fonts.width(line, 10.0, Weight::Regular) <= width || line.chars().count() <= 2), "{chinese:?}");
        assert_eq!(chinese.concat(), "您可在二〇二六年十二月十六日前，通过门户网站或者邮寄书面材料，提出申诉。");
    }
    // A word wider than the line is cut, not dropped.
    let long = break_lines(&fonts, "https://credit.example.gov.cn/me/notices/E-2026-000417", 10.0, Weight::Regular, 80.0);
    assert_eq!(long.concat(), "https://credit.example.gov.cn/me/notices/E-2026-000417");
}

#[test]
fn fonts_named_in_the_environment_are_used_or_refused_with_the_reason() {
    let missing = Fonts::discover(|variable| (variable == "SOCRED_FONT_HAN").then(|| "/nonexistent/font.ttf".to_string()));
    let message = missing.err().expect("a missing font is refused").to_string();
    assert!(message.contains("/nonexistent/font.ttf"), "{message}");
    // A Latin face named as the Han face has no Han characters.
    let latin = LATIN_FONTS[0].0.to_string();
    let wrong = Fonts::discover(|variable| (variable == "SOCRED_FONT_HAN").then(|| latin.clone()));
    assert!(wrong.err().expect("refused").to_string().contains("no Han characters"));
    // Not a font at all.
    let directory = tempfile::tempdir().unwrap();
    let garbage = directory.path().join("garbage.ttf");
    std::fs::write(&garbage, b"not a font").unwrap();
    let named = garbage.display().to_string();
    let refused = Fonts::discover(|variable| (variable == "SOCRED_FONT_LATIN").then(|| named.clone()));
    assert!(refused.err().expect("refused").to_string().contains("garbage.ttf"));
}
