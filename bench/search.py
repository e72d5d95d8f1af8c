"""Benchmark: record search over HTTP on a district-sized resident database (1,000,000 people).

    .venv/bin/python bench/search.py [--residents 1000000] [--queries 200] [--warmup 30]
                                     [--workers 2] [--no-versions] [--budget 30] [--explain]
                                     [--warm-rounds 8] [--no-proposal]

It starts everything itself and tears it all down at the end (also on an error, Ctrl-C or
SIGTERM), through bench/harness.py: a throwaway PostGIS cluster (fsync off), `flask db upgrade`,
`flask demo seed` (450 grids; admin, viewer1, supervisor1…6, collector1…450), `gunicorn -w 2`.
Only loopback traffic; every count is bounded.

seed      --residents synthetic residents, written straight into PostgreSQL (not through the
          ORM or the API): Python makes the rows in chunks and streams them with COPY (psycopg 3
          `cursor.copy`) into a temporary staging table; one INSERT … SELECT per chunk then writes
          `records` exactly as the app would (kind/form 'resident' v1, key = the ID number,
          search_name = the name, search_keys = {ID number, phone}, name_grams generated,
          version 1, change_xid = pg_current_xact_id(), created/updated by the grid's
          collector) and, unless --no-versions, each record's first `record_versions` row in
          the same statement (a CTE). Then VACUUM ANALYZE (as autovacuum would after such a
          load; it also empties the GIN pending lists). People are realistic: weighted common
          surnames (the ~100 most frequent, plus compound ones such as 欧阳, 司马, 诸葛),
          1–2 character given names from gendered character pools with a Zipf-like weighting,
          and a share of the very common given names (伟, 芳, 秀英…), so namesakes exist;
          valid 18-digit ID numbers (GB 11643 check character; Shenzhen districts for the
          registered population and typical home regions of the floating one; real birth dates
          with a young, working-age-heavy age pyramid; sequence parity = sex), mobile numbers
          for most people over 14, points of ~100 "buildings" per grid (ST_GeneratePoints),
          grids of uneven density. A sample of rows is checked against the resident form.
measure   over HTTP, one keep-alive http.client connection (reconnects off the clock), as
          viewer1 (whole district, sensitive fields masked) and as supervisor1 (its street's
          grids), `GET /api/v1/records?q=…` (default limit 20) for each query type:
            exact name          full names of sampled residents
            prefix 1 char       a surname (its first character)
            prefix 2 chars      surname + first given-name character
            within 2 (given)    the two given-name characters of a sampled resident
            within 2 (common)   the most frequent two-character given names (many matches)
            within 1 (common)   one common given-name character (beyond the brief: the
                                largest match sets a name search can ask for)
            ID card             the whole ID number of a sampled resident
            phone               the whole mobile number of a sampled resident
            miss (name)         plausible names that no resident has, nor contains
            miss (ID card)      valid ID numbers that nobody has
          --warmup interleaved rounds first, then --queries rounds; each round sends one query
          of every type for both users and one GET /healthz (the floor of one request through
          the stack), so slow drift hits every type alike. Each answer is checked (status 200;
          the sampled person is found, names start with / contain the query, misses are empty).
          p50 / p95 / max ms, results per query, and each type's p50 and p95 as a multiple of
          /healthz's.
          A type stops being asked once it has spent --budget seconds (half that in warm-up).
explain   for every type whose p95 misses the target (20 ms), or every type with --explain:
          its slowest query is replayed in-process through the app's own search_records on
          one connection of the app's engine, warmed first with --warm-rounds rounds of the
          same mix, so that psycopg has prepared the statements (it does after 5 executions)
          and PostgreSQL's plan cache is in a state a gunicorn worker's can be in; then the
          query runs under plan_cache_mode auto (what that connection does), force_custom_plan
          and force_generic_plan, with auto_explain (ANALYZE, BUFFERS) sending each
          statement's actual plan back to the client: per statement ms and whether the plan
          was generic, and the plan of the slowest.
proposal  every type's slowest query timed (custom plans, one connection, median of 3) as
          search_records runs it now and in a proposed shape (proposed_statements below:
          filter, order and limit records alone and join only the page; no catch-all
          conditions; names ordered USING ~<~ so that the existing text_pattern_ops index
          serves ORDER BY; whole numbers looked up before anything is ordered), checking that
          the same records come back in the same order; and a variant whose within stage takes
          any 20 matches instead of the first 20 by name. Nothing in the server is changed.

Progress goes to stderr, figures to stdout.
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import re
import statistics
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from queue import Empty, Queue
from typing import Any, TypeVar
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import psycopg  # noqa: E402

from harness import Client, Stack, local_stack, say, sign_in, stop_on_sigterm  # noqa: E402
from server.domain.form_validation import compile_form  # noqa: E402
from server.domain.id_card import check_character, china_today  # noqa: E402
from server.domain.search_terms import recognised_number  # noqa: E402

SEARCH = "/api/v1/records"
T = TypeVar("T")
TARGET_P95_MS = 20.0
LIMIT = 20  # the API's default page size
BUILDINGS_PER_GRID = 100
VIEWER, SUPERVISOR = "viewer1", "supervisor1"

# ---------------------------------------------------------------------------- people: names

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

# ------------------------------------------------------------------ people: where they come from

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
             ("450881", "广西壮族自治区贵港市桂平市", 5), ("452402", "广西壮族自治区贺州市八步区", 3),
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


def _zipf(items: Sequence[str], offset: float = 8) -> list[float]:
    """Cumulative weights 1 / (rank + offset) over items, most frequent first."""
    return list(itertools.accumulate(1 / (rank + offset) for rank in range(len(items))))


def _cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


@dataclass(frozen=True)
class GridInfo:
    """A demo grid as the generator needs it."""

    grid_id: int
    street: str
    community: str
    collector_id: int


class People:
    """Realistic, valid resident data; every ID number unique within the run."""

    def __init__(self, grids: list[GridInfo], seed: int) -> None:
        self.rng = random.Random(seed)
        self.grids = grids
        self.grid_weights = _cumulative([self.rng.lognormvariate(0, 0.6) for _ in grids])
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

    def given_name(self, sex: str) -> str:
        rng = self.rng
        if rng.random() < COMMON_GIVEN_SHARE:
            return rng.choices(COMMON_GIVEN[sex], cum_weights=self.common_weights[sex])[0]
        k = 1 if rng.random() < SINGLE_GIVEN_SHARE else 2
        return "".join(rng.choices(self.chars[sex], cum_weights=self.char_weights[sex], k=k))

    def id_card(self, region: str, born: date, sex: str) -> str:
        """A valid number no one in this run has: region, birth date, sequence (odd = men)."""
        stem = f"{region}{born.year:04d}{born.month:02d}{born.day:02d}"
        while True:
            first_17 = f"{stem}{self.rng.randrange(500) * 2 + (sex == '1'):03d}"
            if first_17 not in self.taken:
                self.taken.add(first_17)
                return first_17 + check_character(first_17)

    def resident(self) -> tuple[GridInfo, int, dict[str, Any]]:
        """A grid, a building number in it, and a resident's form data (resident v1)."""
        rng = self.rng
        grid = rng.choices(self.grids, cum_weights=self.grid_weights)[0]
        sex = "1" if rng.random() < 0.53 else "2"
        low, high, _ = rng.choices(AGE_BANDS, cum_weights=self.age_weights)[0]
        age = rng.randint(low, high)
        born = self.today - timedelta(days=age * 365 + rng.randrange(365) + age // 4)
        registered = rng.random() < REGISTERED_SHARE
        region, hukou = (rng.choices(self.local, cum_weights=self.local_weights)[0] if registered
                         else rng.choices(self.away, cum_weights=self.away_weights)[0])
        surname = rng.choices(self.surnames, cum_weights=self.surname_weights)[0]
        id_card = self.id_card(region, born, sex)
        data: dict[str, Any] = {
            "name": surname + self.given_name(sex), "id_card": id_card, "gender": sex,
            "birth_date": born.isoformat(),
            "household_type": "registered" if registered else "floating",
            "ethnicity": "01" if rng.random() < 0.96 else rng.choice(("03", "08", "15", "22")),
            "hukou_address": hukou + ("" if registered else rng.choice(VILLAGES) + "村"),
            "residence_type": ("own" if rng.random() < 0.7 else "rental") if registered
            else ("rental" if rng.random() < 0.85 else "dormitory"),
            "current_address": (f"坪山区{grid.street}{grid.community}{rng.choice(VILLAGES)}"
                                f"{rng.randint(1, 120)}号{rng.randint(1, 8)}0{rng.randint(1, 6)}"),
        }
        if age >= 15 and rng.random() < 0.95:
            data["phone"] = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10 ** 8):08d}"
        if age >= 6:
            data["education"] = rng.choices(EDUCATION, cum_weights=self.education_weights)[0]
        if age >= 20:
            data["marital_status"] = "20" if rng.random() < 0.75 else rng.choice(("10", "30", "40"))
        return grid, rng.randrange(BUILDINGS_PER_GRID), data


# ------------------------------------------------------------------------------------ seeding

STAGING = """
CREATE TEMPORARY TABLE bench_staging (grid_id bigint, building int, user_id bigint, name text,
                                      id_card text, phone text, data jsonb)
    ON COMMIT DELETE ROWS"""
BUILDINGS = """
CREATE TEMPORARY TABLE bench_buildings AS
SELECT g.id AS grid_id, (d.path[1] - 1) AS building, d.geom
  FROM grids g CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(g.boundary, %(n)s, %(seed)s)) AS d
 WHERE g.retired_at IS NULL"""
INSERT_RECORDS = """
WITH record AS (
    INSERT INTO records (id, kind, key, form_id, form_version, grid_id, geometry, data, version,
                         created_by_id, updated_by_id, change_xid, search_name, search_keys)
    SELECT gen_random_uuid(), 'resident', s.id_card, 'resident', 1, s.grid_id, b.geom, s.data,
           1, s.user_id, s.user_id, pg_current_xact_id()::text::bigint, s.name,
           array_remove(ARRAY[s.id_card, s.phone], NULL)
      FROM bench_staging s
      JOIN bench_buildings b ON b.grid_id = s.grid_id AND b.building = s.building
    RETURNING id, data, grid_id, geometry, created_by_id)
{versions}
SELECT count(*) FROM record"""
INSERT_VERSIONS = """,
version AS (
    INSERT INTO record_versions (record_id, version, data, grid_id, geometry, form_id,
                                 form_version, made_by_id, changed_fields)
    SELECT r.id, 1, r.data, r.grid_id, r.geometry, 'resident', 1, r.created_by_id,
           (SELECT jsonb_agg(k ORDER BY k) FROM jsonb_object_keys(r.data) AS k)
      FROM record r
    RETURNING 1)"""


def load_grids(database_url: str) -> list[GridInfo]:
    """Every live grid with its street, community and primary collector."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute("""
            SELECT g.id, g.street_name, g.community_name, a.user_id
              FROM grids g JOIN assignments a ON a.grid_id = g.id AND a.kind = 'primary'
             WHERE g.retired_at IS NULL ORDER BY g.code""").fetchall()
    return [GridInfo(i, street or "", community or "", user) for i, street, community, user in rows]


def check_sample(people: People, count: int) -> tuple[int, int]:
    """Validate ``count`` generated residents with the resident form: (valid, checked)."""
    form = compile_form(json.loads((ROOT / "forms" / "resident.v1.json").read_text("utf-8")))
    sample = People(people.grids, seed=people.rng.randrange(10 ** 9))
    valid = sum(1 for _ in range(count) if not form.validate(sample.resident()[2])[1])
    return valid, count


Row = tuple[int, int, int, str, str, str | None, str]


def resident_rows(people: People, count: int, chunk: int, timing: Seeding) -> Iterator[list[Row]]:
    """Staging rows in chunks; the time spent making them is added to timing.generate_s."""
    done = 0
    while done < count:
        clock = time.perf_counter()
        rows: list[Row] = []
        for _ in range(min(chunk, count - done)):
            grid, building, data = people.resident()
            rows.append((grid.grid_id, building, grid.collector_id, data["name"],
                         data["id_card"], data.get("phone"),
                         json.dumps(data, ensure_ascii=False, separators=(",", ":"))))
        timing.generate_s += time.perf_counter() - clock
        done += len(rows)
        yield rows


def prefetched(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Items made by a thread while the caller works (psycopg waits without the GIL)."""
    queue: Queue[tuple[bool, Any]] = Queue(maxsize=depth)
    stopping = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stopping.is_set():
                    return
                queue.put((True, item))
            queue.put((False, None))
        except BaseException as problem:  # handed to the consumer
            queue.put((False, problem))

    worker = threading.Thread(target=produce, daemon=True)
    worker.start()
    try:
        while True:
            more, item = queue.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stopping.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                queue.get_nowait()
            except Empty:
                worker.join(0.05)


@dataclass
class Seeding:
    """How the seeding went."""

    residents: int
    versions: bool
    generate_s: float = 0.0
    copy_s: float = 0.0
    insert_s: float = 0.0
    vacuum_s: float = 0.0
    total_s: float = 0.0
    valid_sample: tuple[int, int] = (0, 0)
    table_mb: dict[str, float] = field(default_factory=dict)


def seed_residents(database_url: str, count: int, chunk: int, versions: bool,
                   seed: int) -> Seeding:
    """COPY ``count`` residents into staging and INSERT them into records, chunk by chunk."""
    grids = load_grids(database_url)
    people = People(grids, seed)
    result = Seeding(count, versions)
    result.valid_sample = check_sample(people, 2000)
    started = time.perf_counter()
    sql = INSERT_RECORDS.format(versions=INSERT_VERSIONS if versions else "")
    with psycopg.connect(database_url) as connection:
        connection.execute("SET maintenance_work_mem = '256MB'")
        connection.execute("SET gin_pending_list_limit = '32MB'")
        connection.execute(STAGING)
        connection.execute(BUILDINGS, {"n": BUILDINGS_PER_GRID, "seed": seed})
        connection.execute("CREATE INDEX ON bench_buildings (grid_id, building)")
        connection.execute("ANALYZE bench_buildings")
        connection.commit()
        done = 0
        for rows in prefetched(resident_rows(people, count, chunk, result)):
            size = len(rows)
            clock = time.perf_counter()
            with connection.cursor() as cursor:
                with cursor.copy("COPY bench_staging (grid_id, building, user_id, name, id_card,"
                                 " phone, data) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                result.copy_s += time.perf_counter() - clock
                clock = time.perf_counter()
                inserted = cursor.execute(sql).fetchone()
            connection.commit()  # ON COMMIT DELETE ROWS empties the staging table
            result.insert_s += time.perf_counter() - clock
            if inserted is None or inserted[0] != size:
                raise SystemExit(f"inserted {inserted} of a chunk of {size}")
            done += size
            elapsed = time.perf_counter() - started
            say(f"seeded {done:,} / {count:,} residents ({elapsed:.0f} s, "
                f"{done / elapsed:,.0f}/s)")
        connection.autocommit = True
        clock = time.perf_counter()
        say("VACUUM ANALYZE records, record_versions …")
        connection.execute("VACUUM ANALYZE records")
        connection.execute("VACUUM ANALYZE record_versions")
        result.vacuum_s = time.perf_counter() - clock
        for table in ("records", "record_versions"):
            size_row = connection.execute("SELECT pg_table_size(%s), pg_indexes_size(%s)",
                                          (table, table)).fetchone()
            assert size_row is not None
            result.table_mb[table] = size_row[0] / 2 ** 20
            result.table_mb[f"{table} indexes"] = size_row[1] / 2 ** 20
    result.total_s = time.perf_counter() - started
    return result


def print_seeding(s: Seeding) -> None:
    print(f"\nSeeding: {s.residents:,} residents in {s.total_s:.1f} s"
          f" ({s.residents / s.total_s:,.0f}/s), record_versions {'too' if s.versions else 'not'}"
          " written")
    print(f"  generate (Python, a thread overlapping the database work) {s.generate_s:.1f} s;"
          f" COPY to staging {s.copy_s:.1f} s; INSERT … SELECT {s.insert_s:.1f} s;"
          f" VACUUM ANALYZE {s.vacuum_s:.1f} s")
    print(f"  sample checked with form resident v1: {s.valid_sample[0]}/{s.valid_sample[1]} valid")
    print("  sizes MB: " + ", ".join(f"{k} {v:,.0f}" for k, v in s.table_mb.items()))


# ------------------------------------------------------------------------------- the workload

@dataclass(frozen=True)
class Query:
    """One search, and the record its answer must hold (when known)."""

    q: str
    expect_id: str | None = None


Check = Callable[[Query, list[dict[str, Any]]], bool]


@dataclass
class QueryType:
    """A kind of search: its queries (cycled) and how to check an answer."""

    label: str
    queries: list[Query]
    check: Check
    extra: bool = False  # beyond what the brief asks for


@dataclass
class Series:
    """The measurements of one query type for one user."""

    user: str
    kind: QueryType
    ms: list[float] = field(default_factory=list)
    results: list[int] = field(default_factory=list)
    wrong: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    slowest: tuple[float, str] = (0.0, "")

    def add(self, query: Query, status: int, body: bytes, seconds: float) -> None:
        ms = seconds * 1e3
        self.ms.append(ms)
        if ms > self.slowest[0]:
            self.slowest = (ms, query.q)
        if status != 200:
            self.errors[f"HTTP {status}"] += 1
            return
        items = json.loads(body)["items"]
        self.results.append(len(items))
        if not self.kind.check(query, items):
            self.wrong += 1


def _names(items: list[dict[str, Any]]) -> list[str]:
    return [str((item.get("data") or {}).get("name", "")) for item in items]


def _finds(query: Query, items: list[dict[str, Any]]) -> bool:
    return any(item["id"] == query.expect_id for item in items)


def check_exact(query: Query, items: list[dict[str, Any]]) -> bool:
    """The person is there, or a full page of namesakes comes first (ordered by id)."""
    names = _names(items)
    return bool(names) and names[0] == query.q and (
        _finds(query, items) or names.count(query.q) == len(items) == LIMIT)


def check_prefix(query: Query, items: list[dict[str, Any]]) -> bool:
    """Names starting with q first; then (when fewer than a page) names containing it."""
    starts = [n.startswith(query.q) for n in _names(items)]
    return bool(starts) and starts[0] and starts == sorted(starts, reverse=True) and all(
        query.q in n for n in _names(items))


def check_within(query: Query, items: list[dict[str, Any]]) -> bool:
    return bool(items) and all(query.q in n for n in _names(items))


def check_number(query: Query, items: list[dict[str, Any]]) -> bool:
    return _finds(query, items)


def check_miss(query: Query, items: list[dict[str, Any]]) -> bool:
    return not items


def split_name(name: str) -> tuple[str, str]:
    """(surname, given name)."""
    cut = 2 if name[:2] in COMPOUND_SURNAMES else 1
    return name[:cut], name[cut:]


def sample_people(connection: psycopg.Connection[Any], scope: list[int] | None,
                  count: int) -> list[tuple[str, str, str, str | None]]:
    """(id, name, ID number, phone) of random residents, in a scope or the whole district."""
    connection.execute("SELECT setseed(0.2026)")
    return [(str(i), n, k, p) for i, n, k, p in connection.execute("""
        SELECT id, search_name, key, data->>'phone' FROM records
         WHERE kind = 'resident' AND retired_at IS NULL
           AND (%(scope)s::bigint[] IS NULL OR grid_id = ANY(%(scope)s::bigint[]))
         ORDER BY random() LIMIT %(n)s""", {"scope": scope, "n": count})]


def common_given(connection: psycopg.Connection[Any], scope: list[int] | None, length: int,
                 count: int) -> list[tuple[str, int]]:
    """The most frequent given names (or given-name characters) of ``length`` characters."""
    return [(g, n) for g, n in connection.execute("""
        SELECT g, count(*) FROM (
            SELECT CASE WHEN %(len)s = 2 THEN right(search_name, 2)
                        ELSE substr(search_name, 2, 1) END AS g
              FROM records
             WHERE kind = 'resident' AND char_length(search_name) = 3
               AND (%(scope)s::bigint[] IS NULL OR grid_id = ANY(%(scope)s::bigint[]))) AS t
         WHERE NOT g = ANY(%(surnames)s)
         GROUP BY g ORDER BY 2 DESC, 1 LIMIT %(n)s""",
        {"len": length, "scope": scope, "n": count,
         "surnames": [s for s, _ in SURNAMES]})]


def misses(connection: psycopg.Connection[Any], people: People, count: int) -> list[Query]:
    """Plausible names nobody has, nor has as part of their name."""
    found: list[Query] = []
    while len(found) < count:
        name = people.rng.choices(people.surnames, cum_weights=people.surname_weights)[0]
        name += "".join(people.rng.choices(people.chars["1"] + people.chars["2"], k=2))
        hit = connection.execute("""
            SELECT 1 FROM records
             WHERE name_grams @> zw_query_grams(%(q)s) AND search_name LIKE %(like)s LIMIT 1""",
            {"q": name, "like": f"%{name}%"}).fetchone()
        if hit is None:
            found.append(Query(name))
    return found


def missing_ids(connection: psycopg.Connection[Any], people: People, count: int) -> list[Query]:
    """Valid ID numbers that no record holds."""
    found: list[Query] = []
    while len(found) < count:
        born = people.today - timedelta(days=people.rng.randrange(365 * 80))
        number = people.id_card(people.rng.choice(people.local)[0], born, "2")
        if connection.execute("SELECT 1 FROM records WHERE search_keys @> ARRAY[%s]",
                              (number,)).fetchone() is None:
            found.append(Query(number))
    return found


def workload(database_url: str, scope: list[int] | None, count: int,
             seed: int) -> list[QueryType]:
    """The query types for a user whose records lie in ``scope`` (None: everywhere)."""
    rng = random.Random(seed)
    with psycopg.connect(database_url) as connection:
        people = sample_people(connection, scope, count * 3)
        pairs = common_given(connection, scope, 2, 20)
        singles = common_given(connection, scope, 1, 10)
        generator = People(load_grids(database_url), seed + 1)
        name_misses = misses(connection, generator, min(count, 100))
        number_misses = missing_ids(connection, generator, min(count, 100))
    with_phone = [p for p in people if p[3]]
    two_given = [p for p in people if len(split_name(p[1])[1]) == 2]
    surname_plus = [p for p in people if split_name(p[1])[1]]
    return [
        QueryType("exact name", [Query(n, i) for i, n, _, _ in people[:count]], check_exact),
        QueryType("prefix 1 char", [Query(n[0]) for _, n, _, _ in people[:count]], check_prefix),
        QueryType("prefix 2 chars",
                  [Query(split_name(n)[0] + split_name(n)[1][0]) for _, n, _, _ in
                   surname_plus[:count]], check_prefix),
        QueryType("within 2 (given)", [Query(split_name(n)[1]) for _, n, _, _ in
                                        two_given[:count]], check_within),
        QueryType("within 2 (common)", [Query(g) for g, _ in pairs], check_within),
        QueryType("within 1 (common)", [Query(g) for g, _ in singles], check_within, extra=True),
        QueryType("ID card", [Query(k, i) for i, _, k, _ in people[:count]], check_number),
        QueryType("phone", [Query(str(p), i) for i, _, _, p in with_phone[:count]],
                  check_number),
        QueryType("miss (name)", rng.sample(name_misses, len(name_misses)), check_miss),
        QueryType("miss (ID card)", number_misses, check_miss),
    ]


def supervised_grids(database_url: str, username: str) -> list[int]:
    with psycopg.connect(database_url) as connection:
        return [g for g, in connection.execute("""
            SELECT a.grid_id FROM assignments a JOIN users u ON u.id = a.user_id
             WHERE u.username = %s AND a.kind = 'supervises' AND a.valid_to IS NULL
             ORDER BY 1""", (username,))]


# ---------------------------------------------------------------------------------- measuring

@dataclass
class User:
    """A signed-in user and its query types."""

    name: str
    auth: dict[str, str]
    types: list[QueryType]
    scope: list[int] | None


def search_path(q: str) -> str:
    return f"{SEARCH}?q={quote(q)}"


def measure(client: Client, users: list[User], warmup: int, rounds: int,
            budget_s: float) -> tuple[list[float], list[Series]]:
    """Interleaved rounds: /healthz and one query of every type for every user per round."""
    floor: list[float] = []
    plan = [(u, Series(u.name, t)) for u in users for t in u.types]
    spent: dict[tuple[bool, int], float] = {}  # (timed?, type) → seconds
    for number in range(warmup + rounds):
        timed = number >= warmup
        if number in (0, warmup) or (timed and (number - warmup) % 50 == 0):
            say(f"{'measuring' if timed else 'warming up'}: round {number - warmup * timed + 1}"
                f" of {rounds if timed else warmup} …")
        reply = client.request("GET", "/healthz")
        if timed:
            floor.append(reply.seconds * 1e3)
        for index, (user, entry) in enumerate(plan):
            if spent.get((timed, index), 0.0) > (budget_s if timed else budget_s / 2):
                continue  # this type used its time budget: stop asking it
            query = entry.kind.queries[number % len(entry.kind.queries)]
            reply = client.request("GET", search_path(query.q), user.auth)
            if timed:
                entry.add(query, reply.status, reply.body, reply.seconds)
            spent[timed, index] = spent.get((timed, index), 0.0) + reply.seconds
    return floor, [entry for _, entry in plan]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * fraction) - 1)]


def print_latency(floor: list[float], series: list[Series], residents: int) -> list[Series]:
    """The latency table; the series whose p95 misses the target."""
    f50, f95 = statistics.median(floor), percentile(floor, 0.95)
    print(f"\nSearch latency over HTTP, {residents:,} residents, GET {SEARCH}?q=… (limit {LIMIT}),"
          f" {len(floor)} timed rounds; × floor = multiple of GET /healthz's p50 / p95")
    print(f"  {'user':<12} {'query type':<20} {'n':>4} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}"
          f" {'× floor':>11}  {'results avg/min/max':>19} {'wrong':>5}  verdict")
    print(f"  {'-':<12} {'GET /healthz':<20} {len(floor):>4} {f50:>7.1f} {f95:>7.1f}"
          f" {max(floor):>7.1f} {'1.0 / 1.0':>11}")
    missed: list[Series] = []
    for s in series:
        if not s.ms:
            continue
        p50, p95 = statistics.median(s.ms), percentile(s.ms, 0.95)
        counts = (f"{statistics.mean(s.results):.1f}/{min(s.results)}/{max(s.results)}"
                  if s.results else "-")
        met = p95 < TARGET_P95_MS
        if not met:
            missed.append(s)
        errors = "".join(f"  {k} ×{v}" for k, v in s.errors.items())
        label = s.kind.label + (" *" if s.kind.extra else "")
        print(f"  {s.user:<12} {label:<20} {len(s.ms):>4} {p50:>7.1f} {p95:>7.1f}"
              f" {max(s.ms):>7.1f} {f'{p50 / f50:.1f} / {p95 / f95:.1f}':>11}  {counts:>19}"
              f" {s.wrong:>5}  {'MET' if met else 'MISSED'}{errors}")
    print(f"  target: p95 < {TARGET_P95_MS:.0f} ms for every type;"
          " * = beyond the brief (one common character)")
    print("  slowest query of each type:")
    for s in series:
        if s.ms:
            print(f"    {s.user:<12} {s.kind.label:<20} {s.slowest[0]:7.1f} ms  q={s.slowest[1]}")
    return missed


def print_workload(users: list[User], pairs_note: dict[str, str]) -> None:
    print("\nWorkload")
    for user in users:
        where = "whole district" if user.scope is None else f"{len(user.scope)} grids"
        print(f"  {user.name} ({where}): distinct queries: " + ", ".join(
            f"{t.label} {len(set(q.q for q in t.queries))}" for t in user.types))
        print(f"    most common 2-char given names (how many 3-char names end in them): "
              f"{pairs_note[user.name]}")


# ---------------------------------------------------------------------------------- explaining

MODES = ("auto", "force_custom_plan", "force_generic_plan")
REPLAY_TIMEOUT_MS = 20_000
WARM_TIMEOUT_MS = 1_000
_NODE = re.compile(r"^\s*(->\s*)?[A-Z][A-Za-z ]+\s+\(cost=")
_PARAMETER = re.compile(r"\$\d")
_LONG_ARRAY = re.compile(r"'\{(\d+,){8,}\d+\}'")


@dataclass
class StagePlan:
    """One statement of a search as PostgreSQL ran it (from auto_explain)."""

    stage: str
    ms: float
    generic: bool
    plan: str


@dataclass
class Replay:
    """A type's slowest query replayed in-process; in each plan-cache mode when explained."""

    series: Series
    explained: bool
    stages: dict[str, list[StagePlan]] = field(default_factory=dict)  # by mode
    wall_ms: dict[str, float] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)
    statements: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # as run now


def stage_of(text: str) -> str:
    """Which step of search_records a statement is."""
    for marker, stage in (("search_keys @>", "numbers"), ("name_grams @>", "within"),
                          ("search_name LIKE", "prefix"), ("search_name =", "exact")):
        if marker in text:
            return stage
    return "other"


def parse_plan(message: str) -> StagePlan | None:
    """auto_explain's message for a search statement; None for any other statement."""
    if "FROM records r" not in message:
        return None
    head, _, rest = message.partition("Query Text:")
    lines = rest.splitlines()
    first = next((i for i, line in enumerate(lines) if i and _NODE.match(line)), len(lines))
    query, tree = "\n".join(lines[:first]), "\n".join(lines[first:])
    ms = float(head.split("duration:", 1)[1].split("ms", 1)[0])
    tree = _LONG_ARRAY.sub(lambda m: f"'{{…{m.group(0).count(',') + 1} ids…}}'", tree)
    return StagePlan(stage_of(query), ms, bool(_PARAMETER.search(tree)), tree)


class Replayer:
    """One connection of the app's own engine, used as a gunicorn worker uses its own.

    search_records runs on it with the app's session machinery, so psycopg prepares the same
    statements after 5 executions and PostgreSQL keeps the same per-statement plan cache;
    auto_explain (LOAD, client_min_messages = log) sends each statement's actual plan back.
    """

    def __init__(self, stack: Stack) -> None:
        from sqlalchemy import event, select
        from sqlalchemy.orm import Session

        from server import create_app
        from server.extensions import db
        from server.models import User as UserModel

        self.app = create_app({"DATABASE_URL": stack.database_url,
                               "JWT_KEYS": json.loads(stack.env["ZHIWANG_JWT_KEYS"])})
        self.context = self.app.app_context()
        self.context.push()
        self.engine = db.engine
        self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.session = Session(bind=self.connection)
        self.notices: list[str] = []
        self.captured: list[tuple[str, dict[str, Any]]] = []
        raw = self.connection.connection.driver_connection
        assert raw is not None
        raw.add_notice_handler(lambda d: self.notices.append(d.message_primary or ""))
        self.users = {u.username: u for u in self.session.scalars(select(UserModel))}
        event.listen(self.engine, "before_cursor_execute", self._capture)
        for sql in ("LOAD 'auto_explain'", "SET auto_explain.log_analyze = on",
                    "SET auto_explain.log_buffers = on", "SET auto_explain.log_min_duration = -1",
                    "SET client_min_messages = log"):
            self.set(sql)

    def _capture(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                 executemany: bool) -> None:
        if "FROM records r" in statement:
            self.captured.append((statement, dict(parameters or {})))

    def close(self) -> None:
        from sqlalchemy import event
        event.remove(self.engine, "before_cursor_execute", self._capture)
        self.session.close()
        self.connection.close()
        self.engine.dispose()  # no connection left open when the cluster stops
        self.context.pop()

    def set(self, sql: str) -> None:
        self.connection.exec_driver_sql(sql)

    def search(self, user: str, q: str) -> tuple[float, bool]:
        """(ms, whether statement_timeout cancelled it)."""
        from sqlalchemy.exc import DBAPIError

        from server.services.records import search_records
        clock = time.perf_counter()
        try:
            search_records(self.session, self.users[user], kind=None, q=q, grid_code=None,
                           limit=LIMIT)
            return (time.perf_counter() - clock) * 1e3, False
        except DBAPIError:
            self.session.rollback()
            return (time.perf_counter() - clock) * 1e3, True

    def warm(self, users: list[User], rounds: int) -> int:
        """The HTTP mix (both users, every type, interleaved); how many were cancelled."""
        self.set(f"SET statement_timeout = {WARM_TIMEOUT_MS}")
        cancelled = sum(self.search(u.name, t.queries[n % len(t.queries)].q)[1]
                        for n in range(rounds) for u in users for t in u.types)
        self.set(f"SET statement_timeout = {REPLAY_TIMEOUT_MS}")
        return cancelled

    def replay(self, series: Series, explain: bool) -> Replay:
        """The series' slowest query: in every plan-cache mode with plans, or once as is."""
        replay = Replay(series, explain)
        for mode in MODES if explain else MODES[:1]:
            self.set(f"SET plan_cache_mode = {mode}")
            if explain:
                self.set("SET auto_explain.log_min_duration = 0")
            self.notices.clear()
            self.captured.clear()
            ms, cancelled = self.search(series.user, series.slowest[1])
            self.set("SET auto_explain.log_min_duration = -1")
            replay.wall_ms[mode] = ms
            if cancelled:
                replay.cancelled.add(mode)
            replay.stages[mode] = [p for p in map(parse_plan, self.notices) if p]
            if mode == "auto":
                replay.statements = list(self.captured)
        self.set("SET plan_cache_mode = auto")
        return replay


def replay_all(stack: Stack, users: list[User], series: list[Series], explain: list[Series],
               warm_rounds: int) -> list[Replay]:
    """Warm one app connection with the HTTP mix; replay every type's slowest query."""
    replayer = Replayer(stack)
    try:
        say(f"explain: warming one app connection with {warm_rounds} rounds of the mix …")
        cancelled = replayer.warm(users, warm_rounds)
        if cancelled:
            say(f"explain: {cancelled} warm-up searches cancelled at {WARM_TIMEOUT_MS} ms")
        replays = []
        chosen = {id(s) for s in explain}
        for s in series:
            if id(s) in chosen:
                say(f"explain: {s.user} / {s.kind.label} q={s.slowest[1]} …")
            replays.append(replayer.replay(s, id(s) in chosen))
        return replays
    finally:
        replayer.close()


def print_replays(replays: list[Replay], warm_rounds: int) -> None:
    print(f"\nEXPLAIN: the slowest query of each type that missed, replayed in-process through"
          f" search_records on one app connection warmed with {warm_rounds} rounds of the HTTP"
          " mix (psycopg prepares a statement after its 5th execution; PostgreSQL then keeps a"
          " generic plan for it if that looks no dearer than the custom plans so far); ms per"
          " statement from auto_explain, g = generic plan; auto = what the warm connection did")
    for r in replays:
        if not r.explained:
            continue
        s = r.series
        print(f"\n  {s.user} / {s.kind.label}: q={s.slowest[1]!r}"
              f" (slowest over HTTP {s.slowest[0]:.1f} ms)")
        print(f"    {'plan_cache_mode':<20} {'search ms':>10}  statements")
        for mode in MODES:
            parts = ", ".join(f"{p.stage} {p.ms:.1f}{' g' if p.generic else ''}"
                              for p in r.stages[mode])
            note = f"  CANCELLED at {REPLAY_TIMEOUT_MS / 1e3:.0f} s" if mode in r.cancelled else ""
            print(f"    {mode:<20} {r.wall_ms[mode]:>10.1f}  {parts}{note}")
        worst = max(((mode, p) for mode in MODES for p in r.stages[mode]),
                    key=lambda mp: mp[1].ms, default=None)
        if worst is not None:
            mode, plan = worst
            print(f"    plan of the slowest statement ({plan.stage}, {mode},"
                  f" {'generic' if plan.generic else 'custom'}, {plan.ms:.1f} ms):")
            print(indent(plan.plan, 6))


# ------------------------------------------------------------------- a proposed query shape

PROPOSED = """
SELECT r.id, r.kind, r.key, g.code AS grid, r.version, r.data, r.form_id, r.form_version,
       ST_AsGeoJSON(r.geometry, 7) AS geometry, r.updated_at, u.username AS updated_by,
       r.retired_at
  FROM ({inner}) AS r
  JOIN grids g ON g.id = r.grid_id
  LEFT JOIN users u ON u.id = r.updated_by_id
 ORDER BY {order}"""
BY_NAME = "r.search_name USING ~<~, r.id"


def proposed_statements(q: str, scope: list[int] | None,
                        ordered_within: bool = True) -> list[tuple[str, str]]:
    """(stage, SQL) of the proposed search, in the order search_records runs its stages.

    The records are filtered, ordered and limited alone, and only the page is joined to grids
    and users; conditions are added only when they apply (no `CAST(:x) IS NULL OR …`, which
    generic plans cannot see through); names are ordered with the operator class of the
    existing name index (text_pattern_ops, `USING ~<~`: byte order, the same as C.UTF-8's), so
    that prefixes are read in index order and stop at the limit; the LIKE recheck is kept
    only where the character pairs do not decide (queries of three or more characters);
    whole numbers are looked up in the GIN index before anything is ordered. With
    ordered_within False, the within stage takes the first matches it finds (any 20) and
    orders only those, instead of the first 20 by name.
    """
    where = "r.retired_at IS NULL" + (" AND r.grid_id = ANY(%(scope)s::bigint[])"
                                      if scope is not None else "")

    def shape(condition: str, order: str, ordered: bool = True) -> str:
        inner = (f"SELECT r.* FROM records r WHERE {where} AND {condition}"
                 + (f" ORDER BY {order}" if ordered else "") + " LIMIT %(limit)s")
        return PROPOSED.format(inner=inner, order=order)

    if recognised_number(q) is not None:
        inner = (f"SELECT r.* FROM (SELECT r.* FROM records r WHERE {where}"
                 " AND r.search_keys @> ARRAY[%(term)s::text] OFFSET 0) AS r"
                 " ORDER BY r.id LIMIT %(limit)s")
        return [("numbers", PROPOSED.format(inner=inner, order="r.id"))]
    within = "r.name_grams @> zw_query_grams(%(q)s)" + (
        " AND r.search_name LIKE %(infix)s" if len(q) > 2 else "")
    return [("exact", shape("r.search_name = %(q)s", "r.id")),
            ("prefix", shape("r.search_name LIKE %(prefix)s", BY_NAME)),
            ("within", shape(within, BY_NAME, ordered_within))]


def proposed_params(q: str, scope: list[int] | None) -> dict[str, Any]:
    return {"q": q, "prefix": _like(q) + "%", "infix": "%" + _like(q) + "%",
            "term": q.replace(" ", "").replace("-", "").upper(), "limit": LIMIT, "scope": scope}


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


Statements = Sequence[tuple[str, dict[str, Any]]]


def run_search(connection: psycopg.Connection[Any],
               statements: Statements) -> tuple[float, list[Any]]:
    """Run the stages as search_records does (stop once a page is full): (ms, record ids)."""
    clock = time.perf_counter()
    found: dict[Any, None] = {}
    for sql, params in statements:
        try:
            rows = connection.execute(sql, params, prepare=False).fetchall()
        except psycopg.errors.QueryCanceled:
            return math.inf, []
        found.update((row[0], None) for row in rows)
        if len(found) >= LIMIT:
            break
    return (time.perf_counter() - clock) * 1e3, list(found)[:LIMIT]


def timed(connection: psycopg.Connection[Any],
          statements: Statements) -> tuple[float, list[Any]]:
    """Median ms of three runs (one when the first takes over a second), and the ids."""
    runs = [run_search(connection, statements)]
    while len(runs) < 3 and runs[0][0] < 1000:
        runs.append(run_search(connection, statements))
    return statistics.median(r[0] for r in runs), runs[0][1]


def try_proposal(database_url: str, replays: list[Replay], users: list[User]) -> None:
    """Time each type's slowest query as run now and in the proposed shape (custom plans)."""
    scopes = {u.name: u.scope for u in users}
    examples = [(r, proposed_params(r.series.slowest[1], scopes[r.series.user])) for r in replays]

    def statements(params: dict[str, Any], ordered_within: bool) -> Statements:
        return [(sql, params) for _, sql in
                proposed_statements(params["q"], params["scope"], ordered_within)]

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(f"SET statement_timeout = {REPLAY_TIMEOUT_MS}")
        say("proposal: timing the statements as they are and as proposed …")
        results = [(timed(connection, r.statements), timed(connection, statements(p, True)),
                    timed(connection, statements(p, False))) for r, p in examples]
        viewer_prefix = _prefix_plan(connection)
    print("\nProposed query shape (proposed_statements in bench/search.py; no new index),"
          " tried on this database: each type's slowest query as search_records runs it now,"
          " as proposed, and as proposed with an unordered within stage (any 20 matches, then"
          " ordered); custom plans on one connection, median of 3 runs (1 if over a second);"
          " ms (rows); = : the same records in the same order as now")
    print(f"  {'user':<12} {'query type':<20} {'q':<20} {'now':>14} {'proposed':>16}"
          f" {'within unordered':>17}")
    for (r, params), (now, proposed, unordered) in zip(examples, results):
        same = " =" if proposed[1] == now[1] else " ≠"
        cells = [f"{ms:.1f} ({len(ids)})" if ms != math.inf else "cancelled"
                 for ms, ids in (now, proposed, unordered)]
        print(f"  {r.series.user:<12} {r.series.kind.label:<20} {params['q']:<20}"
              f" {cells[0]:>14} {cells[1] + same:>16} {cells[2]:>17}")
    print("  the proposed prefix statement (a viewer's: no scope condition), q='李':")
    print(indent(textwrap.fill(" ".join(proposed_statements("李", None)[1][1].split()), 96), 4))
    print("    its plan:")
    print(indent(viewer_prefix, 6))


def _prefix_plan(connection: psycopg.Connection[Any]) -> str:
    sql = proposed_statements("李", None)[1][1]
    rows = connection.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql,
                              proposed_params("李", None), prepare=False).fetchall()
    return "\n".join(line for line, in rows)


def indent(block: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in block.splitlines())


# -------------------------------------------------------------------------------------- main

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=100_000, help="rows per COPY + INSERT")
    parser.add_argument("--no-versions", action="store_true",
                        help="do not write record_versions rows")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per type")
    parser.add_argument("--warmup", type=int, default=30, help="warm-up rounds")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--budget", type=float, default=30,
                        help="seconds of timed queries per type at most")
    parser.add_argument("--explain", action="store_true", help="explain every type")
    parser.add_argument("--warm-rounds", type=int, default=8,
                        help="rounds of the mix that warm the explaining connection")
    parser.add_argument("--no-proposal", action="store_true",
                        help="do not try the proposed query shape")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    stop_on_sigterm()
    with local_stack(workers=args.workers) as stack:
        say(f"seeding {args.residents:,} residents …")
        seeding = seed_residents(stack.database_url, args.residents, args.chunk,
                                 not args.no_versions, args.seed)
        print_seeding(seeding)
        say("choosing queries …")
        users: list[User] = []
        notes: dict[str, str] = {}
        client = Client(stack.base_url)
        for name, scope in ((VIEWER, None),
                            (SUPERVISOR, supervised_grids(stack.database_url, SUPERVISOR))):
            types = workload(stack.database_url, scope, args.queries, args.seed)
            users.append(User(name, sign_in(client, name), types, scope))
            with psycopg.connect(stack.database_url) as connection:
                notes[name] = ", ".join(f"{g} {n}" for g, n in
                                        common_given(connection, scope, 2, 5))
        print_workload(users, notes)
        floor, series = measure(client, users, args.warmup, args.queries, args.budget)
        missed = print_latency(floor, series, args.residents)
        to_explain = [s for s in series if s.ms] if args.explain else missed
        if to_explain:
            replays = replay_all(stack, users, [s for s in series if s.ms], to_explain,
                                 args.warm_rounds)
            print_replays(replays, args.warm_rounds)
            if not args.no_proposal:
                try_proposal(stack.database_url, replays, users)
        print("\nSummary: " + ("every query type met p95 < "
                               f"{TARGET_P95_MS:.0f} ms" if not missed else
                               "MISSED p95 < {:.0f} ms: ".format(TARGET_P95_MS) + ", ".join(
                                   f"{s.user}/{s.kind.label}" for s in missed)))
        client.close()
        return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
