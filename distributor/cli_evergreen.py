"""`distributor evergreen ...`: which posts would be shared again and why, and queue the due re-shares now.

`run --once` and the service queue them too (an hourly job); this is for an
editor who wants to see or act now. The same rule and the same once-per-article
key as the service, so running both never makes two re-shares.
"""

from __future__ import annotations

from typing import Optional

import typer

from distributor.errors import DistributorError

evergreen_app = typer.Typer(no_args_is_help=True, help="Evergreen re-shares: the candidates and why; queue them now.")

AccountOption = typer.Option(None, "--account", help="One account (default: every account with an evergreen rule).")


def _cli():
    from distributor import cli  # the entry module holds the loaded settings and the engine

    return cli


def _chosen(settings, name: str | None) -> list:
    """The accounts to look at: the one named (it must have a rule) or all with a rule; else one clear error."""
    from distributor.accounts import configured_account

    how = "add [accounts.evergreen] after_days / min_engagement / max_age_days to it (config/distributor.example.toml)"
    if name is not None:
        account = configured_account(settings, name)
        if account.evergreen is None:
            raise DistributorError(f"account {name} has no evergreen rule: {how}")
        return [account]
    chosen = [a for a in settings.accounts if a.evergreen is not None]
    if not chosen:
        raise DistributorError(f"no account has an evergreen rule: {how}")
    return chosen


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@evergreen_app.command("list")
def evergreen_list(
    account: Optional[str] = AccountOption,
    due: bool = typer.Option(False, "--due", help="Only the posts that would be re-shared now."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Sent posts within the rule's age: age, engagement against the rule, the runner-up quote, and the verdict."""
    from sqlmodel import Session

    from distributor import evergreen
    from distributor.models import utcnow

    cli = _cli()
    accounts = _chosen(cli.state.settings, account)
    now = utcnow()
    with Session(cli.state.engine) as session:
        rows = [c for a in accounts for c in evergreen.candidates(session, a, now=now) if c.due or not due]
    if as_json:
        cli._print_json([c.as_json() for c in rows])
        return
    if not rows:
        cli.out.print("no sent posts of an article within the evergreen rule's age", markup=False)
        return
    table = cli.Table("post", "account", "article", "age (days)", "engagement", "runner-up quote", "verdict")
    for c in rows:
        quote = f"“{_short(c.quote.text, 60)}” ({c.quote.speaker})" if c.quote else "-"
        engagement = "-" if c.engagement is None else f"{c.engagement} (min {c.min_engagement})"
        table.add_row(str(c.post_id), c.account, _short(c.title, 40), f"{c.age.total_seconds() / 86400:.1f}",
                      engagement, quote, c.status)
    cli.out.print(table)


@evergreen_app.command("run")
def evergreen_run(account: Optional[str] = AccountOption, as_json: bool = typer.Option(False, "--json")) -> None:
    """Queue the due re-shares now (once per article and account ever: a second run adds none)."""
    from distributor import evergreen

    cli = _cli()
    accounts = _chosen(cli.state.settings, account)
    made = evergreen.reshare_due(cli._runtime(), accounts=[a.name for a in accounts])
    if as_json:
        cli._print_json([{"id": p.id, "account": p.account, "state": p.state.value,
                          "scheduled_at": p.scheduled_at.isoformat(), "text": p.text} for p in made])
        return
    for post in made:
        cli.out.print(f"queued post {post.id} for {post.account} at {post.scheduled_at:%Y-%m-%d %H:%M} UTC "
                      f"({post.state.value}): {_short(post.text, 80)}", markup=False, highlight=False)
    cli.out.print(f"{len(made)} re-share(s) queued", markup=False)
