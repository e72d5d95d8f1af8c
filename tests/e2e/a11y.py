"""Accessibility checks with axe-core (vendored from npm: server/web/console/vendor/axe-core)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parents[2] / "server/web/console/vendor/axe-core/axe.min.js"
SERIOUS = ("serious", "critical")


def violations(page: Any, *, exclude: list[str] | None = None) -> list[dict[str, Any]]:
    """The serious and critical violations axe finds on the page as it is now (WCAG 2 A/AA)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async (exclude) => (await axe.run(
        { include: [document], exclude: exclude.map((s) => [s]) },
        { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }))
        .violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                  nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))""",
                          exclude or [])
    return [v for v in found if v["impact"] in SERIOUS]


def assert_accessible(page: Any, screen: str, *, exclude: list[str] | None = None) -> None:
    """No serious or critical axe violation on this screen."""
    problems = violations(page, exclude=exclude)
    assert not problems, f"{screen}: " + "; ".join(
        f"{v['id']} ({v['impact']}: {v['help']}) at {v['nodes']}" for v in problems)
