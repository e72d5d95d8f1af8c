"""A district with enterprises and their indicators, for the warning and economy tests."""
from __future__ import annotations

import csv
import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from server.domain.credit_code import synthetic_credit_code
from server.domain.indicators import add_months
from server.models import FormStatus, FormVersion, Grid
from server.services.departments import create_department
from server.services.events.standard import publish_standard
from server.services.forms import validator_of
from server.services.record_store import VersionWrite, create_records
from server.services.warnings.model import publish_model
from tests.factories import make_grids, publish_repo_forms

ROOT = Path(__file__).resolve().parents[1]
MODEL = json.loads((ROOT / "standards" / "warning.v1.json").read_text(encoding="utf-8"))
STANDARD = json.loads((ROOT / "standards" / "event.v1.json").read_text(encoding="utf-8"))
CENTRES = {"T-11": (114.305, 22.705), "T-12": (114.315, 22.705), "T-33": (114.325, 22.725)}


@dataclass
class Firms:
    """The district's grids and enterprises (credit code → record id)."""

    session: Any
    grids: dict[str, Grid]
    ids: dict[str, uuid.UUID] = field(default_factory=dict)

    def add(self, serial: int, grid: str = "T-11") -> str:
        """A new enterprise in ``grid``; returns its credit code."""
        form = self.session.scalar(select(FormVersion).where(
            FormVersion.form_id == "enterprise", FormVersion.status == FormStatus.published))
        code = synthetic_credit_code("440310", serial)
        record_id = uuid.uuid4()
        lon, lat = CENTRES[grid]
        data = {"credit_code": code, "name": f"测试企业{serial}", "legal_representative": "张三",
                "address": "坪山区测试路1号", "industry": "C", "operating_status": "operating"}
        create_records(self.session, [VersionWrite(record_id, 1, validator_of(form), data,
                                                   self.grids[grid].id, lon, lat, None, [])])
        self.ids[code] = record_id
        return code

    def put(self, code: str, indicator: str, values: dict[date, float | None]) -> None:
        """Store values straight in the indicator store (None: the month is missing)."""
        rows = [{"e": str(self.ids[code]), "i": indicator, "m": m.isoformat(), "v": v}
                for m, v in values.items() if v is not None]
        self.session.execute(text("""
            INSERT INTO indicator_values (enterprise_id, indicator, month, value)
            SELECT e, i, m, v FROM jsonb_to_recordset(CAST(:rows AS jsonb))
                AS r(e uuid, i text, m date, v numeric)
            ON CONFLICT (enterprise_id, indicator, month) DO UPDATE SET value = excluded.value"""),
            {"rows": json.dumps(rows)})

    def steady(self, code: str, indicator: str, value: float, until: date, months: int = 6) -> None:
        """``months`` months of the same value before ``until``."""
        self.put(code, indicator, {add_months(until, -k): value for k in range(1, months + 1)})


def make_firms(session: Any) -> Firms:
    """Grids, the repository's forms, the event standard, the labour department, the model."""
    grids = make_grids(session)
    publish_repo_forms(session)
    publish_standard(session, STANDARD)
    create_department(session, None, "labour", "人力资源局")
    publish_model(session, MODEL)
    return Firms(session, grids)


def indicator_csv(folder: Path, rows: list[tuple[Any, ...]], name: str = "ind.csv") -> Path:
    """A department's file: header credit_code,month,indicator,value, then rows."""
    path = folder / name
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["credit_code", "month", "indicator", "value"])
        writer.writerows(rows)
    return path
