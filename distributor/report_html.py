"""The engagement report as one self-contained HTML page.

No network and no JavaScript: inline CSS and inline SVG charts drawn here, so
the file can be mailed, archived or opened offline, and renders the same in a
headless browser. Three small chart shapes (bars by group, bars by hour, a
line by age) did not justify vendoring a charting library. Every string that
comes from users or platforms (article titles, account names) goes through
``html.escape``: titles can contain markup, even ``<script>``.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from distributor.reports import METRICS, GrowthPoint, Report, ReportRow
from distributor.text import trim

INTERACTIONS = ("likes", "shares", "comments")
COLOURS = {"likes": "#2563eb", "shares": "#16a34a", "comments": "#d97706"}
MAX_BARS = 15

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:24px;color:#1f2937;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.muted{color:#6b7280}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;min-width:110px}
.card b{display:block;font-size:20px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(420px,100%),1fr));gap:20px}
figure{margin:0;border:1px solid #e5e7eb;border-radius:8px;padding:12px}
figcaption{font-weight:600;margin-bottom:6px}
svg{width:100%;height:auto;display:block}
svg text{font:11px system-ui,sans-serif;fill:#374151}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
table{border-collapse:collapse;width:100%;margin-top:8px}
.table-scroll{overflow-x:auto;max-width:100%}
th,td{padding:6px 8px;border-bottom:1px solid #e5e7eb;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal;overflow-wrap:anywhere;min-width:8em}
thead th{background:#f9fafb;position:sticky;top:0}
tfoot td{font-weight:600}
@media print{.charts{display:block}figure{break-inside:avoid;margin-bottom:12px}}
"""


def render_html(report: Report) -> str:
    """The whole page: header, totals, three charts, the table."""
    return "\n".join([
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Engagement by {escape(report.by)}</title><style>{CSS}</style></head><body>",
        render_fragment(report),
        "</body></html>",
    ])


def render_fragment(report: Report) -> str:
    """The report's body without a document around it, for a page that has its own styles (the desk)."""
    zone = ZoneInfo(report.timezone)
    period = f"{_when(report.since, zone)} – {_when(report.until, zone)} ({escape(report.timezone)})"
    total = report.total
    parts = [
        f"<h1>Engagement by {escape(report.by)}</h1>",
        f'<p class="muted">Posts sent {period}. Each figure is the latest snapshot of each post, summed.</p>',
        _cards(total),
        _legend(),
        '<div class="charts">',
        _figure(f"Interactions by {report.by}", _group_chart(report.rows, report.by)),
        _figure("Interactions per post by hour of sending", _hour_chart(report.by_hour)),
        _figure("Average engagement of a post by its age", _growth_chart(report.growth, total.posts)),
        "</div>",
        f"<h2>By {escape(report.by)}</h2>",
        '<div class="table-scroll">',
        _table(report),
        "</div>",
    ]
    return "\n".join(parts)


def _when(value: datetime, zone: ZoneInfo) -> str:
    return escape(value.astimezone(zone).strftime("%Y-%m-%d %H:%M"))


def _number(value: float | int | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _cards(total: ReportRow) -> str:
    cards = [f'<div class="card"><span class="muted">posts</span><b>{_number(total.posts)}</b></div>']
    cards += [
        f'<div class="card"><span class="muted">{m}</span><b>{_number(getattr(total, m))}</b></div>' for m in METRICS
    ]
    return '<div class="cards">' + "".join(cards) + "</div>"


def _legend() -> str:
    items = "".join(f'<span><i style="background:{COLOURS[m]}"></i>{m}</span>' for m in INTERACTIONS)
    return f'<p class="legend">{items}</p>'


def _figure(caption: str, svg: str) -> str:
    return f"<figure><figcaption>{escape(caption)}</figcaption>{svg}</figure>"


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>{"".join(body)}</svg>'
    )


def _empty(width: int, height: int, label: str, message: str = "No posts in this period") -> str:
    return _svg(width, height, label, [
        f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">{escape(message)}</text>'
    ])


def _group_chart(rows: list[ReportRow], by: str) -> str:
    """Horizontal stacked bars (likes, shares, comments), the biggest groups first."""
    label = f"Interactions by {by}"
    shown = sorted(rows, key=lambda r: -(r.likes + r.shares + r.comments))[:MAX_BARS]
    width, bar, gap, left = 560, 18, 6, 170
    if not shown:
        return _empty(width, 80, label)
    height = len(shown) * (bar + gap) + 10
    peak = max(r.likes + r.shares + r.comments for r in shown) or 1
    scale = (width - left - 70) / peak
    body = []
    for i, row in enumerate(shown):
        y = 5 + i * (bar + gap)
        name = trim(row.key, 27)  # never inside an emoji or between a letter and its accent
        body.append(f'<text x="{left - 6}" y="{y + bar - 5}" text-anchor="end">{escape(name)}</text>')
        x = float(left)
        for metric in INTERACTIONS:
            value = getattr(row, metric)
            w = value * scale
            if w > 0:
                body.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{COLOURS[metric]}">'
                    f"<title>{escape(row.key)}{escape(f' ({row.url})' if row.url else '')}: "
                    f"{_number(value)} {metric}</title></rect>"
                )
            x += w
        total = row.likes + row.shares + row.comments
        body.append(f'<text x="{x + 4:.1f}" y="{y + bar - 5}">{_number(total)}</text>')
    if len(rows) > MAX_BARS:
        label += f" (top {MAX_BARS} of {len(rows)})"
    return _svg(width, height, label, body)


def _hour_chart(hours: list[ReportRow]) -> str:
    """24 stacked columns: average interactions per post sent in that local hour."""
    label = "Interactions per post by hour of sending"
    width, height, bottom, left = 560, 220, 24, 36
    if not hours or not any(h.posts for h in hours):
        return _empty(width, height, label)
    averages = [
        {m: (getattr(h, m) / h.posts if h.posts else 0.0) for m in INTERACTIONS} for h in hours
    ]
    peak = max(sum(a.values()) for a in averages) or 1
    plot = height - bottom - 10
    step = (width - left - 4) / 24
    body = [_axis_label(left - 4, 10 + 4, _number(round(peak, 1)), "end")]
    for i, (hour, average) in enumerate(zip(hours, averages)):
        x = left + i * step
        y = float(height - bottom)
        for metric in INTERACTIONS:
            h = average[metric] / peak * plot
            if h > 0:
                y -= h
                body.append(
                    f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{step - 2:.1f}" height="{h:.1f}" fill="{COLOURS[metric]}">'
                    f"<title>{escape(hour.key)}:00, {hour.posts} posts: {average[metric]:.1f} {metric} per post</title></rect>"
                )
        if i % 3 == 0:
            body.append(_axis_label(x + step / 2, height - 8, escape(hour.key), "middle"))
    body.append(f'<line x1="{left}" y1="{height - bottom}" x2="{width - 4}" y2="{height - bottom}" stroke="#9ca3af"/>')
    return _svg(width, height, label, body)


def _growth_chart(points: list[GrowthPoint], posts: int = 0) -> str:
    """One line per metric: the average post's count at each step of the schedule."""
    label = "Average engagement of a post by its age"
    width, height, bottom, left = 560, 220, 24, 44
    points = [p for p in points if p.posts]
    if not points:
        if posts:  # there are posts: say what is missing, not that there are none
            return _empty(width, height, label, f"{posts} posts sent, none measured yet")
        return _empty(width, height, label)
    averages = [{m: getattr(p, m) / p.posts for m in INTERACTIONS} for p in points]
    peak = max(max(a.values()) for a in averages) or 1
    plot = height - bottom - 10
    step = (width - left - 30) / max(1, len(points) - 1)
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 4}" y2="{height - bottom}" stroke="#9ca3af"/>',
        _axis_label(left - 4, 14, _number(round(peak, 1)), "end"),
    ]
    xs = [left + 10 + i * step for i in range(len(points))]
    for metric in INTERACTIONS:
        coords = [(x, height - bottom - a[metric] / peak * plot) for x, a in zip(xs, averages)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        body.append(f'<polyline points="{path}" fill="none" stroke="{COLOURS[metric]}" stroke-width="2"/>')
        for (x, y), point, average in zip(coords, points, averages):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{COLOURS[metric]}"><title>{_age(point.minutes)}: '
                f"{average[metric]:.1f} {metric} per post ({point.posts} posts)</title></circle>"
            )
    for x, point in zip(xs, points):
        body.append(_axis_label(x, height - 8, _age(point.minutes), "middle"))
    return _svg(width, height, label, body)


def _age(minutes: int) -> str:
    if minutes == 0:
        return "first"
    if minutes % 1440 == 0:
        return f"{minutes // 1440} d"
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"


def _axis_label(x: float, y: float, text: str, anchor: str) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{text}</text>'


def _table(report: Report) -> str:
    by_article = report.by == "article"
    head = "".join(f"<th>{escape(name)}</th>" for name in (report.by, *(["url"] if by_article else []), "posts", *METRICS))
    if report.medians:
        head += "<th>median likes / post</th>"
    lines = []
    for row in report.rows:
        cells = [f"<td>{escape(row.key)}</td>"]
        if by_article:
            cells.append(f"<td class=\"url\">{escape(row.url or '')}</td>")  # text, not a link: nothing is fetched
        cells.append(f"<td>{_number(row.posts)}</td>")
        cells += [f"<td>{_number(getattr(row, m))}</td>" for m in METRICS]
        if report.medians:
            cells.append(f"<td>{_number(report.medians.get(row.identity, {}).get('likes'))}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    total = report.total
    foot = ["<td>total</td>", *(["<td></td>"] if by_article else []), f"<td>{_number(total.posts)}</td>"]
    foot += [f"<td>{_number(getattr(total, m))}</td>" for m in METRICS]
    if report.medians:
        foot.append("<td></td>")
    if not lines:
        lines.append(f'<tr><td colspan="{len(METRICS) + 2 + by_article}" class="muted">No posts were sent in this period.</td></tr>')
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody>"
        f"<tfoot><tr>{''.join(foot)}</tr></tfoot></table>"
    )
