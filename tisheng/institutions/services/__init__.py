"""Institution writes: selection rounds (selection.py); evaluation and exit come beside it."""
