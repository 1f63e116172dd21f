"""The status page as HTML: one document, inline CSS, inline SVG charts, no script; every text escaped.

It refreshes itself every minute (a meta refresh, not a script). :data:`SECURITY_HEADERS` go with it: the
page loads nothing from anywhere, so its Content-Security-Policy allows nothing but its own inline style.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from .charts import OTHER_COLOUR, STATE_COLOURS, rate_chart, state_bar

REFRESH_SECONDS = 60
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328;
background:#f6f8fa}
header{background:#24292f;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#c9d1d9;font-size:13px}main{padding:8px 24px 32px;max-width:1200px}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px 16px;margin:16px 0}
h2{font-size:16px;margin:0 0 8px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{font-size:12px;color:#57606a;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.tiles{display:flex;gap:12px;flex-wrap:wrap}.tile{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;
min-width:110px;background:#fff}.tile b{display:block;font-size:22px}.tile span{color:#57606a;font-size:12px}
.muted{color:#57606a}.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;color:#fff}
.axis{stroke:#8c959f}.tick{font-size:11px;fill:#57606a}.legend span{margin-right:12px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
.hint{color:#57606a;font-size:12px}code{font-size:12px}
"""


def render_page(data: Mapping[str, Any]) -> str:
    """The whole page for :func:`~.page_data.page_data`'s data."""
    title = f"ordersync status: {data['environment']}"
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<header><h1>{_e(title)}</h1><p>board {_e(data['board_id'])} · database {_e(data['database'])} "
        f"{_e(data['database_location'])} (schema {_e(data['schema_version'])}) · as of "
        f"{_e(data['generated_at'])}</p></header><main>",
        _tiles(data), _customers(data), _waiting(data), _runs(data), _ingests(data),
        "</main></body></html>"])


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], numeric: frozenset[int] = frozenset()
           ) -> str:
    head = "".join(f'<th{" class=n" if i in numeric else ""}>{_e(h)}</th>' for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{cell}</td>'
                                    for i, cell in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _n(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else _e(value)


def _tiles(data: Mapping[str, Any]) -> str:
    orders, lines = data["orders"], data["lines"]
    tiles = [("orders", sum(orders.values())), ("synced", orders.get("SYNCED", 0)),
             ("pending", orders.get("NEW", 0) + orders.get("CHANGED", 0)),
             ("failed", orders.get("FAILED", 0) - data["parked"]), ("parked", data["parked"]),
             ("sizes", sum(lines.values())), ("sizes failed", lines.get("FAILED", 0))]
    cells = "".join(f'<div class="tile" id="tile-{name.replace(" ", "-")}"><b>{value:,}</b>'
                    f"<span>{_e(name)}</span></div>" for name, value in tiles)
    return f'<section><div class="tiles">{cells}</div></section>'


def _customers(data: Mapping[str, Any]) -> str:
    states = list(data["states"])
    legend = "".join(f'<span><i style="background:{STATE_COLOURS.get(s, OTHER_COLOUR)}"></i>{_e(s)}</span>'
                     for s in [*states, "parked"])
    rows = [(_e(c["customer"]), *(_n(c["counts"].get(s, 0)) for s in [*states, "parked"]), _n(c["total"]),
             state_bar(c["counts"], states)) for c in data["customers"]]
    numeric = frozenset(range(1, len(states) + 3))
    table = _table(["customer", *states, "parked", "total", ""], rows, numeric) if rows else \
        '<p class="muted">No orders yet.</p>'
    return (f'<section id="customers"><h2>Orders per customer</h2><p class="legend">{legend}</p>{table}'
            f"</section>")


def _waiting(data: Mapping[str, Any]) -> str:
    orders, lines = data["waiting"], data["lines_failed"]
    parts = ['<section id="waiting"><h2>Waiting: pending, failed and parked</h2>']
    if not orders and not lines:
        parts.append('<p class="muted">Nothing waits: every order is on the board as it is in SQL.</p>')
    if orders:
        parts.append(_table(["business key", "customer", "state", "attempts", "why", "what next"],
                            (_waiting_row(o) for o in orders), frozenset({3})))
    if lines:
        parts.append("<h2>Sizes that failed</h2>")
        rows = ((_e(o["business_key"]), _e(o["size_code"]), *_waiting_row(o)[1:]) for o in lines)
        parts.append(_table(["business key", "size", "customer", "state", "attempts", "why", "what next"],
                            rows, frozenset({4})))
    return "".join(parts) + "</section>"


def _waiting_row(item: Mapping[str, Any]) -> tuple[str, ...]:
    state = "parked" if item["parked"] else item["state"]
    colour = STATE_COLOURS.get(state, OTHER_COLOUR)
    badge = f'<span class="badge" style="background:{colour}">{_e(state)}</span>'
    return (_e(item["business_key"]), _e(item["customer"]), badge, _n(item["attempts"]), _e(item["reason"]),
            f'<span class="hint">{_e(item["hint"])}</span>')


def _runs(data: Mapping[str, Any]) -> str:
    runs = data["runs"]
    rows = [(_e(r["started_at"][:19].replace("T", " ")), _e(r["kind"]), _e(f"{r['source']}@{r['host']}"),
             _e(r["outcome"]) + (f" ({_e(r['error'])})" if r.get("error") else ""), _n(r["orders"]),
             _n(r["records_written"]), _n(r["records_failed"]), _n(r["requests"]), _n(r["rate_limited"]),
             f"{r['duration_seconds']:.1f}", f"{r['records_per_second']:.1f}") for r in runs]
    headers = ["started (UTC)", "kind", "from", "outcome", "orders", "written", "failed", "requests", "429s",
               "seconds", "records/s"]
    table = _table(headers, rows, frozenset(range(4, 11))) if rows else ""
    return (f'<section id="runs"><h2>Last runs: records per second</h2>{rate_chart(runs)}{table}</section>')


def _ingests(data: Mapping[str, Any]) -> str:
    rows = [(_e(i["ingested_at"][:19].replace("T", " ")), _e(i["file_name"]), _e(i["outcome"]),
             _n(i["rows_total"]), _n(i["orders_new"]), _n(i["orders_changed"]), _n(i["rows_rejected"]),
             _e(i["message"])) for i in data["ingests"]]
    headers = ["when (UTC)", "file", "outcome", "rows", "new", "changed", "rejected rows", "message"]
    table = (_table(headers, rows, frozenset(range(3, 7))) if rows
             else '<p class="muted">No file ingested yet.</p>')
    return f'<section id="ingests"><h2>Last ingests</h2>{table}</section>'
