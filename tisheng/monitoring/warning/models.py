"""Early warning and intervention models."""
