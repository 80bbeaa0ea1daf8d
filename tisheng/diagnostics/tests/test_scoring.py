from types import SimpleNamespace

from tisheng.diagnostics.scoring import EXCELLENT, FAIL, PASS, band_of, score_answers

CHOICES = [{"label": "不能", "score": 0}, {"label": "能", "score": 1}, {"label": "熟练", "score": 3}]


def item(pk, level, dimension):
    return SimpleNamespace(pk=pk, level=level, dimension=dimension, choices=CHOICES, max_score=3)


def band(level, dimension, pass_min, excellent_min):
    return SimpleNamespace(level=level, dimension=dimension, pass_min=pass_min, excellent_min=excellent_min)


def test_a_cell_scores_its_items_as_a_percent_of_their_maximum():
    items = [item(1, "I", "技术素养"), item(2, "I", "技术素养"), item(3, "II", "技术素养")]

    scores = score_answers(items, {1: 2, 2: 1, 3: 0})

    assert scores == {"I|技术素养": 66.7, "II|技术素养": 0.0}


def test_bands_split_at_the_pass_and_excellent_thresholds():
    bands = [band("", "", 60, 85)]

    assert band_of(bands, "I", "技术素养", 59.9) == FAIL
    assert band_of(bands, "I", "技术素养", 60) == PASS
    assert band_of(bands, "I", "技术素养", 85) == EXCELLENT


def test_the_most_specific_band_wins():
    bands = [band("", "", 60, 85), band("", "评估与诊断", 70, 90), band("II", "评估与诊断", 50, 80)]

    assert band_of(bands, "I", "评估与诊断", 65) == FAIL  # the dimension's band: 70
    assert band_of(bands, "II", "评估与诊断", 65) == PASS  # the cell's band: 50
    assert band_of(bands, "I", "技术素养", 65) == PASS  # the overall band: 60
