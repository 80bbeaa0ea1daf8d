"""Unions of played intervals, as sorted lists of disjoint [start, end] seconds."""

from __future__ import annotations

Intervals = list[list[float]]


def normalize(raw: Intervals, duration: float) -> Intervals:
    """Clip to [0, duration], drop empty ones, sort and merge."""
    clipped = sorted([max(0.0, float(a)), min(float(duration), float(b))] for a, b in raw)
    out: Intervals = []
    for a, b in clipped:
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def length(intervals: Intervals) -> float:
    return sum(b - a for a, b in intervals)


def subtract(new: Intervals, have: Intervals) -> Intervals:
    """The parts of `new` (normalized) not already in `have` (normalized)."""
    out: Intervals = []
    j = 0
    for a, b in new:
        while j < len(have) and have[j][1] <= a:
            j += 1
        k = j
        start = a
        while k < len(have) and have[k][0] < b:
            if have[k][0] > start:
                out.append([start, have[k][0]])
            start = max(start, have[k][1])
            k += 1
        if start < b:
            out.append([start, b])
    return out


def truncate(intervals: Intervals, budget: float) -> Intervals:
    """The first `budget` seconds of `intervals`, in order."""
    out: Intervals = []
    for a, b in intervals:
        if budget <= 0:
            break
        end = min(b, a + budget)
        out.append([a, end])
        budget -= end - a
    return out


def merge(a: Intervals, b: Intervals, duration: float) -> Intervals:
    return normalize(a + b, duration)
