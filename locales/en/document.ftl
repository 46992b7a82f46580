# The written notice as a document (crates/socred-i18n/src/document.rs): the portal's printable page,
# its PDF-ready print layout and the CLI's `list notice`.

document-title = Written notice of proposed entry on the { $list }
document-case-number = Case number
document-to = To
document-addressee = { $name } ({ $id }, { $kind })
document-issued-by = Issued by
document-authority-address = Address
document-served-on = Served on
document-numbered = { $number }. { $heading }
document-facts = The facts
document-basis = The legal basis
document-consequences = The consequences
document-consequences-text = You are to be entered on the { $list } for at most { $years } { $years ->
    [one] year
   *[other] years
}. { $consequences }
document-no-measure-yet = No measure applies before the listing takes effect.
document-how-to-appeal = How to appeal
document-appeal = Appeal
document-appeal-until = You may appeal until { $deadline } (inclusive), in writing, stating your grounds.
document-on-the-portal-at = On the web: sign in to your file at { $address }, where every form is.
document-on-the-portal = On the web: sign in to socred and open your file, where every form is.
document-by-post = By post: write to { $address }, naming the case number above.
document-appeal-suspends = An appeal suspends the listing until it is decided.
document-second-instance = A decision upholding the listing can itself be appealed once, within the same number of days.
document-unappealed = If you do not appeal, the listing takes effect on { $day }.
document-no-appeal = This list has no appeal window; the entry takes effect on { $day }.
document-file = Your file
document-file-text = You may see your whole file, including every record and who looked at it.
document-repair = Credit repair
document-repair-text = After { $years } { $years ->
    [one] year
   *[other] years
} of publication you may apply for credit repair by showing the obligation fulfilled{ $commitment }.
document-repair-commitment = { " " }and giving a commitment letter
document-dispute = Any record in your file can be disputed at any time.
document-back = Back to my file
document-not-found = You have no notice by that number.
document-print-hint = Print it with your browser's print command: the page prints on one sheet, without the site's menus.
document-pdf-link = Download as PDF
document-format-refused = format: must be pdf, or left out for the page.
document-pdf-unavailable-title = PDF not available
document-pdf-unavailable = This server cannot write PDF notices: it has no font for them. The notice page itself prints on one sheet with your browser.
cli-notice-pdf-written = The notice was written to { $path } ({ $bytes } bytes).
document-link = Written notice (printable)
