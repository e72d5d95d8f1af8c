"""Events: the workflow of a reported problem (立案 → 派遣 → 处置 → 核查 → 结案).

An event is a record (form kind ``event``, captured through sync batches); its workflow state
and history live in ``events`` and ``event_transitions``, written by ``ledger`` in the same
transaction as the records (the record store calls it). ``workflow`` takes a person's action;
``verification`` checks a collector's verification items in a batch; ``board`` and
``performance`` read; ``standard`` holds the time limits; ``overdue`` is the job that flags
events past their deadline.
"""
