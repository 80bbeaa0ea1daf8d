"""What the copied share (复制比) detects, on generated reflections (no database).

1. Share detected against sentences rewritten: for each number of rewritten sentences k of
   a 34-sentence reflection (~1,450 characters), `--trials` copies of `--trials` sources, each
   looked up through the index among `--background` other texts of the same topic, then
   measured exactly as `indexing.index_submission` does. Prints the mean share, and the
   share of copies flagged at 0.5, for each k; the old measure (Jaccard ≥ 0.8) beside it.
2. False positives: `--unrelated` new reflections of the same topic (shared stock phrases,
   one vocabulary) looked up the same way: how many reach 0.5 (and 0.2), and the highest share.
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from tisheng.practice.checks import similarity, textgen  # noqa: E402

FLAG = 0.5


def lookup(index: similarity.SimilarityIndex, texts: dict[int, str], text: str) -> float:
    sig, size = similarity.sketch(text)
    candidates = index.query(sig, size, teacher_id=-1)[:similarity.MAX_VERIFIED]
    share, _each = similarity.copied_share(text, {m.key: texts[m.key] for m in candidates})
    return share


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--background", type=int, default=5000)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--unrelated", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(2026)
    started = time.perf_counter()
    sources = [textgen.reflection(rng) for _ in range(args.trials)]
    texts = {k + 1: "".join(s) for k, s in enumerate(sources)}
    for key in range(len(texts) + 1, len(texts) + 1 + args.background):
        texts[key] = "".join(textgen.reflection(rng))
    index = similarity.SimilarityIndex(capacity=len(texts))
    sketches = [similarity.sketch(texts[k]) for k in sorted(texts)]
    index.add_many(sorted(texts), sorted(texts), np.stack([s[0] for s in sketches]), [s[1] for s in sketches])

    print("similarity_quality: sentences rewritten (of 34) → mean copied share, flagged at 0.5, old Jaccard ≥ 0.8")
    for k in (0, 2, 5, 8, 11, 14, 17, 20, 24, 28, 34):
        shares, old = [], 0
        for i, source in enumerate(sources):
            copy = "".join(textgen.rewritten(source, rng, k))
            shares.append(lookup(index, texts, copy))
            old += similarity.jaccard(similarity.signature(copy), similarity.signature(texts[i + 1])) >= 0.8
        flagged = sum(s >= FLAG for s in shares)
        print(f"  similarity_rewritten_{k:02d}: share={np.mean(shares):.3f} min={min(shares):.3f} "
              f"flagged={flagged}/{len(shares)} jaccard_flagged={old}/{len(shares)}")

    shares = [lookup(index, texts, "".join(textgen.reflection(rng))) for _ in range(args.unrelated)]
    print(f"similarity_unrelated_texts={args.unrelated} (same topic, against {len(texts)} texts)")
    print(f"similarity_false_positives_at_0.5={sum(s >= FLAG for s in shares)}/{len(shares)}")
    print(f"similarity_unrelated_at_0.2={sum(s >= 0.2 for s in shares)}/{len(shares)}")
    print(f"similarity_unrelated_share_max={max(shares):.3f} mean={np.mean(shares):.3f}")
    print(f"similarity_quality_seconds={time.perf_counter() - started:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
