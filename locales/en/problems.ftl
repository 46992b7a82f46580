# What a problem of a rulebook or a scorecard says (socred_core::rulebook::reasons).
# The English patterns are the core's own: a test holds them equal.

## The file as a whole.
problem-file-too-large = is { $bytes } bytes; a rulebook may be at most { $max }
problem-syntax = { $detail }

## Shapes every table shares.
problem-text-length = must be 1-{ $max } characters of text
problem-text-at-most = must be at most { $max } characters of text
problem-id-format = must be 1-{ $max } characters of a-z, 0-9 and inner hyphens
problem-code-format = { $code } must be 1-{ $max } characters of a-z, 0-9 and inner hyphens
problem-declared-twice = { $code } is declared twice
problem-listed-twice = { $name } is listed twice
problem-between = must be between { $min } and { $max }
problem-between-years = must be between { $min } and { $max } years
problem-between-days = must be between { $min } and { $max } days
problem-too-many = has { $count } entries; at most { $max }
problem-not-one-of = { $value } is not one of { $choices }
problem-not-a-tier = { $name } is not a tier in [tiers]
problem-not-a-behaviour = { $code } is not a behaviour of this rulebook
problem-not-a-service = { $code } is not a [[service]] of this rulebook
problem-not-a-list = { $code } is not a [[list]] of this rulebook
problem-points-outside = { $points } is outside -{ $max }..={ $max }
problem-subject-kind = unknown subject kind { $kind }: expected person or organisation
problem-applies-to-empty = must name person, organisation or both
problem-chinese-required = is required: the same text in Simplified Chinese (every text of a rulebook is in both languages)
problem-chinese-characters = must be written in Chinese characters (Simplified Chinese)

## The rulebook's head, scoring and tiers.
problem-version-format = must be 1-64 characters of letters, digits and . _ + -
problem-code-scores-ground = { $code } scores { $ground }, which socred refuses on principle (out of scope; see BRIEF.md)
problem-category-refused = { $category } is refused: socred does not score { $ground }, on principle (out of scope; see BRIEF.md)
problem-category-unknown = { $category } is not a category; the closed set is: { $choices }
problem-legal-basis-record = is required: 1-500 characters naming the law that allows this record
problem-tier-count = needs 2 to { $max } tiers, got { $count }
problem-tier-name = must be 1-8 characters of letters, digits, + and -
problem-min-points-required = is required on every tier but the last
problem-min-points-on-last = must be absent on the last tier, which takes every score below the tier above
problem-min-points-order = { $min } must be below the tier above ({ $previous }); list tiers from best to worst

## Lists and due process.
problem-legal-basis-list = is required: 1-500 characters naming the law that allows this list
problem-consequences-required = is required: 1-2000 characters saying what being listed means
problem-publication-years = must be between 0 and max_listing_years
problem-repair-restrictive-only = credit repair applies to restrictive lists only
problem-while-in-tier = applies to tier triggers only
problem-trigger-one-of = a trigger names exactly one of behaviour or tier
problem-list-needs-trigger = a list needs triggers, or manual = true

## Services and measures.
problem-not-a-behaviour-table = { $code } is not a [[behaviour]] of this rulebook
problem-measure-needs-trigger = a measure needs a trigger: lists, tiers, records or several
problem-measure-extends = a measure that does not apply directly must extend to someone
problem-legal-basis-measure = is required: 1-500 characters naming the law that allows this measure
problem-reward-needs-benefit = a reward names its benefit
problem-benefit-only-rewards = only rewards have a benefit
problem-benefit-format = must be 1-64 characters of a-z, 0-9 and -

## Reporting, limits and authorities.
problem-reportable-at-most = at most { $max } behaviours
problem-reward-must-add = { $code } has { $points } points; a reward behaviour must add points
problem-malicious-must-deduct = { $code } has { $points } points; a malicious behaviour must deduct points
problem-media-type-unknown = { $media_type } is not one socred recognises by content; one of { $choices }
problem-lines-per-day = must be at least partner_lines_per_subject_per_batch
problem-name-spaces = must not begin or end with spaces: records name it exactly
problem-address-required = is required when address_zh is given: every text is in both languages

## Scorecards.
problem-scorecard-version-format = must be 1-32 characters of letters, digits, dots and hyphens
problem-scaling-range = needs 0 < min_score < max_score <= 10000
problem-scaling-base-score = must lie within min_score..=max_score
problem-scaling-base-odds = must be a number above 0 and at most 1000000 (good to bad)
problem-scaling-double-odds = must be a number above 0 and at most 1000
problem-scaling-base-points = must lie within -10000..=10000
problem-characteristic-count = a scorecard needs 1-{ $max } characteristics
problem-scorecard-reads-ground = { $code } reads { $ground }, which socred refuses on principle, in a commercial score as in the rulebook (see BRIEF.md)
problem-reason-code-format = must be 1-8 characters of A-Z and 0-9
problem-dimension-unknown = { $dimension } is not a dimension; the closed set is: { $choices }
problem-behaviour-count = names 1-64 behaviours of the rulebook
problem-not-a-behaviour-of = { $code } is not a behaviour of rulebook { $rulebook } { $version }
problem-window-longer = { $years } is longer than the { $record_years } years a record of { $code } counts under the rulebook
problem-history-of-deduction = { $code } is a deduction: a history counts only records that are not (an adverse record counts for its years)
problem-window-required = a count of records needs window_years within 1..={ $max }
problem-history-no-window = history-years counts from the earliest record: it takes no window
problem-source-unknown = { $source } is not a source; the closed set is: records, history-years
problem-monotone-unknown = { $value } is not increasing or decreasing
problem-bin-count = needs 2-{ $max } bins
problem-bin-open-not-last = only the last bin is open-ended
problem-bin-last-closed = the last bin takes every value above the one before: it has no up_to
problem-bin-up-to = { $up_to } must be at least { $from } (each bin above the last) and below 100000
problem-bin-not-increasing = the characteristic is declared increasing, but bin { $bin } gives { $points } after { $previous }
problem-bin-not-decreasing = the characteristic is declared decreasing, but bin { $bin } gives { $points } after { $previous }

## The grounds socred refuses to score, said inside the refusals above.
problem-ground-political-opinion = political opinion
problem-ground-criticism = criticism of government
problem-ground-speech = speech
problem-ground-petitioning = petitioning
problem-ground-assembly = petitioning and assembly
problem-ground-religion = religion
problem-ground-ethnicity = ethnicity
problem-ground-family-size = family size
problem-ground-private-life = private or family life
problem-ground-lifestyle = lifestyle
problem-ground-association = whom a person associates with
problem-ground-surveillance = surveillance feeds
problem-ground-location = location tracking
problem-ground-browsing = browsing histories
problem-ground-purchases = purchase histories
