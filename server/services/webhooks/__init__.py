"""Webhooks: departments subscribe URLs to the changes of the records they may read.

- subscriptions.py: who may subscribe for which department, to what (within the grant);
  the reach of a subscription under the grant as it is now.
- events.py: the record history is the transactional outbox; each subscription's cursor reads
  it like the change feed and turns new versions into deliveries (job ``webhook_events``).
- deliveries.py, sender.py, transport.py: due deliveries disclosed per grant, logged, signed
  (Standard Webhooks), posted with timeouts to allowed addresses, retried with backoff for a
  day, then parked (job ``webhook_deliveries``).
- log.py: a subscription's delivery log.
Both jobs are periodic (jobs/schedule.py): every worker keeps them going, one run at a time.
"""
