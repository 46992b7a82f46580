# Why an input was refused (crates/socred-i18n/src/reasons.rs). The English
# reads exactly as the parsers' errors do (a test compares).

reason-id-input = { $input } { $reason }
reason-id-length = must be 18 characters long, got { $count }
reason-id-charset = character { $position } ({ $found }) is not allowed: { $expected }
reason-id-expected-digits = positions 1-17 must be digits
reason-id-expected-check = the check character must be a digit or X
reason-id-expected-code = digits and capital letters except I, O, S, V, Z
reason-id-expected-ascii = only ASCII digits and letters
reason-id-region = region code { $region } does not start with a province-level code (GB/T 2260)
reason-id-date = birth date { $date } is not a valid calendar date from 1800 on
reason-id-authority = registration authority { $code } is not one of 1-9, A, N, Y (GB 32100)
reason-id-check = check character is { $found }, expected { $expected }
reason-id-ambiguous = is valid both as a person's and an organisation's number; say which kind
reason-id-born-in-future = birth date { $date } is after today; a resident identity number is issued to someone already born
reason-id-born-too-long-ago = birth date { $date } is more than { $years } years before today
reason-id-neither = is neither a resident identity number ({ $person }) nor a unified social credit code ({ $organisation })
reason-field-empty = must not be empty
reason-field-too-long = is { $count } characters long; at most { $max }
reason-field-charset = contains { $found }; allowed are letters, digits and . _ : -
reason-field-control = contains a control character
reason-field-format = must have the form { $form }
reason-date-format = { $input } is not a date in the form YYYY-MM-DD
reason-date-calendar = { $input } is not a valid calendar date
reason-date-range = { $input } is outside the supported range 1900-01-01 to 2999-12-31
reason-unknown-subject = subject { $id } is not registered
reason-unknown-record = record { $id } does not exist
reason-problem = { $field }: { $reason }
reason-problems-separator = ;{ " " }
reason-unknown-behaviour = { $code } is not in rulebook { $rulebook } { $version }
reason-after-today = { $day } is after today ({ $today }); a record describes what has already happened
reason-too-old = { $day } is more than { $years } years before today ({ $today }); the rulebook's max_record_age_years allows records from { $earliest } on
reason-before-birth = { $day } is before the subject's birth date
