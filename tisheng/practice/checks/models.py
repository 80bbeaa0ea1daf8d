"""Spot checks and similarity models."""
