"""Copied evidence texts: what share of a new text is found in earlier texts of other
teachers (复制比, as Chinese plagiarism checkers report it), found through MinHash LSH and
then measured exactly.

Why containment and not similarity: a reflection copied with 5 of its 34 sentences rewritten
is 92 % verbatim, yet its Jaccard similarity with the source (shared passages over the union
of both texts' passages) is 0.77, under any sensible similarity threshold; a paragraph
copied into a longer text scores lower still. What a grader needs is the share of the new
text found elsewhere, |A ∩ B| / |A|, summed over every source it draws on.

Normalisation: NFKC (full-width letters, digits and punctuation become half-width), lower
case, then everything that is not a letter or a digit (whitespace, punctuation, symbols) is
dropped, so re-spacing, re-punctuating or switching 全角/半角 does not hide a copy.

Shingles are SHINGLE = 4 consecutive characters. Chinese words are mostly two characters, so
a 4-gram spans about two words: the analogue of the word-bigram shingles used for English
near-duplicate detection. 3-grams are mostly single common phrases (信息技术, 学生的学), which
every reflection on the same point shares, and lift the overlap of unrelated texts written
to one template; 5-grams make a light edit (one changed character every sentence) cost too
much. The tests pin both sides.

Finding candidates: signatures are datasketch MinHashes (128 permutations, the affine32
scheme: 128 × uint32 = 512 bytes per text), fed with 32-bit hashes of the shingles computed
in numpy in one pass, plus the text's number of distinct shingles. From the Jaccard estimate
J and the two sizes, the containment of A in B is J·(|A| + |B|) / ((1 + J)·|A|). Half of an
equally long text copied is J = 0.33; half of a text copied into one twice as long, J = 0.2.
The LSH therefore bands the signature as 64 bands × 2 rows: a pair is a candidate with
probability 1 − (1 − J²)^64, which is 0.93 at J = 0.2 and 0.9995 at 0.33, while unrelated
texts (J ≈ 0.02) share a band 2.5 % of the time and cost one comparison each. Candidates
whose estimated containment reaches CANDIDATE_SHARE are measured exactly from the texts
(`copied_share`); the estimate only chooses which texts to read. The bands are stored as
numpy arrays instead of MinHashLSH's Python dictionaries: a band key is one uint32 (two
values folded: unrelated keys collide once in 2³² comparisons, about 0.003 false candidates
a lookup among 200,000 texts, and a false candidate costs one estimate), each band a sorted
array of keys with int32 positions, searched by bisection, plus a small unsorted tail for
texts added since the last sort: 64 bands cost 768 bytes a text, the signature 512.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

SHINGLE = 4
NUM_PERM = 128
# Estimated containment at which a candidate's text is read and measured exactly: well under
# the flag share (0.5 by default, a rule of the program), as the estimate from 128
# permutations is within about ±0.1 of the truth.
CANDIDATE_SHARE = 0.25
# At most this many candidates are measured, the highest estimates first.
MAX_VERIFIED = 20
# A source is listed when at least this share of the new text is found in it.
MIN_SOURCE_SHARE = 0.1
SEED = 1
SCHEME = "affine32"
# Texts shorter than this (after normalisation) are not compared: a two-line note says
# nothing about copying, and its few shingles make the estimate noisy.
MIN_CHARS = 30

_NOT_WORD = re.compile(r"[\W_]+")
_PROTOTYPE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
PERMUTATIONS = _PROTOTYPE.permutations
BANDS, ROWS = 64, 2
# Random odd multipliers that fold a band's 8 values into one 64-bit key.
_BAND_MULT = (np.random.RandomState(7).randint(1, 2**62, size=ROWS, dtype=np.uint64) * np.uint64(2) + np.uint64(1))
_POLY = np.uint64(0x100000001B3)


def normalize(text: str) -> str:
    """The text as compared: half-width, lower case, letters and digits only."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text or "").lower())


def shingle_hashes(norm: str) -> np.ndarray:
    """The distinct 32-bit hashes of the text's SHINGLE-character n-grams (numpy, no loop
    over characters)."""
    if len(norm) < SHINGLE:
        return np.empty(0, dtype=np.uint32)
    cps = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(cps) - SHINGLE + 1
    with np.errstate(over="ignore"):
        h = np.zeros(n, dtype=np.uint64)
        for i in range(SHINGLE):
            h = h * _POLY + cps[i:i + n]
        folded = (h ^ (h >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return np.unique(folded.astype(np.uint32))


def sketch(text: str) -> tuple[np.ndarray, int] | None:
    """The MinHash values (128 × uint32) and the number of distinct shingles, or None when
    the text is too short to compare."""
    norm = normalize(text)
    if len(norm) < MIN_CHARS:
        return None
    hashes = shingle_hashes(norm)
    m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=int, permutations=PERMUTATIONS)
    m.update_batch(hashes.tolist())
    return np.asarray(m.hashvalues, dtype=np.uint32), len(hashes)


def signature(text: str) -> np.ndarray | None:
    """The MinHash values (128 × uint32), or None for a text too short to compare."""
    found = sketch(text)
    return None if found is None else found[0]


def containment_estimate(j, size: int, other_sizes) -> np.ndarray:
    """The estimated share of a text of `size` shingles found in texts of `other_sizes`
    shingles, from the Jaccard estimates `j`. A size of 0 (a signature stored before sizes
    were) is taken as equal to the other's."""
    j = np.asarray(j, dtype=np.float64)
    other = np.asarray(other_sizes, dtype=np.float64)
    if size <= 0:
        return np.minimum(1.0, 2 * j / (1 + j))
    other = np.where(other > 0, other, size)
    return np.minimum(1.0, j * (size + other) / ((1 + j) * size))


def copied_share(text: str, sources: dict[int, str]) -> tuple[float, dict[int, float]]:
    """The share of the text's shingles found in any of `sources` (复制比), and the share
    found in each one. Exact (set intersection of the shingle hashes), not estimated."""
    mine = shingle_hashes(normalize(text))
    if not len(mine):
        return 0.0, {}
    found = np.zeros(len(mine), dtype=bool)
    each: dict[int, float] = {}
    for key, other in sources.items():
        hit = np.isin(mine, shingle_hashes(normalize(other)), assume_unique=True)
        each[key] = float(hit.mean())
        found |= hit
    return float(found.mean()), each


def pack(sig: np.ndarray) -> bytes:
    """The signature as stored in the database (512 bytes, little-endian uint32)."""
    return np.asarray(sig, dtype="<u4").tobytes()


def unpack(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4").astype(np.uint32)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The MinHash estimate of the Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


def band_keys(sigs: np.ndarray) -> np.ndarray:
    """One uint32 per band for each signature row: (n, 128) → (n, BANDS)."""
    sigs = np.atleast_2d(sigs).astype(np.uint64)
    bands = sigs[:, :BANDS * ROWS].reshape(len(sigs), BANDS, ROWS)
    with np.errstate(over="ignore"):
        keys = (bands * _BAND_MULT).sum(axis=2, dtype=np.uint64)
    # The band number goes into the key, so equal values in different bands never collide.
    keys ^= np.arange(BANDS, dtype=np.uint64)
    return ((keys ^ (keys >> np.uint64(32))) & np.uint64(0xFFFFFFFF)).astype(np.uint32)


@dataclass(frozen=True)
class Match:
    key: int
    teacher_id: int
    jaccard: float
    containment: float  # estimated share of the query text found in this one


class SimilarityIndex:
    """All signatures of the province in memory: keys (submission ids), their teachers, the
    signatures and their band keys, with each band sorted for bisection."""

    def __init__(self, capacity: int = 1024):
        self.size = 0
        self.keys = np.zeros(capacity, dtype=np.int64)
        self.teachers = np.zeros(capacity, dtype=np.int64)
        self.sizes = np.zeros(capacity, dtype=np.int32)
        self.sigs = np.zeros((capacity, NUM_PERM), dtype=np.uint32)
        self.bands = np.zeros((capacity, BANDS), dtype=np.uint32)
        self._sorted_upto = 0
        self._sorted_keys: list[np.ndarray] = [np.empty(0, dtype=np.uint32)] * BANDS
        self._sorted_pos: list[np.ndarray] = [np.empty(0, dtype=np.int32)] * BANDS
        self._known: set[int] = set()
        self.high_water = 0  # the largest key added: the next database sync reads above it

    def __len__(self) -> int:
        return self.size

    def __contains__(self, key: int) -> bool:
        return key in self._known

    def _grow(self, need: int) -> None:
        capacity = len(self.keys)
        if need <= capacity:
            return
        new = max(need, capacity * 2)
        self.keys = np.resize(self.keys, new)
        self.teachers = np.resize(self.teachers, new)
        self.sizes = np.resize(self.sizes, new)
        sigs = np.zeros((new, NUM_PERM), dtype=np.uint32)
        sigs[:self.size] = self.sigs[:self.size]
        self.sigs = sigs
        bands = np.zeros((new, BANDS), dtype=np.uint32)
        bands[:self.size] = self.bands[:self.size]
        self.bands = bands

    def add_many(self, keys, teachers, sigs: np.ndarray, sizes=None, *, sort: bool = True) -> None:
        """Add signatures (keys not yet in the index) with their texts' numbers of distinct
        shingles (0: unknown); sorts the bands when the unsorted tail grows past an eighth
        of the index. A bulk load passes `sort=False` and calls `sort()` once at the end."""
        keys = np.asarray(keys, dtype=np.int64)
        sizes = np.zeros(len(keys), dtype=np.int32) if sizes is None else np.asarray(sizes, dtype=np.int32)
        fresh = np.array([int(k) not in self._known for k in keys], dtype=bool)
        if not fresh.all():
            keys, teachers, sigs = keys[fresh], np.asarray(teachers)[fresh], np.asarray(sigs)[fresh]
            sizes = sizes[fresh]
        n = len(keys)
        if not n:
            return
        self._grow(self.size + n)
        end = self.size + n
        self.keys[self.size:end] = keys
        self.teachers[self.size:end] = np.asarray(teachers, dtype=np.int64)
        self.sizes[self.size:end] = sizes
        self.sigs[self.size:end] = sigs
        self.bands[self.size:end] = band_keys(sigs)
        self.size = end
        self._known.update(int(k) for k in keys)
        self.high_water = max(self.high_water, int(keys.max()))
        if sort and self.size - self._sorted_upto > max(4096, self._sorted_upto // 8):
            self.sort()

    def add(self, key: int, teacher_id: int, sig: np.ndarray, size: int = 0) -> None:
        self.add_many([key], [teacher_id], np.asarray(sig, dtype=np.uint32).reshape(1, NUM_PERM), [size])

    def sort(self) -> None:
        n = self.size
        for band in range(BANDS):
            column = self.bands[:n, band]
            order = np.argsort(column, kind="stable")
            self._sorted_keys[band] = column[order]
            self._sorted_pos[band] = order.astype(np.int32)
        self._sorted_upto = n

    def candidates(self, sig: np.ndarray) -> np.ndarray:
        """Positions sharing at least one band with `sig`."""
        query = band_keys(sig)[0]
        found = []
        for band in range(BANDS):
            keys = self._sorted_keys[band]
            lo = np.searchsorted(keys, query[band], side="left")
            hi = np.searchsorted(keys, query[band], side="right")
            if hi > lo:
                found.append(self._sorted_pos[band][lo:hi])
        tail = self.bands[self._sorted_upto:self.size]
        if len(tail):
            hit = np.nonzero((tail == query).any(axis=1))[0]
            found.append(hit + self._sorted_upto)
        if not found:
            return np.empty(0, dtype=np.int64)
        return np.unique(np.concatenate(found))

    def query(self, sig: np.ndarray, size: int = 0, *, teacher_id: int | None = None,
              exclude_key: int | None = None, min_containment: float = CANDIDATE_SHARE) -> list[Match]:
        """Texts of other teachers in which an estimated `min_containment` or more of the
        query text (of `size` distinct shingles) is found, highest estimate first. The same
        teacher's texts (their earlier versions) are never matches."""
        sig = np.asarray(sig, dtype=np.uint32)
        pos = self.candidates(sig)
        if teacher_id is not None and len(pos):
            pos = pos[self.teachers[pos] != teacher_id]
        if exclude_key is not None and len(pos):
            pos = pos[self.keys[pos] != exclude_key]
        if not len(pos):
            return []
        scores = np.count_nonzero(self.sigs[pos] == sig, axis=1) / NUM_PERM
        shares = containment_estimate(scores, size, self.sizes[pos])
        keep = shares >= min_containment
        matches = [Match(key=int(k), teacher_id=int(t), jaccard=float(s), containment=float(c))
                   for k, t, s, c in zip(self.keys[pos][keep], self.teachers[pos][keep], scores[keep], shares[keep],
                                         strict=True)]
        return sorted(matches, key=lambda m: (-m.containment, -m.jaccard, m.key))


def shared_segments(text: str, other: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    """Both texts cut into runs of (text, shared): a character is shared when one of the
    SHINGLE-grams covering it (after normalisation) occurs in the other text. The template
    marks the shared runs; nothing here is HTML."""
    a_norm, a_map = _normalized_with_positions(text)
    b_norm, b_map = _normalized_with_positions(other)
    a_grams = {a_norm[i:i + SHINGLE] for i in range(len(a_norm) - SHINGLE + 1)}
    b_grams = {b_norm[i:i + SHINGLE] for i in range(len(b_norm) - SHINGLE + 1)}
    common = a_grams & b_grams
    return _segments(text, a_norm, a_map, common), _segments(other, b_norm, b_map, common)


def _normalized_with_positions(text: str) -> tuple[str, list[int]]:
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text or ""):
        for c in _NOT_WORD.sub("", unicodedata.normalize("NFKC", ch).lower()):
            chars.append(c)
            where.append(i)
    return "".join(chars), where


def _segments(text: str, norm: str, where: list[int], common: set[str]) -> list[tuple[str, bool]]:
    marked = [False] * len(text)
    for i in range(len(norm) - SHINGLE + 1):
        if norm[i:i + SHINGLE] in common:
            first, last = where[i], where[i + SHINGLE - 1]
            for j in range(first, last + 1):
                marked[j] = True
    segments: list[tuple[str, bool]] = []
    start = 0
    for j in range(1, len(text) + 1):
        if j == len(text) or marked[j] != marked[start]:
            segments.append((text[start:j], marked[start]))
            start = j
    return segments
