"""The analysis tracks, one module per report: attendance overview (`overview`, report 10), spor 1 §104
with referral (`referral`, 11), spor 2 open drop-in (`drop_in`, 12), spor 3 sheltered employment
(`employment`, 13) and the decision basis across them (`decision`, 20). Each computes from processed data
and hands Danish tables and figures to the notebook; formats and disclosure come from `reporting`."""
