# The public rulebook page. A rulebook's own texts (titles, legal bases,
# consequences) come from the rulebook, which carries both languages.

rulebook-title = The rulebook
rulebook-intro = { $title } — version { $version } ({ $fingerprint }). Everyone starts at { $base } points. Deductions count { $deduction_years } years, additions { $addition_years } years, unless stated.
rulebook-tiers = Tiers
rulebook-column-tier = Tier
rulebook-column-points = Points
rulebook-column-lock = Lock on entry
rulebook-column-meaning = Meaning
rulebook-points-at-least = { $points } or more
rulebook-points-lowest = below the tier above
rulebook-lock-years = { $years ->
    [one] 1 year
   *[other] { $years } years
}
rulebook-lock-none = none
rulebook-recovery = When a lock ends, a subject rises one locked tier at a time (D to C to B), each starting its own lock; from B straight to the tier of their points.
rulebook-behaviours = Behaviours
rulebook-column-behaviour = Behaviour
rulebook-column-counts-for = Counts for
rulebook-column-category = Category
rulebook-column-legal-basis = Legal basis
rulebook-forces-tier = , forces tier { $tier }
rulebook-lists = Lists
rulebook-list-terms = Appeal within { $days } days of the notice{ $second }; listed at most { $years } years{ $repair }. Legal basis: { $basis }.
rulebook-list-second-instance = , and once more against the decision
rulebook-list-repair = ; credit repair after { $years ->
    [one] 1 year
   *[other] { $years } years
}
rulebook-measures = Joint rewards and punishments
rulebook-measures-intro = What follows a listing, a tier or a record, service by service. A restriction wins over a reward; a service without a measure is always allowed.
rulebook-column-measure = Measure
rulebook-column-kind = Kind
rulebook-column-applies-to = Applies to
rulebook-column-set-off-by = Set off by
rulebook-kind-restriction = restriction
rulebook-kind-reward = reward
rulebook-applies-person = persons
rulebook-applies-organisation = organisations
rulebook-trigger-list = listed on the { $list }
rulebook-trigger-tier = tier { $tier }
rulebook-trigger-record = a record of “{ $behaviour }” while it counts
rulebook-extends-children = also the children of a listed guardian
rulebook-extends-legal-representatives = also the legal representatives of a listed organisation
rulebook-extends-represented-organisations = also the organisations a listed person represents
rulebook-not-direct = not the listed subject itself
rulebook-refused = Not scored, on principle: political opinion, speech, petitioning, religion, ethnicity, family size, private or family life, lifestyle, whom one associates with; no surveillance feeds. No measure follows from what someone posts.

category-tax = taxation
category-judicial = judicial
category-criminal = criminal
category-finance = finance
category-commerce = commerce
category-labour = labour
category-traffic = traffic
category-transport-order = order on public transport
category-public-order = public order
category-environment = environment
category-military-service = military service
category-academic-integrity = academic integrity
category-administrative = administrative
category-honours = honours
category-charity = charity
category-volunteering = volunteering
category-health = health
category-sport = sport
category-reporting = reporting
