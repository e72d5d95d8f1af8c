"""What a bench must compute to write a record straight into PostgreSQL as the server would.

Benches that bypass the API (search's COPY seeding, sync's raw ceiling) still fill the records'
key and search columns with the server's own functions, never a copy of its rules: the server's
search normalisation is imported here and nowhere else in bench/, so that when it moves only the
import below changes.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.domain.form_validation import FormValidator, compile_form  # noqa: E402
from server.services.record_store import search_values  # noqa: E402  (the one import: see above)


@dataclass(frozen=True)
class RecordColumns:
    """A record's natural key and search columns, as the server writes them.

    ``search_keys`` is the server's space-separated form; SQL turns it into the text[] column
    with ``string_to_array(NULLIF(search_keys, ''), ' ')``, as the server's INSERT does.
    """

    key: str
    search_name: str | None
    search_keys: str

    @property
    def search_key_list(self) -> list[str] | None:
        """The search_keys column's value (NULL when the record has no whole numbers)."""
        return self.search_keys.split(" ") if self.search_keys else None


@cache
def form(form_id: str = "resident", version: int = 1) -> FormValidator:
    """A form version from forms/ in this checkout, compiled as the server compiles it."""
    path = ROOT / "forms" / f"{form_id}.v{version}.json"
    return compile_form(json.loads(path.read_text(encoding="utf-8")))


def record_columns(data: dict[str, Any], form_id: str = "resident",
                   version: int = 1) -> RecordColumns:
    """The key and search columns of a record holding ``data`` (valid for the form)."""
    validator = form(form_id, version)
    name, keys = search_values(validator, data)
    return RecordColumns(str(data.get(validator.key, "")), name, keys)
