"""Use cases: plain functions taking a Session, flushing but never committing."""
