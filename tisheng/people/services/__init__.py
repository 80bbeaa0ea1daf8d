"""Writes for teachers.

- `roster`: validate roster rows and apply them in bulk (the import and province seeding).
- `roster_files`: read .xlsx / .csv roster files; every unusable file is a RosterFileError.
- `roster_import`: one import from a file: preview or commit, the RosterImport history.
- `roster_reports`: the template and the error report spreadsheets.
- `bulk`: fast row writes (COPY / executemany / UPDATE … FROM VALUES) behind roster_apply.
- `teachers`: single edits and transfers, with the same bookkeeping as the import.
"""
