# The command line's help: one message per command and flag, its value the short help and
# `.long` the long one where it has one. Written from the doc comments of crates/socred/src/cli.rs
# (SOCRED_WRITE_HELP=1 cargo test -p socred --bin socred help::); a test holds the two equal.

help =
    socred: a transparent, due-process social credit ledger
    .long =
    socred: a transparent, due-process social credit ledger.

    Every number can be explained (`socred show`), every record is on an append-only ledger under a hash-chained audit log (`socred audit verify`).

help--db =
    The store file

help--log_key =
    The key that signs the log's checkpoints, kept outside the database (default: the store's path with `.log-key` appended)

help--read_db =
    PostgreSQL only: a hot standby of --db that file reads (`show`, `subject show`) are sent to; they may lag the primary by its replay delay

help--public_url =
    The site's public address (https://…), which e-mail-ready texts link to (`mail`, and the API's texts when serving)

help--actor =
    Who is acting, as written to the audit log

help--on =
    Replay stores only: the day this command's acts are dated and its reads default to (YYYY-MM-DD). A live store dates every act by the clock and refuses it

help--lang =
    The language of human output: en or zh-CN (default: the locale's, from LC_ALL, LC_MESSAGES or LANG; else English). JSON is the same in both

help--scorecard =
    The commercial scorecard (TOML) that `score` commands and `serve` use (default: the built-in scorecards/default.toml). Checked against the rulebook in force

help__init =
    Create a new, empty store

help__init--rulebook =
    The rulebook to start with (default: the built-in rulebooks/default.toml)

help__init--replay =
    A store for scenario replay: every command may date its acts with --on. Stated by `audit head` and on every page the server renders

help__init--utc_offset =
    The time zone of the store's calendar days, as an offset from UTC

help__init--origin =
    Names the log in its checkpoints, e.g. credit.example.gov/city (default: socred/ and a random id)

help__rulebook =
    Check, show or change the rulebook

help__rulebook__check =
    Validate a rulebook file and report every problem (file, line, key, reason)

help__rulebook__show =
    Show the active rulebook

help__rulebook__activate =
    Activate a new rulebook version (a versioned, audited event)
    .long =
    Activate a new rulebook version (a versioned, audited event).

    Needs the impact assessment of this exact rulebook on the store as it is today: `socred policy compare --rulebook FILE --json > impact.json`, then `--impact impact.json`. The comparison is made again and must match; its digest goes on the audit log with the activation.

help__rulebook__activate--impact =
    The comparison saved by `socred policy compare --json`

help__rulebook__activate--skip_impact =
    Activate without an impact assessment: only a store without subjects

help__rulebook__activate--reason =
    Why no impact was assessed (audited with the activation)

help__subject =
    Register and look up subjects (persons and organisations)

help__subject__add =
    Register a person or an organisation. Idempotent: the same id and name again is a no-op

help__subject__add--id =
    Resident identity number (persons) or unified social credit code (organisations)

help__subject__add--name =
    Full name

help__subject__add--kind =
    person or organisation (default: from the id)

help__subject__add--guardian =
    A registered person who is this person's guardian (repeatable)

help__subject__add--represents =
    A registered organisation this person legally represents (repeatable)

help__subject__show =
    Show a subject and its links

help__record =
    Add or void credit records

help__record__add =
    Record a behaviour. Idempotent by record id

help__record__add--behaviour =
    A behaviour code from the rulebook

help__record__add--at =
    When it happened (YYYY-MM-DD)

help__record__add--source =
    The authority that makes the record

help__record__add--evidence =
    A reference to the evidence (case number, document)

help__record__add--record_id =
    A client-chosen id; by default one is derived from the content, so repeating the same command records once

help__record__void =
    Void a record: it stops counting everywhere but stays in the file

help__import =
    Import records from an NDJSON or CSV file, atomically
    .long =
    Import records from an NDJSON or CSV file, atomically.

    NDJSON: one object per line with subject, behaviour, at (YYYY-MM-DD), source, and optionally id and evidence. CSV: a header naming the same columns. Rows without an id get one derived from their content, so importing the same file twice stores it once.

help__import--file =
    The file to import

help__import--format =
    The format (default: from the file extension)

help__import--skip_invalid =
    Store the valid rows and write the invalid ones to a rejects file, instead of refusing the whole file

help__import--rejects =
    Where rejected rows go with --skip-invalid (default: FILE.rejected)

help__import--partner =
    Import as this partner account (username): only the behaviours of its agreement, its name as source, a receipt kept; NDJSON only

help__import--batch_id =
    With --partner: the batch id (default: from the file's content). A batch id seen before does nothing

help__import--json =
    Print the receipt as JSON

help__show =
    Show a subject's score, tier, locks and the explanation of every point

help__show--id =
    Resident identity number or unified social credit code

help__show--as_of =
    The date to assess on (default: today, or --known-on)

help__show--known_on =
    Answer as the ledger stood at the end of this day: only what had been recorded by then, under the rulebook then active

help__show--purpose =
    Why you are reading the file (shown to the subject)

help__demo =
    Create a store with a synthetic, seeded population and print a summary
    .long =
    Create a store with a synthetic, seeded population and print a summary.

    Replaces a store made by an earlier demo; refuses to touch any other store.

help__demo--subjects =
    How many subjects to generate

help__demo--seed =
    The random seed: the same seed gives the same population

help__demo--until =
    The last day of the generated history and the date of the summary (default: today)

help__demo--years =
    How many years of records to generate

help__demo--serve =
    Then start the server on the demo store, with demo accounts, and print the URL and logins

help__demo--addr =
    The address for --serve

help__serve =
    Run the HTTP server: JSON API, web UI, /healthz, /metrics. Stops gracefully on Ctrl-C or SIGTERM

help__serve--readers =
    Read connections in the pool (default: 2 x cores)

help__serve--insecure_cookies =
    Do not mark cookies Secure (only behind plain HTTP on a host other than localhost)

help__serve--log_json =
    Log as JSON lines instead of text

help__serve--trusted_proxies =
    A reverse proxy (the TLS terminator) whose X-Forwarded-For names the client (repeatable). Rate limits then count the client's address, not the proxy's

help__export =
    Write the whole store into DIR as files of domain values (the ledger entry by entry, the access and check logs, evidence, rulebooks), with a checkpoint signed by --log-key: the backup format, readable by any backend

help__export--dir =
    A directory that does not exist yet, or is empty

help__import-store =
    Rebuild a store at --db (which must not exist) from an export; every digest and hash is recomputed and the heads must be the export's

help__import-store--verifier_key =
    The key the export's checkpoint must be signed with (text or file); default: the verifier key the export carries

help__audit =
    Verify and read the audit log; checkpoints and inclusion proofs

help__audit__verify =
    Check the database's integrity, recompute every entry's digest of the ledger rows, the Merkle root, the seals of accounts and tokens, and the access and check logs; with --checkpoint, also prove that the store extends a checkpoint kept earlier

help__audit__verify--checkpoint =
    A signed checkpoint taken earlier (`socred audit checkpoint`)

help__audit__verify--verifier_key =
    The key the checkpoint must be signed with: its text (name+id+key) or a file holding it. Default: the public half of --log-key

help__audit__keygen =
    Create the key that signs checkpoints (--log-key), unless it exists

help__audit__verifier-key =
    Print the public key that verifies checkpoints: give it to whoever keeps them

help__audit__checkpoint =
    Print the current heads as a signed checkpoint (C2SP tlog-checkpoint)

help__audit__prove =
    Print a proof that a record or a due-process event is in the log, or check one (--verify FILE)

help__audit__prove--record =
    The record to prove

help__audit__prove--case =
    The case (a list entry, appeal or dispute id) of the event to prove

help__audit__prove--event =
    The kind of event of --case

help__audit__prove--verify =
    A proof file to check instead

help__audit__prove--verifier_key =
    The key the proof's checkpoint must be signed with (see `verify`)

help__audit__log =
    The newest audit entries

help__audit__head =
    The newest entry's number and leaf hash, and how the store dates acts

help__list =
    Blacklist and redlist entries: propose, serve notice, withdraw, show, the public list

help__list__propose =
    Propose an entry by a reviewer's decision with a stated legal basis

help__list__propose--list =
    The list code (e.g. blacklist, redlist)

help__list__propose--case_id =
    A client-chosen case id (default: derived from the content)

help__list__serve =
    Serve the written notice of a proposed entry; the appeal window opens

help__list__withdraw =
    Withdraw an entry that is not yet listed

help__list__show =
    An entry with its state and full history

help__list__notice =
    The written notice of an entry, ready to print

help__list__notice--pdf =
    Also write the notice as a one-page A4 PDF to this file, in the output's language (fonts: SOCRED_FONT_LATIN, SOCRED_FONT_HAN, or Debian's fonts-dejavu-core and fonts-droid-fallback)

help__list__public =
    The published list: name, masked id, authority, legal basis, since, until

help__list__public--search =
    Part of a name, or a masked identifier as the list shows it

help__list__public--authority =
    The listing authority, as the list names it in either language

help__list__public--region =
    A province (`11`, the region code's first two digits) or a city (`1101`, its first four)

help__appeal =
    Appeal a list entry (within its window) and decide appeals

help__appeal__file =
    Appeal a list entry (first instance within the window after the notice; once more against a decision upholding it, where the list allows)

help__appeal__decide =
    Decide an appeal (not one you filed, nor against an entry you raised)

help__appeal__decide--outcome--uphold =
    The listing decision stands

help__appeal__decide--outcome--overturn =
    The listing decision is overturned; the entry and its effects are withdrawn

help__dispute =
    Dispute any record of a file, at any time, and decide disputes

help__dispute__file =
    Dispute a record; it is marked disputed until decided

help__dispute__decide =
    Decide a dispute (not one you filed, nor of a record you made)

help__dispute__decide--outcome--uphold =
    The dispute is upheld: the record is voided and everything recomputed

help__dispute__decide--outcome--reject =
    The record stands

help__repair =
    Credit repair: after the minimum publication, show the obligation fulfilled

help__repair__apply =
    Apply for credit repair of a listed entry

help__repair__apply--evidence =
    How the obligation was fulfilled (e.g. the judgment paid)

help__repair__apply--commitment =
    A commitment letter, where the list requires one

help__repair__decide =
    Decide a repair application (not your own)

help__repair__decide--outcome--approve =
    Credit repaired: publication ends today

help__file =
    A subject's entire file: records, explanation, list entries, notices, appeals, disputes, repairs, and every access to the file

help__file--known_on =
    Answer as the ledger stood at the end of this day

help__file--purpose =
    Why you are reading the file (shown to the subject)

help__mail =
    Every e-mail-ready text due process owes a subject (each notice served, each decision on an appeal, a repair or a dispute), in --lang, as Internet messages a mailer can send; socred sends nothing itself

help__mail--purpose =
    Why you are reading the file (shown to the subject)

help__check =
    Decide whether a subject may use a service, with the reasons; logged like a provider's check

help__check--service =
    A service category of the rulebook (e.g. civil-aviation)

help__check--known_on =
    Answer as the ledger stood at the end of this day: what a provider was told then

help__report =
    Reports

help__report__file =
    File a public report about someone (as the reporter named by --reporter). No effect until verified

help__report__file--reporter =
    The reporter's identifier (they are rewarded or penalised)

help__report__file--subject =
    Whom the report is about

help__report__file--at =
    When it happened (YYYY-MM-DD)

help__report__file--evidence =
    An evidence file (PNG, JPEG, PDF or text, per the rulebook); repeat for several

help__report__review =
    Take a submitted report into review (as --actor)

help__report__decide =
    Decide a report you took into review: verified, rejected or malicious

help__report__show =
    One report, with its history and the reporter's record

help__report__queue =
    Open reports, oldest first

help__report__metrics =
    Reports by state and time to decision; partner batches and rejection rates

help__report__annual =
    Subjects whose net gain in a year is below the rulebook's annual expectation (CSV by default)

help__partner =
    Data partners: receipts, and records waiting for a reviewer

help__partner__pending =
    Partner records waiting for a reviewer's confirmation

help__partner__confirm =
    Confirm a pending partner record: it becomes a record and counts

help__partner__reject =
    Reject a pending partner record: it never counts

help__partner__batches =
    Receipts of partner batches, newest first

help__partner__batches--partner =
    Only this partner's

help__account =
    Accounts for the server

help__account__add =
    Create an account for the server (admins only, in practice: whoever runs this CLI)

help__account__add--role =
    subject, officer, reviewer, provider, partner, auditor or admin

help__account__add--subject =
    For a subject account: whose file it is

help__account__add--authority =
    For an officer: the authority whose records they make

help__account__add--services =
    For a provider: a service category it may ask about (repeatable)

help__account__add--behaviours =
    For a partner: a behaviour of its agreement; for an officer: a behaviour their authority is entitled to record (none named: every behaviour). Repeatable

help__account__add--password_stdin =
    Read the password from the first line of standard input (else: token-only account)

help__account__list =
    List accounts

help__account__password =
    Set an account's password from the first line of standard input (an admin's reset): 12-256 characters, not the username, not a common one. Every session of the account ends

help__account__disable =
    Disable an account: its sessions end, its tokens stop authenticating

help__account__enable =
    Enable a disabled account

help__account__remove-second-factor =
    Remove an account's second factor (a lost device); it can enrol again

help__token =
    API tokens for machines

help__token__issue =
    Issue an API token for an account; it is printed once and stored hashed

help__token__issue--expires_in_days =
    Days until the token stops authenticating (1-365)

help__token__revoke =
    Revoke a token by its number

help__token__list =
    List an account's tokens (never their secrets)

help__sim =
    Simulate a population year by year under one or more rulebooks

help__sim__run =
    Simulate a seeded population year by year under each rulebook, side by side
    .long =
    Simulate a seeded population year by year under each rulebook, side by side.

    Behaviours are drawn per profile; subjects under a restriction cut their deductions by --deterrence; a share of deductions are wrong and some are disputed (an upheld dispute voids its record); entries are appealed and repairs applied for (their outcomes are not simulated); the reviewers decide a number of cases a month. Per year and rulebook: the tiers, the subjects under each measure, the cases filed and overdue, how many wrong records were corrected within the dispute deadline, and the false-sanction rate (restricted subjects who are so only through uncorrected wrong records). Writes summary.csv, tiers.csv, measures.csv and simulation.json into --out. The same arguments give the same bytes.

help__sim__run--first_year =
    The first simulated year (default: next year)

help__sim__run--rulebook =
    A rulebook to run (repeat to run several side by side; default: the built-in one)

help__sim__run--deterrence =
    The share by which a subject under a restriction cuts its deductions (0-1)

help__sim__run--error_rate =
    The share of recorded deductions that are wrong (0-1)

help__sim__run--dispute_rate =
    The share of wrong records their subject disputes (0-1)

help__sim__run--appeal_rate =
    The share of new list entries appealed (0-1)

help__sim__run--repair_rate =
    The share of listed subjects applying for repair in a year (0-1)

help__sim__run--reviewer_capacity =
    Cases the reviewers decide in a month

help__sim__run--out =
    The directory to write into (created when missing)

help__sim__run--json =
    Also print the whole result as JSON

help__policy =
    Policy impact: what a proposed rulebook would do, before it is activated

help__policy__compare =
    What a proposed rulebook would do to every subject of the store, against the active one
    .long =
    What a proposed rulebook would do to every subject of the store, against the active one.

    Tier transitions, list entries gained and lost, subjects each service denies or rewards, the points distribution, the largest individual changes with their causes, and the impact by province, age band, sex and organisation type with the four-fifths rule. `--json` gives the whole result, with the digest `rulebook activate --impact` checks.

help__policy__compare--rulebook =
    The proposed rulebook (TOML)

help__policy__compare--as_of =
    The day to compare on (default: today)

help__policy__compare--plots =
    Also draw the tiers, the transition matrix and the impact by province and age band into this directory, as SVG and PNG

help__score =
    The commercial credit score (350-950): `socred score ID` scores a subject, with the four costliest reasons; the subcommands check, fit and monitor a scorecard

help__score--id =
    The subject to score

help__score--as_of =
    The day to score on (default: today)

help__score--purpose =
    Why you are reading the subject's data (shown to the subject)

help__score__check =
    Validate a scorecard against a rulebook (default: the built-in one): refused grounds, unknown behaviours, bins with gaps or against their declared direction

help__score__monitor =
    The score distribution on two dates and the population stability index between them

help__score__monitor--plots =
    Also draw both distributions into this directory, as SVG and PNG

help__score__sample =
    Write a labelled sample from the simulator: synthetic files scored by a scorecard's characteristics, each with a latent repayment outcome (defaulted within a year or not)

help__score__sample--out =
    The CSV file to write (a column per characteristic of --scorecard's card)

help__score__fit =
    Fit a scorecard's points on a labelled sample: weight of evidence per bin (made monotone where the card declares a direction), logistic regression, points scaled by the card's base score, base odds and points to double the odds. Reports AUC, Gini, KS and calibration

help__score__fit--template =
    The card whose characteristics and bins are fitted (default: --scorecard's, else the built-in one)

help__score__fit--card_version =
    The version of the card written

help__queue =
    What reviewers have to decide: appeals, disputes, repairs, proposals, with deadlines

help__queue--overdue =
    Only what is past its deadline
