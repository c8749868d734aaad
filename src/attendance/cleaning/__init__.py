"""The clean step: raw rows → visits, referrals and an account of every row (`clean`), with the quality
rules and their log (`quality`), name matching (`names`), keyed pseudonyms (`pseudonym`) and the analyst's
review workbook (`review`). Names, initials and CPR numbers stop here."""
