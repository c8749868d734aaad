"""Reading raw files: registration sheets as staff keep them (`readers`), the header aliases (`columns`),
dates and times in the forms staff type (`parsing`), the processed-table schemas (`schemas`) and the blank
templates for staff (`template`, `xlsx`). Nothing here decides what a row means; that is `cleaning`."""
