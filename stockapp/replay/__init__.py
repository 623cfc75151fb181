"""Market replay sessions: stored per user, served by a price hub per replay on each worker."""
