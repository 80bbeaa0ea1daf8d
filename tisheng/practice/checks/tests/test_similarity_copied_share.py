"""The copied share (复制比): the share of a new text found in earlier texts of other teachers,
found through the index and measured exactly, flagged at the program's rule."""

import random

import pytest

from tisheng.practice.checks import similarity, textgen
from tisheng.practice.checks.indexing import index_pending
from tisheng.practice.checks.models import SimilarityMatch, SubmissionSignature
from tisheng.practice.checks.selectors import similarity_flags

from .conftest import make_submission


def test_a_copy_with_5_of_34_sentences_rewritten_has_a_high_copied_share_though_its_jaccard_is_low():
    rng = random.Random(1443)
    source = textgen.reflection(rng)
    copy = textgen.rewritten(source, rng, 5)
    a, b = "".join(copy), "".join(source)
    assert 1350 < len(a) < 1550
    # The old measure: Jaccard under 0.8, so the copy passed.
    assert similarity.jaccard(similarity.signature(a), similarity.signature(b)) < 0.8
    share, each = similarity.copied_share(a, {1: b})
    assert share >= 0.8
    assert each == {1: share}


def test_unrelated_texts_of_the_same_topic_share_little():
    rng = random.Random(7)
    a = "".join(textgen.reflection(rng))
    others = {k: "".join(textgen.reflection(rng)) for k in range(20)}
    share, _each = similarity.copied_share(a, others)
    assert share < 0.1


def test_the_share_counts_every_source_together():
    rng = random.Random(8)
    first, second = textgen.reflection(rng), textgen.reflection(rng)
    mixed = "".join(first[:17] + second[17:])
    share, each = similarity.copied_share(mixed, {1: "".join(first), 2: "".join(second)})
    assert 0.4 < each[1] < 0.6
    assert 0.4 < each[2] < 0.6
    assert share > 0.95


def test_a_copy_with_rewritten_sentences_is_flagged_with_its_share_and_source(world, practice):
    rng = random.Random(21)
    source = textgen.reflection(rng)
    original = make_submission(practice, world.teacher_b, "".join(source))
    copy = make_submission(practice, world.teachers_a[2], "".join(textgen.rewritten(source, rng, 5)))
    index_pending()
    signature = SubmissionSignature.objects.get(submission=copy)
    assert signature.copied_share >= 0.8
    match = SimilarityMatch.objects.get()
    assert (match.submission, match.other) == (copy, original)
    assert match.containment == pytest.approx(signature.copied_share)
    assert similarity_flags([copy.pk, original.pk]) == {copy.pk: signature.copied_share}


def test_half_a_text_copied_into_one_twice_as_long_is_found(world, practice):
    rng = random.Random(22)
    source = textgen.reflection(rng, sentences=68)
    make_submission(practice, world.teacher_b, "".join(source))
    copy = make_submission(practice, world.teachers_a[2], "".join(source[:17] + textgen.reflection(rng, 17)))
    index_pending()
    assert 0.4 < SubmissionSignature.objects.get(submission=copy).copied_share < 0.6
    assert SimilarityMatch.objects.filter(submission=copy).count() == 1


def test_a_text_drawn_from_two_teachers_is_flagged_for_both_sources(world, practice):
    rng = random.Random(23)
    first, second = textgen.reflection(rng), textgen.reflection(rng)
    make_submission(practice, world.teacher_b, "".join(first))
    make_submission(practice, world.teachers_a[1], "".join(second))
    mixed = make_submission(practice, world.teachers_a[2], "".join(first[:17] + second[17:]))
    index_pending()
    assert SubmissionSignature.objects.get(submission=mixed).copied_share > 0.95
    assert SimilarityMatch.objects.filter(submission=mixed).count() == 2


def test_unrelated_texts_of_the_same_topic_are_not_flagged(world, practice):
    rng = random.Random(24)
    for teacher in (world.teacher_b, *world.teachers_a):
        make_submission(practice, teacher, "".join(textgen.reflection(rng)))
    index_pending()
    assert not SimilarityMatch.objects.exists()
    assert max(SubmissionSignature.objects.values_list("copied_share", flat=True)) < 0.1


def test_the_flag_share_is_the_programs_rule(world, practice):
    rng = random.Random(25)
    source = textgen.reflection(rng)
    make_submission(practice, world.teacher_b, "".join(source))
    copy = make_submission(practice, world.teachers_a[2], "".join(textgen.rewritten(source, rng, 12)))
    index_pending()
    share = SubmissionSignature.objects.get(submission=copy).copied_share
    assert 0.5 <= share < 0.8
    assert copy.pk in similarity_flags([copy.pk])
    program = practice.program
    program.rules = {**program.rules, "similarity_flag_share": "0.8"}
    program.save()
    assert similarity_flags([copy.pk]) == {}


def test_the_pages_show_the_copied_share_in_words_a_grader_reads(client, world, practice):
    from django.urls import reverse

    rng = random.Random(26)
    source = textgen.reflection(rng)
    make_submission(practice, world.teacher_b, "".join(source))
    copy = make_submission(practice, world.teachers_a[2], "".join(textgen.rewritten(source, rng, 5)))
    index_pending()
    share = round(SubmissionSignature.objects.get(submission=copy).copied_share * 100)
    client.force_login(world.principal)
    listing = client.get(reverse("practice:checks_similarity_list")).content.decode()
    assert f"{share} %" in listing
    assert "复制比" in listing
    detail = client.get(reverse("practice:checks_similarity", args=[copy.pk])).content.decode()
    assert f"复制比：本文 {share} % 的内容见于其他教师较早提交的文本。" in detail
    for word in ("Jaccard", "MinHash", "near-duplicate"):
        assert word not in listing + detail
