"""Accounts: password hashing, JWTs, log-in throttling, user look-up."""
