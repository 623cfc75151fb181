"""Price alerts: persistence (store), per-process evaluation (engine), delivery (webhook)."""
