"""Shared Reflex state: authentication and the live-quote mechanism."""
