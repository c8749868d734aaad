"""The analysis tracks, one package per report: attendance overview (`overview`, report 10), spor 1 §104
with referral (`referral`, 11), spor 2 open drop-in (`drop_in`, 12), spor 3 sheltered employment
(`employment`, 13) and the decision basis across them (`decision`, 20). Each keeps computation on processed
data (`compute`), the Danish tables and sentences (`tables`, `texts`) and its figures (`figures`) apart, and
its `__init__` is what the notebook calls; formats and disclosure come from `reporting`."""
