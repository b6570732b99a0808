"""The per-post export (`distributor report --by post`): one row per post sent in the period.

Each row: the post, its account and platform, its article's URL and headline,
its text, when it was sent, the counters of its latest snapshot and its
clicks (ours through the redirect when its link was tracked, else the
platform's), and ``cost_usd``: what the cost ledger recorded for the post
(empty when it recorded no call for it, e.g. a post from before the ledger).
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from distributor import report_sql
from distributor.models import ApiCall, Article, Post
from distributor.csv_cells import SafeWriter

FIELDS = ("post_id", "account", "platform", "article_url", "headline", "text", "sent_at",
          "likes", "shares", "comments", "impressions", "views", "clicks", "cost_usd")

_P, _A, _C = Post.__table__, Article.__table__, ApiCall.__table__


def post_rows(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """One dict per post sent in [start, end], newest first, with the FIELDS above."""
    latest, _width = report_sql.latest_per_post("account", start, end, session.get_bind().dialect.name)
    # one index lookup per post (ix_apicall_post_id), not a sum over the whole ledger
    spent = select(func.sum(_C.c.cost_micros)).where(_C.c.post_id == latest.c.post_id).scalar_subquery()
    query = (
        select(latest.c.post_id, _P.c.account, _P.c.platform, _A.c.canonical_url, _A.c.url, _A.c.title, _P.c.text,
               latest.c.sent_at, spent, *[latest.c[m] for m in report_sql.METRICS])
        .select_from(latest.join(_P, _P.c.id == latest.c.post_id).outerjoin(_A, _A.c.id == _P.c.article_id))
        .order_by(latest.c.sent_at.desc(), latest.c.post_id.desc())
    )
    rows = []
    for post_id, account, platform, canonical, url, title, text, sent_at, micros, *metrics in session.execute(query):
        sent = sent_at.replace(tzinfo=UTC) if sent_at.tzinfo is None else sent_at.astimezone(UTC)
        rows.append({
            "post_id": post_id, "account": account, "platform": platform, "article_url": canonical or url,
            "headline": title, "text": text, "sent_at": sent.isoformat(),
            **{m: (None if v is None else int(v)) for m, v in zip(report_sql.METRICS, metrics)},
            "cost_usd": None if micros is None else round(int(micros) / 1e6, 6),
        })
    return rows


def render_json(rows: list[dict[str, Any]], start: datetime, end: datetime) -> str:
    return json.dumps({"since": start.isoformat(), "until": end.isoformat(), "by": "post", "rows": rows},
                      ensure_ascii=False)


def render_table(rows: list[dict[str, Any]], title: str):
    """A rich table for the terminal (the text cut to a line; CSV and JSON have it whole)."""
    from rich.markup import escape
    from rich.table import Table

    from distributor.logs import printable  # a headline's ESC is shown, not sent to the terminal

    table = Table(title=title)
    for name in ("post_id", "account", "platform", "sent_at", "headline", "text", "likes", "shares", "comments",
                 "impressions", "views", "clicks"):
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(str(row["post_id"]), escape(row["account"]), row["platform"], row["sent_at"][:16],
                      escape(printable(row["headline"] or "")), escape(printable(row["text"].replace("\n", " ")[:60])),
                      *["-" if row[m] is None else f"{row[m]:,}" for m in report_sql.METRICS])
    return table


def render_csv(rows: list[dict[str, Any]]) -> str:
    """A header line, one line per post; an unknown value is an empty cell."""
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(FIELDS)
    for row in rows:
        writer.writerow(["" if row[name] is None else row[name] for name in FIELDS])
    return out.getvalue()
