import random

import pytest

from tisheng.jobs.services import jobs_run_pending
from tisheng.practice.checks import textgen
from tisheng.practice.checks.indexing import index_pending, province_index, reset_index
from tisheng.practice.checks.models import SimilarityMatch, SubmissionSignature

from .conftest import make_submission


def test_a_copied_reflection_from_another_school_is_flagged_with_its_similarity(world, practice):
    rng = random.Random(11)
    original = make_submission(practice, world.teacher_b, textgen.text(rng))
    copy = make_submission(practice, world.teachers_a[2], textgen.edited(original.text, rng, every=100))
    index_pending()
    match = SimilarityMatch.objects.get()
    assert (match.submission, match.other) == (copy, original)
    assert match.jaccard >= 0.8
    assert match.containment >= 0.9


def test_an_unrelated_text_is_not_flagged(world, practice):
    rng = random.Random(12)
    make_submission(practice, world.teacher_b, textgen.text(rng))
    make_submission(practice, world.teachers_a[2], textgen.text(rng))
    assert index_pending() == 2
    assert not SimilarityMatch.objects.exists()


def test_a_teachers_own_resubmission_is_not_flagged_against_the_earlier_version(world, practice):
    rng = random.Random(13)
    first = make_submission(practice, world.teacher, textgen.text(rng))
    make_submission(practice, world.teacher, textgen.edited(first.text, rng, every=150), version=2)
    index_pending()
    assert SubmissionSignature.objects.count() == 2
    assert not SimilarityMatch.objects.exists()


def test_a_new_submission_with_text_queues_the_job_that_flags_it(world, practice, django_capture_on_commit_callbacks):
    rng = random.Random(14)
    with django_capture_on_commit_callbacks(execute=True):
        original = make_submission(practice, world.teacher_b, textgen.text(rng))
    with django_capture_on_commit_callbacks(execute=True):
        copy = make_submission(practice, world.teacher, textgen.edited(original.text, rng))
    assert jobs_run_pending() == 1  # one job picks up both texts
    assert SimilarityMatch.objects.filter(submission=copy, other=original).exists()


def test_a_worker_rebuilds_its_index_from_the_stored_signatures(world, practice):
    rng = random.Random(15)
    original = make_submission(practice, world.teacher_b, textgen.text(rng))
    index_pending()
    reset_index()  # a new worker process
    assert original.pk in province_index()
    copy = make_submission(practice, world.teacher, textgen.edited(original.text, rng))
    index_pending()
    assert SimilarityMatch.objects.filter(submission=copy, other=original).exists()


def test_a_short_text_is_marked_seen_and_never_compared(world, practice):
    make_submission(practice, world.teacher, "很好，学到了很多。")
    assert index_pending() == 1
    assert index_pending() == 0
    assert SubmissionSignature.objects.get().hashvalues in (b"", memoryview(b""))


@pytest.mark.parametrize("every", [60, 100])
def test_lightly_reworded_copies_stay_above_the_threshold(world, practice, every):
    rng = random.Random(16)
    original = make_submission(practice, world.teacher_b, textgen.text(rng))
    make_submission(practice, world.teacher, textgen.edited(original.text, rng, every=every))
    index_pending()
    assert SimilarityMatch.objects.count() == 1


def test_similarity_flags_flag_the_copy_with_its_share_and_not_the_source_it_copied(world, practice):
    from tisheng.practice.checks.selectors import similarity_flags

    rng = random.Random(17)
    original = make_submission(practice, world.teacher_b, textgen.text(rng))
    copy = make_submission(practice, world.teacher, textgen.edited(original.text, rng))
    unrelated = make_submission(practice, world.teachers_a[1], textgen.text(rng))
    index_pending()
    flags = similarity_flags([original.pk, copy.pk, unrelated.pk])
    assert set(flags) == {copy.pk}
    assert flags[copy.pk] >= 0.8
