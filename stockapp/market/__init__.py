"""Market domain: instruments, clock, providers, the price hub, options, indicators.

Nothing in this package imports Reflex or FastAPI.
"""
