"""xapi models."""
