"""The similarity index at province scale: 200,000 evidence texts of ~1,500 Chinese characters.

1. Generates `--texts` synthetic texts (tisheng.practice.checks.textgen), 1 % of them planted
   near-duplicates of an earlier text (one character in 100 changed, another teacher);
2. computes their MinHash signatures (timed: what indexing costs per submission) and packs
   them as stored in the database (512 bytes each);
3. builds the index from the packed signatures, as a worker does at start (timed);
4. looks up `--lookups` new texts (half of them copies of indexed texts, half unrelated):
   signature + LSH candidates + containment estimate, each timed; p50 / p99 against 50 ms;
   then times the exact measure of a lookup's candidates (20 texts at most);
5. reports the index's memory and whether every planted duplicate was found.

Prints `similarity_*=…` figures. Runs without a database (the engine alone); the database
part of a lookup is one primary-key query for the few candidates.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from tisheng.practice.checks import similarity, textgen  # noqa: E402

LIMIT_MS = 50.0
CHUNK = 5000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=200_000)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--length", type=int, default=1500)
    args = parser.parse_args()
    rng = random.Random(2019)
    n = args.texts

    started = time.perf_counter()
    packed: list[bytes] = []
    teachers = np.empty(n, dtype=np.int64)
    planted: list[tuple[int, int]] = []  # (copy key, original key)
    copies: set[int] = set()
    texts_kept: dict[int, str] = {}
    sign_seconds = 0.0
    for key in range(1, n + 1):
        if key > 100 and rng.random() < 0.01:
            original = rng.randrange(1, key)
            while original in copies:
                original = rng.randrange(1, key)
            copies.add(key)
            source = texts_kept.get(original)
            if source is None:
                source = textgen.text(random.Random(original), args.length)
            text = textgen.edited(source, rng, every=100)
            planted.append((key, original))
        else:
            text = textgen.text(random.Random(key), args.length)
        if key % 50 == 0 and len(texts_kept) < 5000:
            texts_kept[key] = text
        t = time.perf_counter()
        sig = similarity.signature(text)
        sign_seconds += time.perf_counter() - t
        packed.append(similarity.pack(sig))
        teachers[key - 1] = key  # one text per teacher: every other text is someone else's
        if key % 20000 == 0:
            print(f"  {key} texts signed", flush=True)
    generate_seconds = time.perf_counter() - started - sign_seconds

    started = time.perf_counter()
    index = similarity.SimilarityIndex(capacity=n)
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        sigs = np.stack([similarity.unpack(p) for p in packed[lo:hi]])
        index.add_many(np.arange(lo + 1, hi + 1), teachers[lo:hi], sigs, sort=False)
    index.sort()
    build_seconds = time.perf_counter() - started

    found = sum(1 for copy, original in planted
                if original in {m.key for m in index.query(similarity.unpack(packed[copy - 1]),
                                                           teacher_id=-1, exclude_key=copy)})

    timings: list[float] = []
    cpu: list[float] = []
    hits = 0
    kept = list(texts_kept.items())
    for i in range(args.lookups):
        if i % 2 == 0 and kept:
            key, source = kept[i // 2 % len(kept)]
            text = textgen.edited(source, rng, every=100)
        else:
            key, text = None, textgen.text(rng, args.length)
        t, c = time.perf_counter(), time.process_time()
        matches = index.query(similarity.signature(text), teacher_id=-1)
        timings.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        if key is not None and key in {m.key for m in matches}:
            hits += 1
    timings.sort()
    cpu.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    p99_cpu = cpu[int(len(cpu) * 0.99) - 1]
    load = os.getloadavg()[0]
    # The exact measure of a lookup's candidates (index_submission reads their texts): the
    # worst case, MAX_VERIFIED texts of the same length.
    verify: list[float] = []
    for _ in range(50):
        text = textgen.text(rng, args.length)
        others = {k: textgen.text(rng, args.length) for k in range(similarity.MAX_VERIFIED)}
        t = time.perf_counter()
        similarity.copied_share(text, others)
        verify.append((time.perf_counter() - t) * 1000)
    verify.sort()

    memory = index.sigs.nbytes + index.bands.nbytes + index.keys.nbytes + index.teachers.nbytes + index.sizes.nbytes + sum(
        a.nbytes for a in index._sorted_keys) + sum(a.nbytes for a in index._sorted_pos)

    print(f"similarity_texts={n}")
    print(f"similarity_generate_seconds={generate_seconds:.1f}")
    print(f"similarity_signature_ms_mean={sign_seconds / n * 1000:.2f}")
    print(f"similarity_index_build_seconds={build_seconds:.1f}")
    print(f"similarity_index_memory_mb={memory / 2**20:.0f}")
    print(f"similarity_planted_found={found}/{len(planted)}")
    print(f"similarity_lookup_copies_found={hits}/{(args.lookups + 1) // 2 if kept else 0}")
    print(f"similarity_lookup_p50_ms={statistics.median(timings):.2f}")
    print(f"similarity_lookup_p99_ms={p99:.2f} (limit {LIMIT_MS:.0f})")
    print(f"similarity_lookup_p99_cpu_ms={p99_cpu:.2f}")
    print(f"similarity_verify_{similarity.MAX_VERIFIED}_texts_p99_ms={verify[-1]:.2f}")
    print(f"similarity_load_average={load:.1f} (on {os.cpu_count()} cores)")
    return 0 if p99 < LIMIT_MS and found == len(planted) else 1


if __name__ == "__main__":
    sys.exit(main())
