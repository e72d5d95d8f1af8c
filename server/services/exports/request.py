"""What an export asks for: a kind of record, a filter, a format and how to label columns."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from server.domain.id_card import CHINA_STANDARD_TIME


@dataclass(frozen=True)
class ExportRequest:
    """One export: which records (kind, area, updated since) and how they are written.

    ``area`` is a grid, community or street code; ``lang`` and ``choices`` are those of
    ``domain.export_table``; ``purpose`` is why (for the access log). A job keeps the request
    as its payload.
    """

    kind: str
    format: str = "csv"
    area: str | None = None
    updated_since: datetime | None = None
    lang: str = "zh"
    choices: str = "both"
    purpose: str | None = None

    def payload(self) -> dict[str, Any]:
        """The request as JSON (a job's payload)."""
        since = self.updated_since.isoformat() if self.updated_since else None
        return {**asdict(self), "updated_since": since}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> ExportRequest:
        """The request a job's payload holds."""
        since = payload.get("updated_since")
        return cls(**{**payload, "updated_since": datetime.fromisoformat(since)
                      if since else None})

    def filter(self) -> dict[str, Any]:
        """Which records were asked for, as said in the audit (and access) log."""
        return {k: v for k, v in self.payload().items() if k in ("kind", "area",
                                                                  "updated_since")}

    def filename(self, at: datetime, extension: str) -> str:
        """The download's name: ``resident-PS-01-20260301-0930.csv`` (China time)."""
        stamp = at.astimezone(CHINA_STANDARD_TIME).strftime("%Y%m%d-%H%M")
        return "-".join(filter(None, (self.kind, self.area, stamp))) + f".{extension}"
