"""The declared route × role expectations, one module per feature."""
