"""The page's two small charts, as inline SVG (no script, no library): the state mix of one customer's orders
as a stacked bar, and records per second of the last runs as columns. Every number shown is also in a table
beside it; each shape carries a <title> (the browser's own tooltip)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

STATE_COLOURS = {"SYNCED": "#2e9e5b", "NEW": "#3b7dd8", "CHANGED": "#e0a526", "FAILED": "#d9534f",
                 "parked": "#8b1e1b", "REMOVED": "#8a8f98", "ARCHIVED": "#b8bcc4"}
OUTCOME_COLOURS = {"ok": "#2e9e5b", "failed": "#e0a526", "error": "#d9534f"}
OTHER_COLOUR = "#9aa0a6"


def state_bar(counts: Mapping[str, int], states: Sequence[str], *, width: int = 260, height: int = 14) -> str:
    """One customer's orders by state, parked apart from the other failed ones."""
    total = sum(counts.get(state, 0) for state in states)
    if not total:
        return ""
    parts = []
    for state in states:
        count = counts.get(state, 0)
        if state == "FAILED":  # parked orders are failed ones that are no longer retried
            parts += [("FAILED", count - counts.get("parked", 0)), ("parked", counts.get("parked", 0))]
        else:
            parts.append((state, count))
    shapes, x = [], 0.0
    for name, count in parts:
        if count <= 0:
            continue
        w = width * count / total
        colour = STATE_COLOURS.get(name, OTHER_COLOUR)
        shapes.append(f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" fill="{colour}">'
                      f'<title>{escape(name)}: {count:,}</title></rect>')
        x += w
    return (f'<svg class="bar" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="orders by state">{"".join(shapes)}</svg>')


def rate_chart(runs: Sequence[Mapping[str, Any]], *, width: int = 640, height: int = 160) -> str:
    """Records per second of the runs that write (sync, reconcile), oldest on the left, by outcome."""
    shown = [run for run in reversed(runs) if run["kind"] != "plan"]
    if not shown:
        return '<p class="muted">No sync has run yet.</p>'
    top = max(max(run["records_per_second"] for run in shown), 1.0)
    left, bottom, gap = 44, 22, 4
    plot_w, plot_h = width - left - 8, height - bottom - 10
    column = min(plot_w / len(shown), 36.0)  # a few runs: narrow columns from the left, not a wide block
    shapes = [f'<line x1="{left}" y1="10" x2="{left}" y2="{10 + plot_h}" class="axis"/>',
              f'<line x1="{left}" y1="{10 + plot_h}" x2="{width - 8}" y2="{10 + plot_h}" class="axis"/>',
              f'<text x="{left - 6}" y="16" class="tick" text-anchor="end">{top:.1f}</text>',
              f'<text x="{left - 6}" y="{10 + plot_h}" class="tick" text-anchor="end">0</text>',
              f'<text x="{left}" y="{height - 4}" class="tick">older</text>',
              f'<text x="{width - 8}" y="{height - 4}" class="tick" text-anchor="end">newest</text>']
    for index, run in enumerate(shown):
        value = run["records_per_second"]
        h = max(plot_h * value / top, 1.0)
        x = left + index * column + gap / 2
        title = (f"{run['started_at'][:19].replace('T', ' ')} {run['kind']} ({run['source']}): "
                 f"{run['records_written']:,} records in {run['duration_seconds']:.1f} s = {value:.1f}/s, "
                 f"{run['outcome']}")
        shapes.append(f'<rect x="{x:.2f}" y="{10 + plot_h - h:.2f}" width="{max(column - gap, 1):.2f}" '
                      f'height="{h:.2f}" fill="{OUTCOME_COLOURS.get(run["outcome"], OTHER_COLOUR)}">'
                      f'<title>{escape(title)}</title></rect>')
    return (f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="records per second of the last runs">{"".join(shapes)}</svg>')
