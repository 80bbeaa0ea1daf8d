"""The province's similarity index, backed by the database.

Each worker process keeps one `SimilarityIndex` in memory. The first use loads every stored
signature (a rebuild at worker start); later uses read only the rows above the largest
submission id already held (plus a window below it, for rows of transactions that committed
late), so the index is kept current incrementally. The in-memory index only proposes
candidates: a match is confirmed against the candidates' signatures read from the database,
so a stale entry can never produce a wrong match.

Indexing a submission: its text's MinHash and size are stored (`SubmissionSignature`); the
index proposes the other teachers' texts that may contain a good part of it (estimated
containment ≥ similarity.CANDIDATE_SHARE, at most MAX_VERIFIED of them); those texts are
read and the share of the new text found in them is measured exactly: in all of them
together (the signature's `copied_share`, 复制比) and in each (a `SimilarityMatch` per
source holding at least MIN_SOURCE_SHARE). Whether that share flags the evidence is the
program's rule (`similarity_flag_share`), applied when the flags are read, so a province
that changes it sees every earlier text judged by the new value. New submissions are picked up by the `practice_checks.index` job, queued
when a submission with text is saved (see apps.py); the job indexes everything not yet
indexed, so a lost job is made good by the next one.
"""

from __future__ import annotations

import threading

import numpy as np
from django.db import IntegrityError, transaction

from tisheng.practice.checks import similarity
from tisheng.practice.checks.models import SimilarityMatch, SubmissionSignature

# Rows with ids this far below the high-water mark are read again at each sync.
LATE_COMMIT_WINDOW = 1000
LOAD_CHUNK = 5000

_index: similarity.SimilarityIndex | None = None
_lock = threading.Lock()


def reset_index() -> None:
    """Forget the in-memory index (the next use rebuilds it from the database)."""
    global _index
    with _lock:
        _index = None


def province_index() -> similarity.SimilarityIndex:
    """The process's index, synchronised with the stored signatures."""
    global _index
    with _lock:
        if _index is None:
            _index = similarity.SimilarityIndex()
        _sync(_index)
        return _index


def _sync(index: similarity.SimilarityIndex) -> None:
    since = max(0, index.high_water - LATE_COMMIT_WINDOW)
    rows = (SubmissionSignature.objects.filter(submission_id__gt=since).order_by("submission_id")
            .values_list("submission_id", "teacher_id", "hashvalues", "shingles"))
    keys: list[int] = []
    teachers: list[int] = []
    sigs: list[np.ndarray] = []
    sizes: list[int] = []
    for key, teacher_id, data, size in rows.iterator(chunk_size=LOAD_CHUNK):
        if key in index or not data:
            continue
        keys.append(key)
        teachers.append(teacher_id)
        sigs.append(similarity.unpack(data))
        sizes.append(size)
        if len(keys) >= LOAD_CHUNK:
            index.add_many(keys, teachers, np.stack(sigs), sizes, sort=False)
            keys, teachers, sigs, sizes = [], [], [], []
    if keys:
        index.add_many(keys, teachers, np.stack(sigs), sizes, sort=False)
    if len(index) - index._sorted_upto > 0:
        index.sort()


def index_submission(submission) -> list[SimilarityMatch]:
    """Store the submission's signature, its copied share and its sources; returns the
    sources (none for a text too short to compare, or already indexed)."""
    if SubmissionSignature.objects.filter(submission_id=submission.pk).exists():
        return []
    found = similarity.sketch(submission.text)
    if found is None:
        # Marked as seen (an empty signature), so the job does not pick it up again.
        SubmissionSignature.objects.get_or_create(submission_id=submission.pk,
                                                  defaults={"teacher_id": submission.teacher_id, "hashvalues": b""})
        return []
    sig, size = found
    index = province_index()
    candidates = index.query(sig, size, teacher_id=submission.teacher_id, exclude_key=submission.pk)
    estimates = {m.key: m.jaccard for m in candidates[:similarity.MAX_VERIFIED]}
    share, sources = _measure(submission, list(estimates))
    try:
        with transaction.atomic():
            SubmissionSignature.objects.create(submission_id=submission.pk, teacher_id=submission.teacher_id,
                                               hashvalues=similarity.pack(sig), shingles=size, copied_share=share)
            matches = SimilarityMatch.objects.bulk_create(
                [SimilarityMatch(submission_id=submission.pk, other_id=other, containment=contained,
                                 jaccard=estimates[other])
                 for other, contained in sources],
                ignore_conflicts=True)
    except IntegrityError:  # another worker indexed it meanwhile
        return []
    with _lock:
        index.add(submission.pk, submission.teacher_id, sig, size)
    return matches


def _measure(submission, keys: list[int]) -> tuple[float, list[tuple[int, float]]]:
    """The exact share of the submission's text found in the candidates' texts (other
    teachers' only: the index may be a moment stale), and each source holding at least
    MIN_SOURCE_SHARE of it, the largest first. One query for the candidates' texts."""
    from tisheng.practice.models import Submission

    if not keys:
        return 0.0, []
    texts = dict(Submission.objects.filter(pk__in=keys).exclude(teacher_id=submission.teacher_id)
                 .values_list("pk", "text"))
    share, each = similarity.copied_share(submission.text, texts)
    sources = sorted(((key, value) for key, value in each.items() if value >= similarity.MIN_SOURCE_SHARE),
                     key=lambda pair: (-pair[1], pair[0]))
    return share, sources


def index_pending(*, limit: int | None = None, progress=None) -> int:
    """Index every submission with text that has no signature yet, oldest first."""
    from tisheng.practice.models import Submission

    pending = (Submission.objects.exclude(text="").filter(similarity_signature__isnull=True)
               .order_by("pk").only("pk", "teacher_id", "text"))
    if limit is not None:
        pending = pending[:limit]
    total = pending.count()
    done = 0
    for submission in pending.iterator(chunk_size=200):
        index_submission(submission)
        done += 1
        if progress is not None and done % 100 == 0:
            progress(done, total)
    return done
