"""`distributor costs`: the cost ledger as a table, CSV or JSON; `queue send-anyway` lives in cli_queue_costs."""

from __future__ import annotations

import io
import json
import sys
from enum import Enum

import typer

from distributor.csv_cells import SafeWriter


class CostsBy(str, Enum):
    account = "account"
    purpose = "purpose"
    day = "day"


class CostsFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _cli():
    from distributor import cli  # the entry module holds the loaded settings and the engine

    return cli


def costs_command(
    since: str = typer.Option("30d", "--since", help="7d, 24h, 2026-11-01 ..."),
    by_choice: CostsBy = typer.Option(CostsBy.account, "--by"),
    fmt_choice: CostsFormat = typer.Option(CostsFormat.table, "--format"),
) -> None:
    """What the platform calls cost (X bills every call): calls and USD by account, purpose or day."""
    from sqlmodel import Session

    from distributor import inputs
    from distributor.delivery import costs
    from distributor.errors import InvalidInput
    from distributor.reports import resolve_period

    cli = _cli()
    settings = cli.state.settings
    try:
        period = inputs.parse_since(since, settings.web.timezone, what="--since")
    except InvalidInput as exc:
        raise cli.DistributorError(str(exc)) from None
    start, until = resolve_period(period, None)
    with Session(cli.state.engine) as session:
        rows = costs.cost_rows(session, start, until, by_choice.value, settings)
    total = sum(r.cost_micros for r in rows)
    doc = {"since": start.isoformat(), "until": until.isoformat(), "by": by_choice.value,
           "rows": [{"key": r.key, "calls": r.calls, "cost_usd": costs.usd(r.cost_micros)} for r in rows],
           "total_usd": costs.usd(total)}
    if fmt_choice is CostsFormat.json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    elif fmt_choice is CostsFormat.csv:
        buffer = io.StringIO()
        writer = SafeWriter(buffer)
        writer.writerow([by_choice.value, "calls", "cost_usd"])
        for row in doc["rows"]:
            writer.writerow([row["key"], row["calls"], f"{row['cost_usd']:.6f}"])
        sys.stdout.write(buffer.getvalue())
    else:
        table = cli.Table(by_choice.value, "calls", "cost (USD)", title=f"costs since {start:%Y-%m-%d %H:%M} UTC")
        for row in doc["rows"]:
            table.add_row(row["key"], str(row["calls"]), f"{row['cost_usd']:.3f}")
        table.add_row("total", str(sum(r.calls for r in rows)), f"{doc['total_usd']:.3f}")
        cli.out.print(table)


def send_anyway_command(post_id: str = typer.Argument(..., help="The post's id.")) -> None:
    """Send a post held by its account's budget anyway (at the next dispatch)."""
    from distributor import inputs
    from distributor.db import session_scope
    from distributor.delivery import costs

    cli = _cli()
    number = inputs.parse_id(post_id, "post id")
    with session_scope(cli.state.engine) as session:
        costs.send_anyway(session, number, actor="cli")
    cli.out.print(f"post {number}: queued, sent anyway past its budget")
