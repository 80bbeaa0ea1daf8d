"""Chinese full-text search over the library: how the text is indexed, and how a query matches.

Chinese has no spaces, so words cannot be split on them, and a segmenter (jieba) guesses words
by a dictionary: a query for a term it segments differently from the text (希沃白板 as 希沃 + 白板
in one place and as one word in another) misses. Character **bigrams** miss nothing: the text
希沃白板 is indexed as 希沃 · 沃白 · 白板 at consecutive positions, and a query of any length ≥ 2
becomes the phrase of its bigrams (`'希沃' <-> '沃白' <-> '白板'`), which matches exactly where
the query occurs as a substring. Runs of Latin letters and digits are indexed as whole lowercase
words (matched as prefixes: `ppt` finds PPT2019).

On PostgreSQL the bigrams are written as a `tsvector` literal (`'希沃':1 '沃白':2 …`, built here,
never through a text-search parser, so the database's locale cannot change what is indexed) in
`ResourceSearch.tokens` (a table of its own, so the ranking job's updates leave it alone), with
a GIN index: a 2-character query is one lexeme's
posting list, a 10-character query the intersection of nine, rechecked for adjacency.
PostgreSQL's trigram index (pg_trgm) was the other candidate; it cannot use its index for a
query shorter than three characters (a two-character Chinese word, the commonest kind, would
scan the table), and it depends on the locale's idea of which characters are letters.

On SQLite (development, tests) a query matches by substring over the same columns (`LIKE`), the
same results, slower. A single Chinese character (rarely a useful query) matches by substring
on title and description on both databases.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
RUNS = re.compile(rf"[{CJK}]+|[0-9a-z]+")
IS_CJK = re.compile(rf"[{CJK}]")
MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS_PER_LEXEME = 64  # a frequent bigram needs no more to be found
MAX_WORD = 32
MAX_QUERY_RUNS = 8


def normalize(text: str) -> str:
    """Full-width letters and digits to ASCII (ＰＰＴ → ppt), lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _run_lexemes(run: str) -> list[str]:
    if IS_CJK.match(run):
        if len(run) == 1:
            return [run]
        return [run[i:i + 2] for i in range(len(run) - 1)]
    return [run[:MAX_WORD]]


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(*texts: str) -> str:
    """The tsvector of `texts` as a literal: lexeme → positions. Runs are kept a position apart,
    so a phrase never matches across punctuation or a Latin word."""
    positions: dict[str, list[int]] = {}
    position = 1
    for text in texts:
        for run in RUNS.findall(normalize(text)):
            for lexeme in _run_lexemes(run):
                if position > MAX_POSITION:
                    break
                seen = positions.setdefault(lexeme, [])
                if len(seen) < MAX_POSITIONS_PER_LEXEME:
                    seen.append(position)
                position += 1
            position += 1
            if position > MAX_POSITION:
                break
    return " ".join(f"{_quote(lexeme)}:{','.join(map(str, p))}" for lexeme, p in positions.items())


def query_runs(query: str) -> list[str]:
    return RUNS.findall(normalize(query))[:MAX_QUERY_RUNS]


def tsquery_literal(runs: list[str]) -> str:
    """Every run must occur: a Chinese run as the phrase of its bigrams, a Latin word as a prefix."""
    parts = []
    for run in runs:
        if IS_CJK.match(run):
            parts.append("(" + " <-> ".join(_quote(b) for b in _run_lexemes(run)) + ")")
        else:
            parts.append(_quote(run[:MAX_WORD]) + ":*")
    return " & ".join(parts)


def _substring(run: str, fields: tuple[str, ...]) -> Q:
    q = Q()
    for field in fields:
        q |= Q(**{f"{field}__icontains": run})
    return q


def text_filter(qs: QuerySet, query: str) -> QuerySet:
    """`qs` narrowed to the resources whose title, description or files' text hold `query`."""
    runs = query_runs(query)
    if not runs:
        return qs
    single = [r for r in runs if IS_CJK.match(r) and len(r) == 1]
    indexed = [r for r in runs if r not in single]
    for run in single:
        qs = qs.filter(_substring(run, ("title", "description")))
    if not indexed:
        return qs
    if connection.vendor == "postgresql":
        matches = RawSQL("SELECT resource_id FROM resources_resourcesearch WHERE tokens @@ %s::tsquery",
                         [tsquery_literal(indexed)])
        return qs.filter(pk__in=matches)
    for run in indexed:
        qs = qs.filter(_substring(run, ("title", "description", "text")))
    return qs
