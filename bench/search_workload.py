"""The queries bench/search.py asks: query types drawn from the seeded district, and checks.

For a user whose records lie in a scope (None: the whole district), `GET /api/v1/records?q=…`:
  exact name          full names of sampled residents
  prefix 1 char       a surname (its first character)
  prefix 2 chars      surname + first given-name character
  within 2 (given)    the two given-name characters of a sampled resident
  within 2 (common)   the most frequent two-character given names (many matches)
  within 1 (common)   one common given-name character (beyond the brief: the largest match
                      sets a name search can ask for)
  ID card             the whole ID number of a sampled resident
  phone               the whole mobile number of a sampled resident
  miss (name)         plausible names that no resident has, nor contains
  miss (ID card)      valid ID numbers that nobody has
Each answer is checked: the sampled person is found, names start with / contain the query,
misses are empty.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg

from people import SURNAMES, People, split_name

LIMIT = 20  # the API's default page size


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
        generator = People(seed + 1)
        name_misses = misses(connection, generator, min(count, 100))
        number_misses = missing_ids(connection, generator, min(count, 100))
    with_phone = [p for p in people if p[3]]
    two_given = [p for p in people if len(split_name(p[1])[1]) == 2]
    surname_plus = [p for p in people if split_name(p[1])[1]]
    types = [
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
    return [t for t in types if t.queries]  # a small district may lack some


def supervised_grids(database_url: str, username: str) -> list[int]:
    """The grids a supervisor supervises now."""
    with psycopg.connect(database_url) as connection:
        return [g for g, in connection.execute("""
            SELECT a.grid_id FROM assignments a JOIN users u ON u.id = a.user_id
             WHERE u.username = %s AND a.kind = 'supervises' AND a.valid_to IS NULL
             ORDER BY 1""", (username,))]

