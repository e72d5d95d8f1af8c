"""Enterprises' monthly indicators, delivered by departments as files (one per indicator per
month) and imported as jobs: start (the file checked as a whole) → job (rows read in chunks
with the bulk import's table reader) → store (rows matched to enterprises by credit code and
written set-based; a re-delivered month replaces the old one, which moves to the history).
"""
from server.services.indicators.job import INDICATOR_IMPORT_JOB, run_indicator_import
from server.services.indicators.start import accept_indicator_upload, start_indicator_import

__all__ = ["INDICATOR_IMPORT_JOB", "accept_indicator_upload", "run_indicator_import",
           "start_indicator_import"]
