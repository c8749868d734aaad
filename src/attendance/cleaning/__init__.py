"""The clean step: raw rows → visits, referrals and an account of every row. `clean` runs the steps in order:
`records` (the records' status, flags and quality log), `raw_rows` (which rows are registrations, offer, staff),
`visit_dates`, `citizens` (names resolved and keyed), `visit_times` (times and opening hours), `visit_merging`
(duplicates, overlaps, day marks, trips), `accounting` (where every row ended, quarantine) and
`processed_tables` (visits and referrals validated and written); with the quality rules and their log
(`quality`), name matching (`names`), keyed pseudonyms (`pseudonym`) and the analyst's review workbook
(`review`). Names, initials and CPR numbers stop here."""
