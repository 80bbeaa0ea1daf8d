"""practice models."""
