-- While a generation runs, the edge invocation serving it stamps heartbeat_at every few seconds.
-- A retry that finds the row `running` with a stale stamp knows the attempt's edge instance is
-- gone (a restart, a code reload, an eviction) and runs the request again at once, instead of
-- answering 409 until the reconciler's deadline passes.
ALTER TABLE generations ADD COLUMN heartbeat_at INTEGER;
