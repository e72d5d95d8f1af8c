"""How the benchmarks count and print: percentiles, figure tables with ratio columns, targets.

Figures go to stdout; progress goes to stderr (harness.say). Every table is printed the same
way, so a bench only says which rows it has:

    print_table("Throughput", ["round", "items/s", "× raw"], [["http 1", "3200", ratio(a, b)]])
"""
from __future__ import annotations

import math
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction 0.95 for p95) of a non-empty series."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * fraction) - 1)]


@dataclass(frozen=True)
class Spread:
    """A latency series at a glance: how many, median, p95, slowest."""

    n: int
    p50: float
    p95: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """The spread of a non-empty series."""
        return cls(len(values), statistics.median(values), percentile(values, 0.95), max(values))


def ratio(value: float, baseline: float) -> str:
    """value / baseline as printed in a ratio column (two decimals, '×' suffix)."""
    return f"{value / baseline:.2f}×" if baseline else "-"


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]],
                notes: Sequence[str] = ()) -> None:
    """A titled table: the first column left-aligned, the others right-aligned, then notes."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells if i < len(row)) for i in range(len(header))]
    print(f"\n{title}")
    for row in cells:
        print("  " + " ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i])
                              for i, cell in enumerate(row)).rstrip())
    for note in notes:
        print(f"  {note}")


@dataclass(frozen=True)
class Target:
    """One figure held to a target; met is None for a figure shown without a verdict."""

    label: str
    value: str
    target: str = ""
    met: bool | None = None

    @property
    def verdict(self) -> str:
        return "" if self.met is None else ("MET" if self.met else "MISSED")


def print_summary(targets: Sequence[Target], title: str = "Summary") -> bool:
    """The figures against their targets; whether every target with a verdict is met."""
    print_table(title, ["figure", "value", "target", "verdict"],
                [[t.label, t.value, t.target, t.verdict] for t in targets])
    return all(t.met for t in targets if t.met is not None)


def machine_load() -> str:
    """The load averages, printed beside figures taken on a shared machine."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())
