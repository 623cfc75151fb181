"""Typed accessors pages use instead of the runtime."""
