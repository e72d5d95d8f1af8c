"""A synthetic district for the labour-dispute warnings: enterprises, 36 months of their eight
indicators, and planted enterprises that decline towards a labour dispute. Reproducible by seed.

    generate(enterprises=20_000, months=36, end=date(2026, 10, 1), seed=7) -> District

What it makes, per enterprise (sizes lognormal: headcount median ~40):
- electricity ∝ headcount (≈ 450 kWh a head), water ≈ 4 m³ a head, tax ≈ 1,500 元 a head,
  social-insurance contributors ≈ 85-100 % of the headcount; each with a yearly season (summer
  peak for electricity and water, ±12 %), a Spring Festival dip in February (-25 %), and
  multiplicative noise (σ ≈ 8 %);
- complaints: Poisson(0.03) a month; wages unpaid: 0, except rare slips (0.2 % of months);
- missing months: 3 % of values are not delivered, and 1 % of enterprise-months have nothing;
- the exit list: 0.4 % of enterprises go on it at a random month (and stay);
- confounders (3 %): a planned downsizing — electricity, water and headcount fall by a third
  over two months and stay there, with no labour trouble;
- planted decliners (3 %): a dispute month D (from month 12 on); from D-L (L 3-6 months) on,
  electricity, water and tax fall towards 40-60 % of normal, headcount and contributors towards
  65-80 %; complaints rise in the last three months; wages go unpaid in the last 1-2 months for
  60 % of them (the others decline "quietly"); the dispute itself happens at D.

The truth (which enterprise has a dispute when) is returned apart: nothing of it reaches the
database, the model only ever sees the indicators.
"""
from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from server.domain.credit_code import synthetic_credit_code
from server.domain.indicators import add_months


@dataclass
class Firm:
    """One enterprise's character (what the generator draws once)."""

    serial: int
    credit_code: str
    headcount: float
    insured_share: float
    phase: float
    dispute: int | None = None        # month index of the planted dispute
    lead: int = 0                     # months of decline before it
    loud: bool = False                # wages go unpaid before the dispute
    downsizing: int | None = None     # month index of a planned downsizing (a confounder)
    exit_month: int | None = None     # month index it goes on the exit list


@dataclass
class District:
    """The enterprises, the months, and the planted truth."""

    firms: list[Firm]
    months: list[date]
    seed: int
    truth: dict[str, date] = field(default_factory=dict)  # credit code → dispute month


def generate(enterprises: int = 20_000, months: int = 36, end: date = date(2026, 10, 1),
             seed: int = 7) -> District:
    """Draw a district (see the module's docstring)."""
    rng = random.Random(seed)
    month_list = [add_months(end, k - months + 1) for k in range(months)]
    firms = []
    for serial in range(enterprises):
        firm = Firm(serial, synthetic_credit_code("440310", serial + 1),
                    headcount=max(3.0, rng.lognormvariate(math.log(40), 0.9)),
                    insured_share=rng.uniform(0.85, 1.0), phase=rng.uniform(-0.5, 0.5))
        kind = rng.random()
        if kind < 0.03:
            firm.dispute = rng.randrange(12, months)
            firm.lead = rng.randint(3, 6)
            firm.loud = rng.random() < 0.6
        elif kind < 0.06:
            firm.downsizing = rng.randrange(8, months)
        if rng.random() < 0.004:
            firm.exit_month = rng.randrange(6, months)
        firms.append(firm)
    district = District(firms, month_list, seed)
    district.truth = {f.credit_code: month_list[f.dispute] for f in firms if f.dispute is not None}
    return district


def values(district: District) -> Iterator[tuple[str, date, str, float]]:
    """Every delivered value: (credit code, month, indicator, value)."""
    rng = random.Random(district.seed + 1)
    for firm in district.firms:
        for index, month in enumerate(district.months):
            if rng.random() < 0.01:
                continue  # nothing delivered for this enterprise this month
            for indicator, value in _month(firm, index, month, rng):
                if rng.random() >= 0.03:
                    yield firm.credit_code, month, indicator, value


def _month(firm: Firm, index: int, month: date, rng: random.Random) -> list[tuple[str, float]]:
    season = 1 + 0.12 * math.sin(2 * math.pi * (month.month - 4 + firm.phase) / 12)
    festival = 0.75 if month.month == 2 else 1.0
    activity, people, complaints, unpaid = 1.0, 1.0, rng.random() < 0.03, 0.0
    if firm.downsizing is not None and index >= firm.downsizing:
        activity = people = 1 - min(index - firm.downsizing + 1, 2) / 6
    if firm.dispute is not None and index >= firm.dispute - firm.lead:
        progress = min(1.0, (index - (firm.dispute - firm.lead) + 1) / (firm.lead + 1))
        activity = 1 - progress * rng.uniform(0.4, 0.6)
        people = 1 - progress * rng.uniform(0.2, 0.35)
        if index >= firm.dispute - 2:
            complaints = _poisson(rng, 1.0 + 1.5 * (index - firm.dispute + 3))
        if firm.loud and index >= firm.dispute - rng.randint(1, 2):
            unpaid = round(firm.headcount * people * rng.uniform(2000, 6000), 2)
    if rng.random() < 0.002:
        unpaid = round(rng.uniform(500, 5000), 2)
    noise = (lambda: rng.lognormvariate(0, 0.08))
    head = firm.headcount * people * festival ** 0.2
    return [("electricity", round(450 * firm.headcount * activity * season * festival * noise())),
            ("water", round(4 * firm.headcount * activity * season * festival * noise(), 1)),
            ("tax", round(1500 * firm.headcount * activity * festival * noise(), 2)),
            ("headcount", round(head * rng.uniform(0.97, 1.03))),
            ("social_insurance", round(head * firm.insured_share * rng.uniform(0.98, 1.02))),
            ("complaints", int(complaints)), ("wages_unpaid", unpaid),
            ("capacity_exit", int(firm.exit_month is not None and index >= firm.exit_month))]


def _poisson(rng: random.Random, mean: float) -> int:
    threshold, count, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def load_enterprises(session, district: District, chunk: int = 2000) -> int:  # type: ignore[no-untyped-def]
    """The district's enterprises as enterprise records (through the record store), each at a
    random point of a random active grid; returns how many were created."""
    import uuid

    from sqlalchemy import text

    from server.services.forms import validator_of
    from server.services.imports.start import latest_published
    from server.services.record_store import VersionWrite, create_records
    form = validator_of(latest_published(session, "enterprise"))
    rng = random.Random(district.seed + 2)
    grids = session.execute(text(
        "SELECT g.id, ST_X(p.geom), ST_Y(p.geom) FROM grids g "
        "CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(g.boundary, 60, :seed)) p "
        "WHERE g.retired_at IS NULL ORDER BY g.id"), {"seed": district.seed}).all()
    created = 0
    for start in range(0, len(district.firms), chunk):
        writes = []
        for firm in district.firms[start:start + chunk]:
            grid_id, lon, lat = rng.choice(grids)
            data = {"credit_code": firm.credit_code, "name": f"坪山合成企业{firm.serial:05d}有限公司",
                    "legal_representative": "合成", "address": f"坪山区合成路{firm.serial % 999 + 1}号",
                    "industry": "C", "employees": round(firm.headcount),
                    "operating_status": "operating"}
            writes.append(VersionWrite(uuid.uuid4(), 1, form, data, grid_id, lon, lat, None,
                                       list(data)))
        created += len(create_records(session, writes))
        session.commit()
    return created


def copy_values(session, district: District) -> int:  # type: ignore[no-untyped-def]
    """Every value into the indicator store with COPY, in the session's transaction (as a
    month's department files would bring them, without the file round trip); returns how many."""
    from sqlalchemy import text
    ids = dict(session.execute(text(
        "SELECT key, id FROM records WHERE kind = 'enterprise' AND retired_at IS NULL")).all())
    connection = session.connection().connection.driver_connection
    count = 0
    with connection.cursor() as cursor:
        with cursor.copy("COPY indicator_values (enterprise_id, indicator, month, value) "
                         "FROM STDIN") as copy:
            for code, month, indicator, value in values(district):
                copy.write_row((ids[code], indicator, month, value))
                count += 1
    session.execute(text("ANALYZE indicator_values"))
    return count
