"""`distributor sources [--json]`: every feed and webhook, and how each is doing (WebSub hubs included);
`distributor breaking ARTICLE_ID`: an editor's flag (the same door as the API)."""

from __future__ import annotations

import typer


def sources(as_json: bool = typer.Option(False, "--json")) -> None:
    """Feeds (last poll, error, next poll, WebSub hub and state) and webhooks (secret set, last accepted)."""
    from sqlmodel import Session

    from distributor import cli, source_status

    with Session(cli.state.engine) as session:
        rows = source_status.overview(session, cli.state.settings)
    if as_json:
        cli._print_json(rows)
        return
    table = cli.Table("source", "kind", "state", "last (UTC)", "WebSub", "problem")
    for row in rows:
        sub = row.get("websub")
        push = f"{sub['state']} via {sub['hub']}" if sub else "-"
        last = row.get("last_polled_at") or row.get("last_accepted_at") or "-"
        problem = row.get("error") or (sub or {}).get("error") or ""
        if row.get("failing_since"):
            problem += f" (failing since {row['failing_since'][:16]} UTC, {row['failures']} polls in a row)"
        table.add_row(row["name"], row["kind"], row["state"], str(last)[:16], push, problem)
    cli.out.print(table)


def breaking(article_id: int = typer.Argument(..., help="the article's id (desk: Articles)")) -> None:
    """Mark a story breaking: its posts still waiting skip the gap and go first, now."""
    from distributor import cli
    from distributor.articles import flag_breaking
    from distributor.db import session_scope
    from distributor.models import utcnow

    with session_scope(cli.state.engine) as session:
        article = flag_breaking(session, article_id, utcnow(), actor="cli")
        url = article.url
    cli.out.print(f"article {article_id} is breaking news: {url}")
