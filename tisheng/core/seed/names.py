"""Chinese personal names as Fujian's rosters show them.

Surnames weighted by their frequency in Fujian (陈 and 林 alone cover a fifth of the
province); given names of one or two characters drawn from lists by sex.
"""

from __future__ import annotations

import itertools
import random

# (surname, weight ‰), roughly Fujian's frequency order; the tail shares what is left.
_SURNAMES = (
    ("陈", 115), ("林", 95), ("黄", 60), ("张", 45), ("吴", 37), ("王", 33), ("李", 33), ("郑", 32),
    ("刘", 27), ("杨", 21), ("许", 18), ("蔡", 16), ("郭", 15), ("洪", 13), ("叶", 12), ("谢", 12),
    ("邱", 11), ("曾", 11), ("庄", 10), ("苏", 10), ("周", 9), ("游", 8), ("江", 8), ("罗", 8),
    ("何", 7), ("卢", 7), ("徐", 7), ("胡", 6), ("柯", 6), ("詹", 6), ("施", 6), ("朱", 6), ("杜", 5),
    ("傅", 5), ("魏", 5), ("方", 5), ("高", 5), ("余", 5), ("赖", 5), ("钟", 5), ("潘", 5), ("连", 4),
    ("廖", 4), ("范", 4), ("肖", 4), ("彭", 4), ("翁", 4), ("温", 4), ("邓", 4), ("沈", 4), ("戴", 3),
    ("严", 3), ("姚", 3), ("董", 3), ("薛", 3), ("石", 3), ("程", 3), ("唐", 3), ("欧阳", 1), ("丁", 3),
    ("汪", 3), ("宋", 3), ("龚", 3), ("阮", 3), ("颜", 3), ("骆", 2), ("卓", 2), ("涂", 2), ("马", 2),
    ("孙", 2), ("饶", 2), ("邹", 2), ("官", 2), ("上官", 1), ("熊", 2), ("雷", 2), ("蓝", 2),
)
SURNAMES: tuple[str, ...] = tuple(s for s, _ in _SURNAMES)
_SURNAME_CUM = tuple(itertools.accumulate(w for _, w in _SURNAMES))

_FEMALE = ["丽", "华", "芳", "燕", "玲", "萍", "红", "霞", "娟", "敏", "静", "婷", "雪", "琳", "慧", "颖", "洁", "倩", "琴", "兰", "英", "梅", "秀", "晶", "莉", "艳", "佳", "欣", "怡", "雯", "思", "雅", "晓", "凤", "珍", "美", "月", "清", "碧", "素", "惠", "淑", "彩", "云", "宁", "君", "菁", "瑜", "璐", "蓉", "薇", "嘉", "琪", "瑶", "妍", "婧", "晨", "露", "诗", "涵", "琼", "莹", "秋", "冰", "虹", "岚"]
_MALE = ["伟", "强", "军", "明", "华", "建", "国", "志", "勇", "斌", "杰", "峰", "辉", "磊", "涛", "鹏", "毅", "文", "俊", "彬", "亮", "荣", "清", "福", "添", "锦", "海", "东", "振", "炳", "煌", "锋", "金", "水", "木", "德", "忠", "平", "宏", "刚", "超", "源", "鑫", "晖", "凯", "翔", "浩", "宇", "坤", "晨", "洪", "彪", "聪", "旭", "贤", "铭", "灿", "成", "林", "松", "春", "良", "榕"]


def surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]


def given_name(rng: random.Random, sex: str) -> str:
    """One character about a fifth of the time, else two (never the same one twice)."""
    pool = _FEMALE if sex == "F" else _MALE
    if rng.random() < 0.2:
        return rng.choice(pool)
    first, second = rng.sample(pool, 2)
    return first + second


def person_name(rng: random.Random, sex: str) -> str:
    return surname(rng) + given_name(rng, sex)
