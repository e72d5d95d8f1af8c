"""One item of an upload batch: its shape checked, its coordinates made WGS-84."""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server.domain.coordinates import gcj02_to_wgs84
from server.domain.item_result import FieldError, error
from server.domain.time_window import EARLIEST

CLOCK_SKEW = timedelta(minutes=5)
CRS_NAMES = ("WGS84", "GCJ02")
MAX_ACCURACY_TOLERANCE_M = 100.0
DEFAULT_ACCURACY_M = 10.0
INT4_MAX = 2**31 - 1  # versions are stored in integer columns



@dataclass(frozen=True)
class Location:
    """Where an item was captured, in WGS-84, with the GPS accuracy as tolerance."""

    lon: float
    lat: float
    accuracy_m: float | None
    crs: str

    @property
    def tolerance_m(self) -> float:
        """How far outside a grid the point may be and still count as inside it."""
        accuracy = DEFAULT_ACCURACY_M if self.accuracy_m is None else self.accuracy_m
        return min(accuracy, MAX_ACCURACY_TOLERANCE_M)


@dataclass(frozen=True)
class SyncItem:
    """A well-formed item: a create (no base_version) or an update of ``record_id``."""

    id: uuid.UUID
    position: int
    form_id: str
    form_version: int
    record_id: uuid.UUID | None
    base_version: int | None
    branch: str
    captured_at: datetime
    location: Location
    data: dict[str, Any]

    @property
    def is_update(self) -> bool:
        """Whether the item edits an existing record."""
        return self.base_version is not None


def read_item(raw: dict[str, Any], position: int, device_id: str,
              now: datetime) -> tuple[SyncItem | None, list[FieldError]]:
    """Check an item's envelope (everything but the form data's own rules)."""
    errors: list[FieldError] = []
    form_id = _string(raw, "form", errors, required=True)
    form_version = _integer(raw, "form_version", errors, required=True, minimum=1)
    record_id = _uuid(raw, "record_id", errors)
    base_version = _integer(raw, "base_version", errors, required=False, minimum=1)
    branch = _string(raw, "branch_id", errors, required=False) or device_id
    captured_at = _captured_at(raw, now, errors)
    location = _location(raw.get("location"), errors)
    data = raw.get("data")
    if not isinstance(data, dict):
        errors.append(error("data", "type", "must be an object of field values",
                            "应为字段值对象"))
    if base_version is not None and record_id is None:
        errors.append(error("record_id", "required", "an update (base_version) needs record_id",
                            "更新记录须提供 record_id"))
    if errors:
        return None, errors
    return SyncItem(uuid.UUID(str(raw["id"])), position, form_id, form_version, record_id,
                    base_version, branch, captured_at, location, data), []


def _string(raw: dict[str, Any], name: str, errors: list[FieldError], required: bool,
            max_length: int = 128) -> str | None:
    value = raw.get(name)
    if value is None:
        if required:
            errors.append(error(name, "required", "is required", "必填"))
        return None
    if not isinstance(value, str) or not value or len(value) > max_length:
        errors.append(error(name, "type", f"must be a text of 1 to {max_length} characters",
                            f"应为 1 至 {max_length} 个字符的文本"))
        return None
    return value


def _integer(raw: dict[str, Any], name: str, errors: list[FieldError], required: bool,
             minimum: int) -> int | None:
    value = raw.get(name)
    if value is None:
        if required:
            errors.append(error(name, "required", "is required", "必填"))
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= INT4_MAX:
        errors.append(error(name, "type", f"must be an integer from {minimum} to {INT4_MAX}",
                            f"应为 {minimum} 至 {INT4_MAX} 之间的整数"))
        return None
    return value


def _uuid(raw: dict[str, Any], name: str, errors: list[FieldError]) -> uuid.UUID | None:
    value = raw.get(name)
    if value is None:
        return None
    try:
        return uuid.UUID(str(value)) if isinstance(value, str) else _raise()
    except ValueError:
        errors.append(error(name, "type", "must be a UUID", "应为 UUID"))
        return None


def _raise() -> uuid.UUID:
    raise ValueError


def _captured_at(raw: dict[str, Any], now: datetime, errors: list[FieldError]) -> datetime:
    value = raw.get("captured_at")
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        errors.append(error("captured_at", "type",
                            "must be an ISO 8601 date-time with a time zone",
                            "应为带时区的 ISO 8601 时间"))
        return now
    if moment < EARLIEST:
        errors.append(error("captured_at", "range",
                            f"must not be before {EARLIEST.date().isoformat()}",
                            f"采集时间不得早于 {EARLIEST.date().isoformat()}"))
    elif moment > now + CLOCK_SKEW:
        errors.append(error("captured_at", "future", "lies in the future; check the phone's clock",
                            "采集时间晚于当前时间，请检查手机时钟"))
    return moment


def _location(value: Any, errors: list[FieldError]) -> Location:
    if not isinstance(value, dict):
        errors.append(error("location", "required", "must be an object {lon, lat, accuracy_m?, crs?}",
                            "须提供位置 {lon, lat, accuracy_m?, crs?}"))
        return Location(0.0, 0.0, None, "WGS84")
    lon = _coordinate(value, "lon", 180.0, errors)
    lat = _coordinate(value, "lat", 90.0, errors)
    accuracy = value.get("accuracy_m")
    if accuracy is not None and (isinstance(accuracy, bool) or not isinstance(accuracy, (int, float))
                                 or not math.isfinite(accuracy) or accuracy < 0):
        errors.append(error("location.accuracy_m", "range", "must be a number of metres ≥ 0",
                            "应为不小于 0 的米数"))
        accuracy = None
    crs = value.get("crs") or "WGS84"
    if crs not in CRS_NAMES:
        errors.append(error("location.crs", "choice", "must be WGS84 or GCJ02",
                            "坐标系应为 WGS84 或 GCJ02"))
    if crs == "GCJ02" and lon is not None and lat is not None:
        lon, lat = gcj02_to_wgs84(lon, lat)
    return Location(lon or 0.0, lat or 0.0, accuracy, crs)


def _coordinate(value: dict[str, Any], name: str, limit: float,
                errors: list[FieldError]) -> float | None:
    number = value.get(name)
    if (isinstance(number, bool) or not isinstance(number, (int, float))
            or not math.isfinite(number) or abs(number) > limit):
        errors.append(error(f"location.{name}", "range",
                            f"must be a finite number between -{limit:g} and {limit:g}",
                            f"应为 -{limit:g} 至 {limit:g} 之间的有限数值"))
        return None
    return float(number)
