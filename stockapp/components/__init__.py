"""Stateless UI pieces: price cells, ticker, navigation, layout."""
