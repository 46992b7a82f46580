# What the CLI says after an act, and its listings: the reviewer queue, the published lists, imports,
# reports and partner records, the audit log, accounts and tokens. JSON output is the same in every language.

cli-registered = registered { $kind } { $id } ({ $name })
cli-already-registered = { $id } was already registered; { $links } new link(s) added
cli-recorded = recorded { $record } for { $subject } ({ $behaviour } on { $day })
cli-record-duplicate = { $record } was already recorded with the same content; nothing changed
cli-voided = voided { $record } (subject { $subject }); it stays in the file, marked void
cli-already-void = { $record } was already void for the same reason; nothing changed
cli-rulebook-already-active = rulebook { $id } { $version } is already active
cli-rulebook-activated = activated rulebook { $id } { $version }; every list entry follows it
cli-decision-for = { $service } for { $id } on { $day }:
cli-decision-appeal = appeal: { $appeal }

cli-act-stored = { $action } { $key } for { $subject } on { $day } (audit entry { $seq })
cli-act-record-void = record { $record } is now void: score, tier, locks and lists are recomputed without it
cli-act-reward-void = the reporter's reward { $reward } for that record is void too
cli-act-duplicate = { $action } { $key } was already recorded; nothing changed
cli-action-list-propose = list.propose
cli-action-list-serve-notice = list.serve-notice
cli-action-list-withdraw = list.withdraw
cli-action-appeal-file = appeal.file
cli-action-appeal-decide = appeal.decide
cli-action-dispute-file = dispute.file
cli-action-dispute-decide = dispute.decide
cli-action-repair-apply = repair.apply
cli-action-repair-decide = repair.decide
cli-action-consent-give = consent.give
cli-action-consent-withdraw = consent.withdraw

cli-published = published lists on { $day } ({ $count } shown)
cli-published-row = { $columns } since { $since }  until { $until }  by { $authority }; { $basis }

cli-queue = reviewer queue on { $day }
cli-queue-overdue = OVERDUE
cli-queue-appeals = appeals: { $count }
cli-queue-appeal = { $id } (instance { $instance }) on { $entry } for { $name } ({ $subject }), filed { $filed }, decide by { $by }
cli-queue-disputes = disputes: { $count }
cli-queue-dispute = { $id } of record { $record } for { $name } ({ $subject }), filed { $filed }, decide by { $by }
cli-queue-repairs = repairs: { $count }
cli-queue-repair = { $id } on { $entry } for { $name } ({ $subject }), applied { $applied }, decide by { $by }
cli-queue-proposals = proposals awaiting notice: { $count }
cli-queue-proposal = { $id } for { $name } ({ $subject }), proposed { $proposed } by { $authority }

cli-import-problem = line { $line }: { $field }: { $reason }
cli-import-more-problems = ... and { $count } more problems
cli-imported = imported { $file }: { $rows } rows, { $inserted } inserted, { $duplicates } duplicates, { $rejected } rejected in { $seconds } s{ $audit }
cli-imported-audit = { " " }(audit entry { $seq })
cli-import-rejects = rejected rows written to { $file }

cli-no-open-reports = no open reports
cli-reports-in-state = reports { $state } { $count }
cli-no-pending-records = no partner records wait for a reviewer
cli-pending-record = { $record } from { $partner }: { $subject } { $behaviour } on { $day }
cli-pending-confirmed = { $record } confirmed (subject { $subject })
cli-pending-rejected = { $record } rejected (subject { $subject })
cli-pending-already-confirmed = { $record } was already confirmed: nothing changed
cli-pending-already-rejected = { $record } was already rejected: nothing changed

cli-audit-intact = audit log intact: { $entries } entries covering { $rows } ledger rows; root { $root }
cli-audit-others-intact = access log intact: { $accesses } rows; check log intact: { $checks } checks in { $groups } groups; { $accounts } accounts and { $tokens } tokens match their seals
cli-audit-consistent = consistent with the checkpoint of size { $size }: nothing it covered was removed or rewritten
cli-audit-replay = replay store: acts are dated by the caller (--on), not by the clock; days in UTC{ $offset }
cli-audit-live = live store: every act is dated by the clock; days in UTC{ $offset }
cli-rebuilt = rebuilt { $place }: { $entries } entries, root { $root }; audit verify passes
cli-rebuilt-unsigned = the export carries no signed checkpoint: its heads were checked against its own manifest only

cli-password-set = password of { $username } set; its sessions ended
cli-account-disabled = { $username } disabled; its sessions ended and its tokens no longer work
cli-account-enabled = { $username } enabled
cli-second-factor-removed = second factor of { $username } removed; it can enrol again
cli-account-added = account { $id }: { $username } ({ $role })
cli-token-issued = token { $id } for { $username } (shown once; store it safely):
cli-token-revoked = token { $id } revoked
cli-token-revoked-at = revoked { $at }
cli-token-expires-at = expires at unix { $at }

cli-error = error: { $error }
cli-refused-field = { $field }: { $reason }
cli-audit-broken = the audit chain is broken: { $detail }

# A report's detail (`report show`, `report queue`) and the metrics of reports and partner feeds.
cli-report-head = report { $id }: { $state } about { $subject } ({ $behaviour } on { $day }), filed { $filed }
cli-report-reporter = reporter: { $reporter }
cli-report-reporter-stats = { " " }({ $filed } filed, { $verified } verified, { $rejected } rejected, { $malicious } malicious: { $share } of decided found malicious)
cli-report-evidence = evidence { $hash } ({ $type }, { $bytes } bytes)
cli-report-same-facts = the same facts were reported earlier in: { $reports }
cli-report-event = { $day } { $state } by { $actor }{ $reasons }
cli-report-became-record = became record { $record }
cli-report-reporters-record = reporter's record: { $record }
cli-report-decision-time = time to decision over { $decided } decided: median { $median }, p90 { $p90 }, max { $max }
cli-report-partner = partner { $partner }: { $batches } batches ({ $refused } refused), { $lines } lines, mean { $mean } lines a batch, { $accepted } accepted, { $pending } pending, { $rejected } rejected ({ $rate })
cli-partner-receipt = partner { $partner } batch { $batch }: { $lines } lines, { $accepted } accepted, { $duplicates } duplicates, { $pending } pending review, { $rejected } rejected
cli-partner-receipt-replayed = This batch was seen before: nothing was done again.
cli-partner-receipt-nothing-stored = Nothing was stored.
cli-partner-batch-invalid = { $rejected } of { $lines } lines are invalid; nothing was stored (use --skip-invalid to store the rest)
cli-init-key-created = created the checkpoint key { $path } (keep it outside the database's backups); verifier key: { $verifier }
cli-init-key-kept = using the checkpoint key { $path } (keep it outside the database's backups); verifier key: { $verifier }
cli-init-created = created { $place } with rulebook { $rulebook } { $version } ({ $behaviours } behaviours)
cli-init-created-replay = created { $place } with rulebook { $rulebook } { $version } ({ $behaviours } behaviours); a replay store: acts may be dated with --on
cli-keygen-created = created { $path }
cli-keygen-kept = kept the existing key { $path }
cli-keygen-verifier = verifier key: { $verifier }
cli-proof-valid = proof valid: { $item } was written by audit entry { $seq } ({ $action } at { $at }), which is leaf { $leaf } of the log { $origin } at size { $size } signed by { $signer }
cli-exported = exported { $entries } entries (root { $root }), { $reads } reads and { $checks } checks of { $origin } to { $dir }
cli-rebuilt-signed = the rebuilt head is the export's signed checkpoint (size { $size }, signed by { $signer })
cli-rebuilt-signed-by-export = the rebuilt head is the export's signed checkpoint (size { $size }, signed by { $signer }); the key came with the export: pass --verifier-key to check it against one you hold
cli-partner-batch-line = { $partner } { $batch }: { $lines } lines, { $accepted } accepted, { $duplicates } duplicates, { $pending } pending, { $rejected } rejected
cli-partner-batch-line-refused = { $partner } { $batch }: { $lines } lines, { $accepted } accepted, { $duplicates } duplicates, { $pending } pending, { $rejected } rejected (refused)
cli-replica-lag = read database: a standby; { $bytes } bytes of WAL not yet replayed; last replayed transaction { $seconds } s ago
cli-replica-lag-not-standby = read database: not a standby; { $bytes } bytes of WAL not yet replayed; last replayed transaction { $seconds } s ago
cli-serve-unsigned = note: no log key at { $path }: checkpoints are not signed (run `socred audit keygen`)
