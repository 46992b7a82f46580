# An entry's facts and authority when a rule wrote them (crates/socred-i18n/src/notice.rs).
# The English must read exactly as the ledger writes them (a test compares).

facts-record = on { $day }, { $behaviour } (record { $record }, recorded by { $source }{ $evidence })
facts-evidence = ; evidence: { $evidence }
facts-tier = on { $day }, the subject entered tier { $tier } with { $score } points
authority-tier-rule = tier rule of rulebook { $rulebook }

# An entry's history: each step as the ledger states it (`lists::Step::english`).
step-notice-served = written notice served; appeal until { $deadline } inclusive
step-notice-served-no-appeal = written notice served; no appeal window for this list
step-listed = listed: { $why }; until { $until } unless ended earlier
step-listed-published = listed and published: { $why }; until { $until } unless ended earlier
step-why-no-appeal = no appeal was filed in time
step-why-appeal-dismissed = the appeal was dismissed
step-expired = the maximum listing period of { $years } years ended
step-ended = the subject left the trigger tier
step-appeal-filed = appeal { $appeal } filed (instance { $instance }): { $grounds }
step-appeal-dismissed = the listing decision is upheld: { $reasons }
step-appeal-dismissed-finally = second instance: the listing decision is upheld, finally: { $reasons }
step-overturned = the listing decision is overturned on appeal: { $reasons }
step-repair-applied = credit repair { $repair } applied for: { $evidence }
step-repaired = credit repaired; publication ends: { $reasons }
step-void = the triggering record was voided: { $reason }
step-recorded = { $action } (no effect: the entry is void)
step-not-applied = { $action } could not be applied: { $error }

# The step's action, as its code reads in English.
action-proposed = proposed
action-notice-served = notice-served
action-listed = listed
action-expired = expired
action-ended = ended
action-withdrawn = withdrawn
action-appeal-filed = appeal-filed
action-appeal-dismissed = appeal-dismissed
action-overturned = overturned
action-repair-applied = repair-applied
action-repaired = repaired
action-repair-refused = repair-refused
action-void = void
action-recorded = recorded
action-not-applied = not-applied
