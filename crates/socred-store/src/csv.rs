//! CSV as socred writes it for people to open in a spreadsheet: the annual
//! report, the public list's export.

/// One CSV cell: a text a spreadsheet would run as a formula (starting with
/// `= + - @`, a tab or a carriage return) is prefixed with `'` (OWASP's CSV
/// injection advice), and quoted where CSV needs it.
pub fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

/// One CSV line of `cells`, each written by [`cell`], ended by CRLF (RFC 4180).
pub fn line<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = cells.into_iter().map(cell).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_never_start_a_formula() {
        assert_eq!(cell("Li Ming"), "Li Ming");
        assert_eq!(cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
        for start in ["+1", "-1", "@SUM(A1)", "\tx"] {
            assert!(cell(start).trim_start_matches('"').starts_with('\''), "{start:?}");
        }
        assert_eq!(cell("Smith, John"), "\"Smith, John\"");
        assert_eq!(line(["a", "b,c", "=1"]), "a,\"b,c\",'=1\r\n");
    }
}
