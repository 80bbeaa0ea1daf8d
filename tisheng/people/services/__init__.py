"""Writes for teachers: the roster import (bulk) and single edits and transfers."""
