"""Plumbing under every part: the database and its migrations, logging, Prometheus metrics, process tuning,
the thread-pool helper and file identities."""
