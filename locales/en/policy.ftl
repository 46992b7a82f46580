# Policy impact: `socred policy compare` and the impact pages.

cli-policy-heading = Impact of { $after } against { $before } on { $subjects } subjects on { $day } ({ $full } files read in full)
cli-policy-tiers = Subjects per tier (before -> after):
cli-policy-transitions = Moves between tiers:
cli-policy-nobody-moves = nobody moves between tiers
cli-policy-lists = Live list entries (before -> after):
cli-policy-list-row = { $list }: { $before } -> { $after } (gained { $gained }, lost { $lost })
cli-policy-measures = Services that change (before -> after; { $unchanged } unchanged):
cli-policy-measure-denied = { $service }, denied: { $before } -> { $after }
cli-policy-measure-benefit = { $service }, with a benefit: { $before } -> { $after }
cli-policy-points = Points at each quantile:
cli-policy-before = before
cli-policy-after = after
cli-policy-largest = Largest individual changes:
cli-policy-cause = { $behaviour }: { $before } -> { $after } points
cli-policy-adverse = Treated worse (a worse tier, a service newly denied or a new blacklist entry): { $adverse } of { $subjects } ({ $rate }). By group (worse off / in group, ratio to the population's rate):
cli-policy-outside = outside the four-fifths band
cli-policy-too-small = too few to judge
cli-policy-dimension-province = province
cli-policy-dimension-age-band = age band
cli-policy-dimension-sex = sex
cli-policy-dimension-organisation-type = organisation type
cli-policy-digest = Digest (SHA-256): { $digest }

# `socred sim run`
cli-sim-done = Simulated { $subjects } subjects over { $years } years under { $rulebooks } rulebook(s); written to { $dir }: { $files }
cli-sim-last-year = { $rulebook }, { $year }: { $restricted } subjects under a restriction, { $falsely } of them only through uncorrected wrong records ({ $rate }); wrong records corrected in time { $corrected }, late { $late }; cases open past their deadline { $overdue }
