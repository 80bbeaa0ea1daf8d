"""Synthetic Chinese evidence texts for the similarity tests, the benchmark and the demo:
sentences of 1–4 character words drawn from a fixed vocabulary, with punctuation, so that
unrelated texts share words but few 4-character runs, as real reflections on one topic do."""

from __future__ import annotations

import random

_CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
    "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使"
    "点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明"
    "看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料"
    "象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处府研课堂教师信息技术应用能力提升微视频互动评价反思设计练习"
)
_VOCAB_SIZE = 6000
_vocab: list[str] | None = None


def vocabulary() -> list[str]:
    global _vocab
    if _vocab is None:
        rng = random.Random(20191101)
        _vocab = ["".join(rng.choice(_CHARS) for _ in range(rng.choice((1, 2, 2, 2, 2, 3, 4))))
                  for _ in range(_VOCAB_SIZE)]
    return _vocab


def text(rng: random.Random, length: int = 1500) -> str:
    """A text of about `length` characters."""
    words = vocabulary()
    out: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(words)
        out.append(word)
        size += len(word)
        if rng.random() < 0.08:
            out.append("，" if rng.random() < 0.7 else "。\n")
    return "".join(out)


def edited(source: str, rng: random.Random, every: int = 100) -> str:
    """`source` with one character in every `every` replaced: a light rewording of a copy."""
    chars = list(source)
    for start in range(0, len(chars), every):
        at = start + rng.randrange(every)
        if at < len(chars):
            chars[at] = rng.choice(_CHARS)
    return "".join(chars)


# Stock phrases every reflection on one capability point tends to use: unrelated texts of
# the same topic share them, which is what a copy detector must not take for copying.
TOPIC_PHRASES = (
    "在信息技术的支持下", "激发了学生的学习兴趣", "提高了课堂教学效率", "利用希沃白板开展课堂导入",
    "通过微视频突破教学重难点", "学生的参与度明显提高", "技术支持的学情分析", "课后我进行了认真的反思",
    "今后我将继续努力", "在教学设计环节", "利用问卷星收集学生的反馈", "精准把握学生的学习起点",
)


def sentence(rng: random.Random, length: int = 42, topic: bool = True) -> str:
    """One sentence of about `length` characters ending in 。, with a stock phrase of the
    topic a third of the time."""
    words = vocabulary()
    out: list[str] = []
    size = 0
    if topic and rng.random() < 0.35:
        phrase = rng.choice(TOPIC_PHRASES)
        out.append(phrase + "，")
        size += len(phrase) + 1
    while size < length:
        word = rng.choice(words)
        out.append(word)
        size += len(word)
        if size < length - 8 and rng.random() < 0.06:
            out.append("，")
    return "".join(out) + "。"


def reflection(rng: random.Random, sentences: int = 34, length: int = 42) -> list[str]:
    """A reflection on one topic as a list of sentences (34 × 42 ≈ 1,450 characters)."""
    return [sentence(rng, length) for _ in range(sentences)]


def rewritten(source: list[str], rng: random.Random, count: int) -> list[str]:
    """`source` with `count` of its sentences (chosen at random) replaced by new ones."""
    out = list(source)
    for at in rng.sample(range(len(out)), count):
        out[at] = sentence(rng, len(out[at]) - 1)
    return out
