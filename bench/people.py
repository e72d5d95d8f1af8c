"""Synthetic residents for the benchmarks: realistic, valid for form resident v1, never real.

    people = People(seed=2026)
    data = people.resident(street="坑梓街道", community="秀新社区")   # a resident's form data

People are realistic where search and validation care: weighted common surnames (the ~100 most
frequent, plus compound ones such as 欧阳, 司马, 诸葛), 1–2 character given names from gendered
character pools with a Zipf-like weighting and a share of the very common given names (伟, 芳,
秀英…), so namesakes exist; valid 18-digit ID numbers (built by the server's own
`synthetic_id_card`: Shenzhen districts for the registered population and typical home regions
of the floating one, real birth dates with a young, working-age-heavy age pyramid, sequence
parity = sex), each unique within a People; mobile numbers for most people over 14; addresses in
the given street and community.
"""
from __future__ import annotations

import itertools
import random
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.domain.id_card import china_today, synthetic_id_card  # noqa: E402

# ---------------------------------------------------------------------------------- names

# The most common surnames with their approximate share of the population (%), and a few
# compound surnames (rare, but they make prefixes and infixes of two characters ambiguous).
SURNAMES: tuple[tuple[str, float], ...] = tuple((s, float(w)) for s, w in (
    ("王", 7.12), ("李", 7.00), ("张", 6.74), ("刘", 5.39), ("陈", 4.62), ("杨", 3.10),
    ("黄", 2.34), ("赵", 2.23), ("吴", 2.05), ("周", 1.96), ("徐", 1.59), ("孙", 1.51),
    ("马", 1.47), ("朱", 1.43), ("胡", 1.32), ("郭", 1.19), ("何", 1.17), ("林", 1.12),
    ("高", 1.08), ("罗", 1.05), ("郑", 1.01), ("梁", 0.91), ("谢", 0.84), ("宋", 0.79),
    ("唐", 0.78), ("许", 0.75), ("韩", 0.74), ("冯", 0.72), ("邓", 0.71), ("曹", 0.70),
    ("彭", 0.68), ("曾", 0.64), ("肖", 0.63), ("田", 0.62), ("董", 0.61), ("袁", 0.60),
    ("潘", 0.58), ("于", 0.57), ("蒋", 0.56), ("蔡", 0.55), ("余", 0.54), ("杜", 0.51),
    ("叶", 0.50), ("程", 0.49), ("苏", 0.48), ("魏", 0.47), ("吕", 0.46), ("丁", 0.45),
    ("任", 0.44), ("沈", 0.43), ("姚", 0.42), ("卢", 0.41), ("姜", 0.40), ("崔", 0.39),
    ("钟", 0.38), ("谭", 0.37), ("陆", 0.36), ("汪", 0.35), ("范", 0.34), ("金", 0.33),
    ("石", 0.32), ("廖", 0.31), ("贾", 0.30), ("夏", 0.29), ("韦", 0.29), ("付", 0.28),
    ("方", 0.28), ("白", 0.27), ("邹", 0.27), ("孟", 0.26), ("熊", 0.26), ("秦", 0.25),
    ("邱", 0.25), ("江", 0.24), ("尹", 0.24), ("薛", 0.23), ("闫", 0.23), ("段", 0.22),
    ("雷", 0.22), ("侯", 0.21), ("龙", 0.21), ("史", 0.20), ("陶", 0.20), ("黎", 0.19),
    ("贺", 0.19), ("顾", 0.18), ("毛", 0.18), ("郝", 0.17), ("龚", 0.17), ("邵", 0.16),
    ("万", 0.16), ("钱", 0.15), ("严", 0.15), ("覃", 0.15), ("武", 0.14), ("戴", 0.14),
    ("莫", 0.14), ("孔", 0.13), ("向", 0.13), ("汤", 0.13),
    ("欧阳", 0.05), ("司徒", 0.01), ("司马", 0.01), ("诸葛", 0.005), ("上官", 0.005),
    ("东方", 0.003), ("皇甫", 0.003), ("慕容", 0.002)))
COMPOUND_SURNAMES = frozenset(s for s, _ in SURNAMES if len(s) == 2)

# Given-name characters, most frequent first (weighted 1 / (rank + 8)).
MALE_CHARS = ("伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发"
              "武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪"
              "心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启"
              "克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘宇轩睿")
FEMALE_CHARS = ("秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱"
                "妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖"
                "露瑶怡婵雁蓓仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗"
                "羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可舒影荔枝丽阳妮宝贝初涵诗梓")
# Whole given names that are far more common than their characters' weights would make them.
COMMON_GIVEN = {
    "1": ("伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "平", "刚", "建华", "建国",
          "建军", "志强", "志明", "俊杰", "浩然", "子轩", "宇轩", "浩宇", "子豪", "文杰"),
    "2": ("芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀英", "秀兰", "桂英", "玉兰", "丽娟",
          "晓红", "婷婷", "欣怡", "梓涵", "诗涵", "雨涵", "子涵", "秀珍", "海燕", "红梅", "丽华"),
}
COMMON_GIVEN_SHARE = 0.10
SINGLE_GIVEN_SHARE = 0.25

# ------------------------------------------------------------------- where people come from

# Region codes: Shenzhen districts (the registered population, mostly Pingshan itself) and
# typical home regions of Shenzhen's floating population; each with the hukou address.
SHENZHEN = (("440310", "广东省深圳市坪山区", 60), ("440307", "广东省深圳市龙岗区", 15),
            ("440303", "广东省深圳市罗湖区", 5), ("440304", "广东省深圳市福田区", 5),
            ("440305", "广东省深圳市南山区", 4), ("440306", "广东省深圳市宝安区", 5),
            ("440308", "广东省深圳市盐田区", 2), ("440309", "广东省深圳市龙华区", 3),
            ("440311", "广东省深圳市光明区", 1))
ELSEWHERE = (("445281", "广东省揭阳市普宁市", 8), ("441581", "广东省汕尾市陆丰市", 6),
             ("441481", "广东省梅州市兴宁市", 6), ("440882", "广东省湛江市雷州市", 5),
             ("441224", "广东省肇庆市怀集县", 4), ("440981", "广东省茂名市高州市", 5),
             ("430524", "湖南省邵阳市隆回县", 5), ("431021", "湖南省郴州市桂阳县", 4),
             ("430426", "湖南省衡阳市祁东县", 4), ("360730", "江西省赣州市宁都县", 4),
             ("360732", "江西省赣州市兴国县", 3), ("420624", "湖北省襄阳市南漳县", 3),
             ("421127", "湖北省黄冈市黄梅县", 3), ("510922", "四川省遂宁市射洪县", 3),
             ("511321", "四川省南充市南部县", 3), ("500235", "重庆市云阳县", 3),
             ("411623", "河南省周口市商水县", 4), ("412702", "河南省周口市项城市", 3),
             ("450881", "广西壮族自治区贵港市桂平市", 5),
             ("452402", "广西壮族自治区贺州市八步区", 3),
             ("350583", "福建省泉州市南安市", 2), ("342221", "安徽省宿州市砀山县", 2),
             ("522422", "贵州省毕节市大方县", 3), ("130522", "河北省邢台市临城县", 1))
REGISTERED_SHARE = 0.35
# (ages from, to, share %): Shenzhen's young, working-age-heavy population.
AGE_BANDS = ((0, 6, 8), (7, 17, 12), (18, 29, 22), (30, 44, 30), (45, 59, 18), (60, 89, 10))
MOBILE_PREFIXES = ("134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157",
                   "158", "159", "178", "182", "183", "184", "187", "188", "198", "130", "131",
                   "132", "155", "156", "166", "175", "176", "185", "186", "133", "153", "173",
                   "177", "180", "181", "189", "191", "199")
VILLAGES = ("新村", "老围", "新屋", "上洋", "沙湖", "和平", "田头", "江岭", "金龟", "竹坑", "汤坑",
            "六联", "六和", "石井", "田心", "碧岭", "南布", "秀新", "老坑", "沙田")
EDUCATION = ("senior_secondary", "junior_secondary", "college", "bachelor", "primary",
             "postgraduate", "none")
EDUCATION_WEIGHTS = (30, 28, 16, 14, 8, 2, 2)

SEXES = (("1", 0.53), ("2", 0.47))  # GB/T 2261.1: 1 man, 2 woman


def _zipf(items: Sequence[str], offset: float = 8) -> list[float]:
    """Cumulative weights 1 / (rank + offset) over items, most frequent first."""
    return list(itertools.accumulate(1 / (rank + offset) for rank in range(len(items))))


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def split_name(name: str) -> tuple[str, str]:
    """(surname, given name)."""
    cut = 2 if name[:2] in COMPOUND_SURNAMES else 1
    return name[:cut], name[cut:]


class People:
    """Realistic, valid resident data; every ID number unique within one People."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.surnames = [s for s, _ in SURNAMES]
        self.surname_weights = _cumulative([w for _, w in SURNAMES])
        self.chars = {"1": list(dict.fromkeys(MALE_CHARS)), "2": list(dict.fromkeys(FEMALE_CHARS))}
        self.char_weights = {sex: _zipf(chars) for sex, chars in self.chars.items()}
        self.common_weights = {sex: _zipf(names, 3) for sex, names in COMMON_GIVEN.items()}
        self.local = [(code, address) for code, address, _ in SHENZHEN]
        self.local_weights = _cumulative([w for *_, w in SHENZHEN])
        self.away = [(code, address) for code, address, _ in ELSEWHERE]
        self.away_weights = _cumulative([w for *_, w in ELSEWHERE])
        self.age_weights = _cumulative([w for *_, w in AGE_BANDS])
        self.education_weights = _cumulative(EDUCATION_WEIGHTS)
        self.today = china_today()
        self.taken: set[str] = set()

    def name(self, sex: str) -> str:
        """A full name: a weighted surname and a given name."""
        surname = self.rng.choices(self.surnames, cum_weights=self.surname_weights)[0]
        return surname + self.given_name(sex)

    def given_name(self, sex: str) -> str:
        rng = self.rng
        if rng.random() < COMMON_GIVEN_SHARE:
            return rng.choices(COMMON_GIVEN[sex], cum_weights=self.common_weights[sex])[0]
        k = 1 if rng.random() < SINGLE_GIVEN_SHARE else 2
        return "".join(rng.choices(self.chars[sex], cum_weights=self.char_weights[sex], k=k))

    def id_card(self, region: str, born: date, sex: str) -> str:
        """A valid number no one in this People has: region, birth date, serial (odd = men)."""
        while True:
            number = synthetic_id_card(region, born, self.rng.randrange(500) * 2 + (sex == "1"))
            if number not in self.taken:
                self.taken.add(number)
                return number

    def mobile(self) -> str:
        """A mainland mobile number (11 digits, a real operator prefix)."""
        return f"{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10 ** 8):08d}"

    def born(self) -> tuple[date, int]:
        """A birth date from the age pyramid, and the age."""
        low, high, _ = self.rng.choices(AGE_BANDS, cum_weights=self.age_weights)[0]
        age = self.rng.randint(low, high)
        return self.today - timedelta(days=age * 365 + self.rng.randrange(365) + age // 4), age

    def origin(self, registered: bool) -> tuple[str, str]:
        """(region code, hukou address): a Shenzhen district, or a typical home region."""
        if registered:
            return self.rng.choices(self.local, cum_weights=self.local_weights)[0]
        region, hukou = self.rng.choices(self.away, cum_weights=self.away_weights)[0]
        return region, hukou + self.rng.choice(VILLAGES) + "村"

    def address(self, street: str, community: str) -> str:
        """A current address in Pingshan: street, community, village, number and room."""
        rng = self.rng
        return (f"坪山区{street}{community}{rng.choice(VILLAGES)}{rng.randint(1, 120)}号"
                f"{rng.randint(1, 8)}0{rng.randint(1, 6)}")

    def resident(self, street: str = "坑梓街道", community: str = "秀新社区") -> dict[str, Any]:
        """A resident's form data (resident v1), living in the given street and community."""
        rng = self.rng
        sex = "1" if rng.random() < SEXES[0][1] else "2"
        born, age = self.born()
        registered = rng.random() < REGISTERED_SHARE
        region, hukou = self.origin(registered)
        data: dict[str, Any] = {
            "name": self.name(sex), "id_card": self.id_card(region, born, sex), "gender": sex,
            "birth_date": born.isoformat(),
            "household_type": "registered" if registered else "floating",
            "ethnicity": "01" if rng.random() < 0.96 else rng.choice(("03", "08", "15", "22")),
            "hukou_address": hukou,
            "residence_type": ("own" if rng.random() < 0.7 else "rental") if registered
            else ("rental" if rng.random() < 0.85 else "dormitory"),
            "current_address": self.address(street, community)}
        if age >= 15 and rng.random() < 0.95:
            data["phone"] = self.mobile()
        if age >= 6:
            data["education"] = rng.choices(EDUCATION, cum_weights=self.education_weights)[0]
        if age >= 20:
            data["marital_status"] = "20" if rng.random() < 0.75 else rng.choice(("10", "30", "40"))
        return data
