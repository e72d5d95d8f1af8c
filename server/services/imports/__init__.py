"""Bulk imports of records from CSV or XLSX files, as background jobs.

start (the file checked as a whole, a job queued) → job (the file read in chunks, resumable)
→ chunk (rows matched by natural key, validated by the form, written through the record store).
The table reader (``table_file``) knows nothing of forms: other imports read files with it.
"""
from server.services.imports.job import run_import
from server.services.imports.report import rejections
from server.services.imports.start import IMPORT_JOB, accept_upload, start_import

__all__ = ["IMPORT_JOB", "accept_upload", "rejections", "run_import", "start_import"]
