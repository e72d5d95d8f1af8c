"""Background jobs: heavy work (exports, imports, deliveries, monthly runs) off the request path.

A job is a row in ``jobs``, enqueued in the same transaction as the change that asks for it, so
a request that rolls back leaves no job behind. Workers (``flask jobs work``) claim jobs with
``FOR UPDATE SKIP LOCKED`` under a lease; a job whose worker dies is claimed again when its
lease runs out, so handlers work in chunks that can be run again without harm.
"""
from server.services.jobs.queue import JobContext, enqueue, visible_job

__all__ = ["JobContext", "enqueue", "visible_job"]
