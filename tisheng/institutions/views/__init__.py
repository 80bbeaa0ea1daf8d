"""Institution pages: selection (selection.py), ratings, evaluation and exit."""
