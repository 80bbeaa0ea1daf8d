"""integration models."""
