# E-mail-ready texts (crates/socred-i18n/src/mail.rs): what due process
# tells a subject, ready for a mailer. Every id exists in zh-CN/mail.ftl too.

mail-greeting = Dear { $name },
mail-footer = This message was written by socred from your file. It never asks for a password or a payment, and replies to it are not read.
mail-respond-at = Your whole file (every record, and who looked at it) and the forms to appeal, dispute a record or apply for credit repair: { $address }
mail-respond = Sign in to socred and open your file to see every record and who looked at it, and to appeal, dispute a record or apply for credit repair.

mail-notice-subject = Notice: you are to be entered on the { $list }; you may appeal until { $deadline }
mail-notice-subject-no-appeal = Notice: you are entered on the { $list } from { $day }
mail-notice-opening = On { $day }, { $authority } served you written notice { $entry }: you are to be entered on the { $list }. No measure applies before the listing takes effect.
mail-notice-facts = The facts:
mail-notice-basis = The legal basis:
mail-notice-consequences = The consequences:
mail-notice-consequences-text = You are to be entered on the { $list } for at most { $years } { $years ->
    [one] year
   *[other] years
}. { $consequences }
mail-notice-appeal = You may appeal until { $deadline } (inclusive), in writing, stating your grounds; an appeal suspends the listing until it is decided. If you do not appeal, the listing takes effect on { $day }.
mail-notice-no-appeal = This list has no appeal window; the entry takes effect on { $day }.
mail-notice-repair = After { $years } { $years ->
    [one] year
   *[other] years
} of publication you may apply for credit repair by showing the obligation fulfilled. Any record in your file can be disputed at any time.

mail-decided-on = On { $day }, { $by } decided:
mail-reasons = The reasons given:
mail-appeal-upheld = Your appeal { $case } against entry { $entry } on the { $list } is dismissed: the listing stands.
mail-appeal-upheld-subject = Your appeal { $case }: the listing on the { $list } stands
mail-appeal-overturned = Your appeal { $case } against entry { $entry } on the { $list } succeeds: the listing is overturned, with all its effects.
mail-appeal-overturned-subject = Your appeal { $case }: the listing on the { $list } is overturned
mail-appeal-second-instance = You may appeal this decision once more, within as many days as you had for the first appeal.
mail-repair-approved = Your application { $case } for credit repair of entry { $entry } on the { $list } is approved: publication ends on the day of this decision.
mail-repair-approved-subject = Credit repair { $case }: approved
mail-repair-refused = Your application { $case } for credit repair of entry { $entry } on the { $list } is refused: the entry stays published.
mail-repair-refused-subject = Credit repair { $case }: refused
mail-dispute-upheld = Your dispute { $case } of record { $record } is upheld: the record is void and no longer counts anywhere.
mail-dispute-upheld-subject = Your dispute { $case }: record { $record } is void
mail-dispute-rejected = Your dispute { $case } of record { $record } is rejected: the record stands.
mail-dispute-rejected-subject = Your dispute { $case }: record { $record } stands
