# The frame of every page, and the public pages: home, the public lists.
# Variables are placed as given; a caller rendering HTML escapes them first.

skip-to-content = Skip to content
nav-label = Main
nav-home = Home
nav-lists = Public lists
nav-rulebook = Rulebook
nav-my-file = My file
nav-report = Report
nav-officer = Officer console
nav-reviewer = Reviewer queue
nav-reports = Reports
nav-metrics = Metrics
nav-annual = Annual report
nav-provider = Check a subject
nav-partner = Batches
nav-api = API
sign-in = Sign in
sign-out = Sign out
language-label = Language
footer = Every number is explained, every sanction can be appealed, every official act is audited.
replay-notice = A replay store: acts here are dated by whoever replays a scenario (today: { $today }), not by the clock. Nothing here is a live record.

role-subject = subject
role-officer = officer
role-reviewer = reviewer
role-provider = provider
role-partner = partner
role-admin = admin
role-auditor = auditor

home-title = A transparent credit ledger
home-intro = socred keeps a credit ledger in which every number can be explained, every sanction can be appealed, and every action by an official is on a tamper-evident record.
home-subject-link = Open your file
home-subject-rest = : your score and why, your records, notices, appeals, disputes, and who looked at your file.
home-officer-link = Open the officer console
home-officer-rest = : search subjects, record behaviours for your authority, void records, propose list entries.
home-reviewer-link = Open the reviewer queue
home-reviewer-rest = : appeals, disputes, repair applications and proposals, with deadlines.
home-other-role = Your role works through the API: see
home-api-docs-link = the API documentation
home-anonymous-link = Sign in
home-anonymous-rest = { " " }to see your file, or to work as an officer or reviewer.
home-lists-link = The public lists
home-lists-rest = : who is listed, by which authority, on what legal basis, since when and until when.
home-rulebook-link = The rulebook
home-rulebook-rest = : what every behaviour is worth, for how long, how tiers, locks and appeals work, and every measure that follows a listing.
home-api-link = The API
home-api-rest = { " " }for machines.

lists-title = Public lists
lists-intro = Entries appear here only once listed, after the written notice and the appeal window; they disappear when they expire, are repaired or overturned. The score and the file are never published.
lists-search-label = Name or identifier
lists-list-label = List
lists-all = All lists
lists-search = Search
lists-results = Results
lists-none = No published entries match.
lists-count = { $shown ->
    [one] 1 entry published on { $day }
   *[other] { $count } entries published on { $day }
}
lists-column-list = List
lists-column-name = Name
lists-column-identifier = Identifier (masked)
lists-column-authority = Listing authority
lists-column-legal-basis = Legal basis
lists-column-since = Listed since
lists-column-until = Until
lists-checkpoint-summary = The log's signed checkpoint
lists-checkpoint-text = Every official act is on a tamper-evident log. Keep this text: { $command } proves later that nothing it covers was removed or rewritten. Also at { $link }.
lists-search-refused = search: { $reason }
