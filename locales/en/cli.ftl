# The CLI's human output (`socred show`, `subject show`, `rulebook show`, `file`, list entries and the
# written notice). JSON output is the same in every language.

cli-guardians = guardians
cli-children = children
cli-represents = represents
cli-representatives = legal representatives
cli-as-of = as of { $day } under rulebook { $rulebook } { $version }
cli-score-tier = score { $score }   tier { $tier }
cli-points-alone = { "   " }(points alone would give { $tier })
cli-locked = locked in { $tier } since { $since } until { $until }
cli-annual = annual expectation { $year }: net { $net } of at least { $expected }{ $met }{ $so_far }
cli-annual-met = , met
cli-annual-not-met = , not met
cli-annual-so-far = { " " }so far
cli-why-points = why { $score } points:
cli-base-score = base score
cli-counts-until = counts until { $day }
cli-total = total
cli-why-tier = why tier { $tier }:
cli-cause-points = the score crossed a threshold
cli-cause-forced = { $behaviour } ({ $record }) forces this tier
cli-cause-step = a lock ended; recovery goes one locked tier at a time
cli-cause-lock-ended = a lock ended
cli-locked-until = , locked until { $day }
cli-tier-change = { $day }  { $from } -> { $to } at { $score } points: { $cause }{ $locked }
cli-tier-of-points = tier { $tier }: the tier of { $score } points (see `socred rulebook show`)
cli-file = file: { $count } record(s)
cli-status-counts = counts
cli-status-expired = expired
cli-status-not-yet-effective = not yet effective
cli-status-void = void
cli-status-not-in-rulebook = not in rulebook
cli-source = source: { $source }
cli-evidence = ; evidence: { $evidence }
cli-void = ; void: { $reason }

cli-fingerprint = fingerprint { $fingerprint }
cli-base = base score { $base }; deductions count { $deductions } years, additions { $additions } years unless stated
cli-annual-rule = annual expectation: at least { $points } net points per year (reported only)
cli-tiers = tiers (recovery: { $recovery }):
cli-below = below
cli-locks-years = locks { $years } years
cli-behaviours = behaviours:
cli-forces = , forces { $tier }
cli-years = { $years } years

cli-entry-raised = raised by { $authority }; legal basis: { $basis }
cli-entry-facts = facts: { $facts }
cli-entry-listed = listed { $since } to { $until }{ $published }
cli-entry-published = { " " }(published)
cli-entry-repair = credit repair possible from { $day }
cli-entry-in-force = in force on { $day }: the list's measures apply
cli-entry-history = history:
cli-entry-step = { $day }  { $action } by { $actor }: { $detail }


cli-file-entries = list entries: { $count }
cli-file-disputes = disputes: { $count }
cli-file-dispute = { $id } of record { $record } filed { $filed } by { $by }: { $grounds }; { $decision }
cli-file-dispute-decided = decided { $day } by { $by }: { $outcome }, { $reasons }
cli-file-dispute-overdue = OVERDUE: decision was due by { $day }
cli-file-dispute-pending = pending; decision due by { $day }
cli-file-may = what { $name } may and may not do on { $day }:
cli-file-checks = providers' checks: { $count }
cli-file-reports-about = verified public reports about { $name }: { $count }
cli-file-report-about = { $id } ({ $behaviour } on { $day }): { $description }; became record { $record } (dispute it with `socred dispute file`); evidence: { $evidence }
cli-file-reports-filed = public reports filed by { $name }: { $count }
cli-file-report-filed = { $id } about { $subject } ({ $behaviour }): { $state }
cli-file-accesses = who looked at this file: { $count }
cli-decision-reason = { $measure }: { $cause }{ $via }; { $basis }
cli-decision-via = , { $link } { $subject }

cli-linked = { $links }: { $names }
cli-entry-heading = { $id } — { $title } ({ $state })

cli-recovery-step-wise = one locked tier at a time, each step starting that tier's lock
cli-recovery-immediate = straight to the tier of the points once a lock ends
cli-lists = lists:
cli-list-line = { $code }: { $title }; appeal within { $appeal } days; at most { $years } years; repair after { $repair } years; { $basis }
cli-restrictions = restrictions (joint punishments): { $count }
cli-rewards = rewards (joint incentives): { $count }
cli-measure-line = { $title } ({ $code }), service: { $service }{ $benefit }
cli-measure-benefit = ; benefit: { $benefit }
cli-measure-when = when: { $triggers }
cli-measure-reaches = applies to: { $whom }
cli-measure-basis = legal basis: { $basis }
cli-measure-reaches-self = the subject
cli-measure-reaches-children = their children
cli-measure-reaches-legal-representatives = the organisation's legal representatives
cli-measure-reaches-represented-organisations = the organisations they represent
cli-list-separator = ; or{ " " }
cli-and-separator = ,{ " " }
cli-document-label = { $label }:

# socred demo (crates/socred/src/demo.rs)
cli-demo-summary = demo store { $db }: { $persons } persons, { $organisations } organisations, { $records } records over { $years } years to { $until } (seed { $seed }), in { $seconds } s
cli-demo-column-tier = tier
cli-demo-column-subjects = subjects
cli-demo-column-share = share
cli-demo-try = subjects to try:
cli-demo-example = { $label } ({ $name }), tier { $tier } with { $score } points
cli-demo-example-convicted-of-an-intentional-crime = convicted of an intentional crime
cli-demo-example-judgment-defaulter = judgment defaulter
cli-demo-example-exemplary-citizen = exemplary citizen
cli-demo-example-child-with-a-guardian = child with a guardian
cli-demo-example-legal-representative-of-an-organisation = legal representative of an organisation
cli-demo-example-organisation = organisation
cli-demo-score-hint = the commercial score (350-950) and its reasons
cli-demo-logins = demo logins (passwords for this demo only):
cli-demo-serving = serving http://{ $addr }/  (API: http://{ $addr }/api/v1/docs); Ctrl-C to stop
cli-demo-login-citizen = (the file of { $id }: listed, may apply for credit repair)
cli-demo-login-appellant = (the file of { $id }: noticed today, may appeal)
cli-demo-login-subject = (the file of { $id })
cli-demo-login-officer = (records traffic behaviours for { $authority })
cli-demo-login-provider = (an airline: { $services })
cli-demo-login-partner = (a bike-sharing operator: { $behaviours })
cli-rulebook-valid = { $file }: valid: rulebook { $rulebook }, { $behaviours } behaviours, { $tiers } tiers, fingerprint { $fingerprint }
cli-annual-below = { $total } subjects below the annual expectation of { $expected } in { $year } (rows { $from }..{ $to })
cli-store-not-initialised = no socred store at { $path }: run `socred init` first (or pass --db)
cli-store-exists = a socred store already exists at { $path }
cli-store-not-a-store = { $path } is not a socred store (or was made by an incompatible version)
cli-account-subject = subject { $value }
cli-account-authority = authority { $value }
cli-account-services = services { $value }
cli-account-behaviours = behaviours { $value }
cli-token-issued-at = issued { $at }
# Progress on a terminal: [key] is one of indicatif's (spinner, bar:40, pos, len, per_sec, eta, bytes, total_bytes, bytes_per_sec).
cli-progress-generating = [spinner] generating [[bar:40]] [pos]/[len] subjects [per_sec] eta [eta]
cli-progress-importing = [spinner] importing [[bar:40]] [bytes]/[total_bytes] [bytes_per_sec] eta [eta]
cli-progress-reading = [spinner] reading files: [pos] subjects [per_sec]
cli-progress-simulating = [spinner] simulating [[bar:40]] [pos]/[len] subject-years [per_sec] eta [eta]
cli-hint-read-only = the store { $place } (or its directory, which holds the write-ahead log) is read-only; nothing was stored
cli-hint-disk-full = the disk that holds { $place } is full; nothing was stored: free space and run the command again
cli-hint-postgres-tls = cannot connect to { $place } over TLS: the server's certificate must be signed by a root of sslrootcert and name the URL's host
cli-hint-postgres-down = cannot connect to { $place }: PostgreSQL must be running there and the database must exist (createdb)
cli-hint-cannot-open = cannot open { $place }: the directory must exist and be writable
cli-conflict = conflict: { $reason }

# The command line's own words: headings and built-in flags of --help, and
# a refusal of the command line itself (English output uses clap's).
cli-help-usage = Usage:
cli-help-commands = Commands
cli-help-arguments = Arguments
cli-help-options = Options
cli-help-flag = Print help
cli-help-version-flag = Print version
cli-help-subcommand = Print this message or the help of the given subcommand(s)
cli-usage-invalid-choice = invalid value '{ $value }' for '{ $flag }': possible values: { $valid }
cli-usage-missing-value = a value is required for '{ $flag }' but none was supplied
cli-usage-invalid-value = invalid value '{ $value }' for '{ $flag }': { $reason }
cli-usage-out-of-range = { $value } is not in { $low }..={ $high }
cli-usage-not-integer = not a whole number
cli-usage-too-large = a number too large or too small for this flag
cli-usage-not-number = not a number
cli-usage-not-address = not an address and port (e.g. 127.0.0.1:8080)
cli-usage-not-ip-address = not an IP address
cli-usage-not-a-language = { $value } is not a language socred speaks (en, zh-CN)
cli-usage-unknown-flag = unexpected argument '{ $flag }' found
cli-usage-unknown-command = unrecognized subcommand '{ $command }'
cli-usage-missing = the following required arguments were not provided: { $flags }
cli-usage-missing-command = a subcommand is required
cli-usage-given-twice = the argument '{ $flag }' cannot be used multiple times
cli-usage-conflict = the argument '{ $flag }' cannot be used with '{ $other }'
cli-usage-value-count = the argument '{ $flag }' has the wrong number of values
cli-usage-not-utf8 = an argument is not valid UTF-8
cli-usage-suggestion = {" "}(did you mean '{ $suggestion }'?)
cli-usage-more = For more information, try '--help'.
cli-help-env = [env: { $variable }]
cli-help-default = [default: { $value }]
cli-help-possible = [possible values: { $values }]
cli-help-possible-value = { $value } ({ $meaning })
cli-help-notes-lead = {" "}
cli-help-notes-separator = {" "}

# The charts of --plots.
plot-subjects = subjects
plot-before = before
plot-after = after
plot-tiers = Subjects per tier: { $before } -> { $after }
plot-transitions = Tier transitions (rows: before, columns: after)
plot-groups = Treated worse by { $dimension }: ratio to the population's rate
plot-ratio = ratio
plot-restricted = Subjects under a restriction on 31 December
plot-false-sanctions = Restricted only through uncorrected wrong records (share)
plot-scores = Commercial scores, { $from } -> { $to } (PSI { $psi })
cli-plots-in-english = the charts are drawn in English: no font with both Chinese and Latin letters was found (looked in SOCRED_PLOT_FONT, SOCRED_FONT_HAN and { $paths })
