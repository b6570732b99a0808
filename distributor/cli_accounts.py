"""`distributor accounts ...`: see, check, pause and resume the configured accounts."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from distributor.errors import DistributorError

accounts_app = typer.Typer(no_args_is_help=True, help="The accounts: state, credentials, pause and resume.")


def _cli():
    from distributor import cli  # the entry module holds the loaded settings and the engine

    return cli


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


@accounts_app.command("list")
def accounts_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every account: active or paused (since when, why), queue depth, last post, rate limits."""
    from sqlmodel import Session

    from distributor import accounts

    cli = _cli()
    with Session(cli.state.engine) as session:
        rows = accounts.overview(session, cli.state.settings)
    if as_json:
        cli._print_json([r.as_json() for r in rows])
        return
    table = cli.Table("account", "platform", "state", "queued", "awaiting", "last post (UTC)", "why / limits")
    for r in rows:
        why = r.reason or ", ".join(f"{x['endpoint']} until {x['reset_at']:%H:%M}" for x in r.rate_limits)
        table.add_row(r.name, r.platform, r.state, str(r.queued), str(r.awaiting_approval), _when(r.last_post_at),
                      why or "")
    cli.out.print(table)


@accounts_app.command("check")
def accounts_check(name: Optional[str] = typer.Argument(None, help="One account (default: all)."),
                   as_json: bool = typer.Option(False, "--json")) -> None:
    """Verify credentials with each platform's cheapest authenticated call; exit 1 when any fails."""
    from distributor import accounts

    cli = _cli()
    settings = cli.state.settings
    chosen = [accounts.configured_account(settings, name)] if name else settings.accounts
    if not chosen:
        raise DistributorError("no accounts are configured")
    from distributor.db import session_scope

    with session_scope(cli.state.engine) as session:  # the check's calls go into the cost ledger
        results = [accounts.check(a.name, accounts.adapter_for(settings, a), session) for a in chosen]
    for result in results:
        if as_json:
            cli._print_json(result.as_json())
        else:
            mark = "ok" if result.ok else "FAILED"
            cli.out.print(f"{result.name}: {mark}: {result.detail}", markup=False, highlight=False)
    if not all(r.ok for r in results):
        sys.exit(1)


@accounts_app.command("resume")
def accounts_resume(name: str) -> None:
    """Check the account's credentials, then release its held posts in order."""
    from distributor import accounts
    from distributor.db import session_scope

    cli = _cli()
    settings = cli.state.settings
    with session_scope(cli.state.engine) as session:
        result = accounts.act(settings, session, name, "resume", actor="cli")
    if not result.ok:
        raise DistributorError(f"{name} stays paused: {result.detail}")
    cli.out.print(f"{name}: resumed ({result.detail}); its queued posts go out in order", markup=False)


@accounts_app.command("pause")
def accounts_pause(name: str, reason: str = typer.Option("paused by an editor", "--reason")) -> None:
    """Hold an account's posts (nothing is dropped) until `accounts resume`."""
    from distributor import accounts
    from distributor.db import session_scope

    cli = _cli()
    with session_scope(cli.state.engine) as session:
        accounts.act(cli.state.settings, session, name, "pause", actor="cli", reason=reason)
    cli.out.print(f"{name}: paused; its posts wait until `distributor accounts resume {name}`", markup=False)


@accounts_app.command("connect")
def accounts_connect(name: str) -> None:
    """Run the platform's authorisation flow and print the environment lines to set (nothing is stored)."""
    from distributor import accounts
    from distributor.platforms.connect import connect

    cli = _cli()
    account = accounts.configured_account(cli.state.settings, name)

    def ask(prompt: str) -> str:
        """Prompts go to stderr, so stdout holds only the environment lines (for `>> .env`)."""
        if sys.stdin.isatty() and "token" in prompt.lower():
            import getpass

            return getpass.getpass(f"{prompt}: ", stream=sys.stderr)
        print(f"{prompt}: ", end="", file=sys.stderr, flush=True)
        answer = sys.stdin.readline()
        if not sys.stdin.isatty():
            print(file=sys.stderr)  # piped input is not echoed: end the prompt's line
        if not answer:
            raise DistributorError(f"no {prompt} given")
        return answer

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    connected = connect(account, ask, say)
    say(f"Connected {name} as {connected.who}. Set these (environment or a secrets file), then "
        f"`distributor accounts check {name}`:")
    for line in connected.lines():
        print(line, flush=True)
