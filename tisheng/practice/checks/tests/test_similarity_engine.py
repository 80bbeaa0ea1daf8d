import random

import numpy as np
from datasketch import MinHash

from tisheng.practice.checks import similarity, textgen
from tisheng.practice.checks.similarity import SimilarityIndex


def _exact_jaccard(a: str, b: str, k: int = similarity.SHINGLE) -> float:
    na, nb = similarity.normalize(a), similarity.normalize(b)
    sa = {na[i:i + k] for i in range(len(na) - k + 1)}
    sb = {nb[i:i + k] for i in range(len(nb) - k + 1)}
    return len(sa & sb) / len(sa | sb)


def test_normalisation_ignores_spacing_punctuation_and_full_width_forms():
    assert similarity.normalize("我们 使用ＡＢＣ，课件。\n第１课！") == similarity.normalize("我们使用abc课件第1课")


def test_a_respaced_and_repunctuated_copy_has_the_same_signature():
    rng = random.Random(1)
    original = textgen.text(rng, 800)
    copy = original.replace("，", ", ").replace("。", ". ")
    assert similarity.jaccard(similarity.signature(original), similarity.signature(copy)) == 1.0


def test_the_signature_is_datasketchs_minhash_of_the_shingle_hashes():
    rng = random.Random(2)
    text = textgen.text(rng, 400)
    reference = MinHash(num_perm=similarity.NUM_PERM, seed=similarity.SEED, scheme=similarity.SCHEME, hashfunc=int)
    for h in similarity.shingle_hashes(similarity.normalize(text)).tolist():
        reference.update(h)
    assert np.array_equal(similarity.signature(text), reference.hashvalues)


def test_a_lightly_edited_copy_is_estimated_above_the_threshold_and_close_to_the_true_jaccard():
    rng = random.Random(3)
    original = textgen.text(rng)
    copy = textgen.edited(original, rng, every=100)
    estimate = similarity.jaccard(similarity.signature(original), similarity.signature(copy))
    assert estimate >= 0.8
    assert abs(estimate - _exact_jaccard(original, copy)) < 0.1


def test_unrelated_texts_on_one_vocabulary_share_almost_no_four_character_shingles():
    rng = random.Random(4)
    a, b = textgen.text(rng), textgen.text(rng)
    assert _exact_jaccard(a, b) < 0.05
    assert similarity.jaccard(similarity.signature(a), similarity.signature(b)) < 0.1


def test_a_text_too_short_to_compare_has_no_signature():
    assert similarity.signature("很好，学到了很多。") is None


def test_the_index_finds_a_near_duplicate_and_not_unrelated_texts():
    rng = random.Random(5)
    texts = [textgen.text(rng, 600) for _ in range(300)]
    index = SimilarityIndex(capacity=16)
    index.add_many(list(range(1, 301)), [k % 50 + 1 for k in range(1, 301)],
                   np.stack([similarity.signature(t) for t in texts]))
    copy = textgen.edited(texts[41], rng, every=120)  # key 42, teacher 43
    matches = index.query(similarity.signature(copy), teacher_id=999)
    assert [m.key for m in matches] == [42]
    assert matches[0].jaccard >= 0.8
    assert index.query(similarity.signature(textgen.text(rng, 600)), teacher_id=999) == []


def test_the_index_never_matches_the_same_teachers_own_texts():
    rng = random.Random(6)
    first = textgen.text(rng, 600)
    index = SimilarityIndex()
    index.add(1, 7, similarity.signature(first))
    resubmission = similarity.signature(textgen.edited(first, rng, every=200))
    assert index.query(resubmission, teacher_id=7) == []
    assert [m.key for m in index.query(resubmission, teacher_id=8)] == [1]


def test_texts_added_after_the_bands_were_sorted_are_found_too():
    rng = random.Random(7)
    texts = [textgen.text(rng, 300) for _ in range(5000)]
    sigs = np.stack([similarity.signature(t) for t in texts])
    index = SimilarityIndex()
    index.add_many(range(1, 4501), [1] * 4500, sigs[:4500])  # sorted on the way (past 4096)
    for key in range(4501, 5001):
        index.add(key, 2, sigs[key - 1])
    assert [m.key for m in index.query(sigs[10], teacher_id=3)] == [11]
    assert [m.key for m in index.query(sigs[4990], teacher_id=3)] == [4991]


def test_shared_passages_are_marked_in_both_texts():
    a = "第一段完全不同的内容。我们用希沃白板开展课堂导入活动，学生兴趣浓厚。"
    b = "另外一些话语。我们用希沃白板开展课堂导入活动，学生兴趣浓厚！"
    left, right = similarity.shared_segments(a, b)
    assert "".join(t for t, _ in left) == a
    assert "".join(t for t, _ in right) == b
    assert ("我们用希沃白板开展课堂导入活动，学生兴趣浓厚", True) in left
    assert ("第一段完全不同的内容。", False) in left
