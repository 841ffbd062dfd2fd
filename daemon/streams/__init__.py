"""The Redis streams fed from outboxes: the audit stream (ledger transactions) and the execution
event stream (status changes of executions). Each is a `Source` (source.py; audit.py, events.py);
the exactly-once append (stream.py), the relay (relay.py) and `tail` (commands.py, follow.py)
are written once for both."""
