"""Reading raw files. The registration sheets as staff keep them: `registrations` finds the files and reads
sheet by sheet, opening CSV exports (`csv_files`: encodings, separators) and workbooks (`workbooks`: .xlsx,
.ods, encrypted or uncalculated files) into text grids (`grids`), finding the header row and layout
(`sheet_layout`) and turning each sheet into records (`sheet_records`). Beside them the dataset's own files
(`offers`: dataset.yaml, offers.yaml) and the lists about citizens (`citizen_lists`: referrals, name variants);
`readers` is the entry point the rest of the package imports from. Also the header aliases (`columns`), dates
and times in the forms staff type (`parsing`), the processed-table schemas (`schemas`) and the blank templates
for staff (`template`, `xlsx`). Nothing here decides what a row means; that is `cleaning`."""
