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
