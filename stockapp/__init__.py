"""stockapp: live Indian stock-market web app."""
