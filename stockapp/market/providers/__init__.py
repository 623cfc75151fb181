"""Market-data providers: a small interface and its implementations."""
