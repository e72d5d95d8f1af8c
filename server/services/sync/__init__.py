"""Phone synchronisation: batches stored raw, checked, merged set-based or queued for review."""
from server.services.sync.batch import batch_results, process_batch, release_held_updates
from server.services.sync.intake import UploadBatch

__all__ = ["UploadBatch", "batch_results", "process_batch", "release_held_updates"]
