"""The `distributor` command: parses arguments and calls the functions that do the work.

One place (``main``) catches DistributorError and prints it as one line.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from distributor.config import Settings, check_secrets, load_settings
from distributor.errors import ConfigError, DistributorError, PageTooLarge
from distributor.logs import setup_logging

app = typer.Typer(
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    help="Social distribution bot for newsrooms.",
)
queue_app = typer.Typer(no_args_is_help=True, help="Manage the post queue.")
users_app = typer.Typer(no_args_is_help=True, help="Manage editors.")
tokens_app = typer.Typer(no_args_is_help=True, help="API tokens for the JSON API.")
db_app = typer.Typer(no_args_is_help=True, help="Database maintenance.")
app.add_typer(queue_app, name="queue")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(db_app, name="db")

class PlatformChoice(str, Enum):
    twitter = "twitter"
    facebook = "facebook"


class ReportBy(str, Enum):
    article = "article"
    platform = "platform"
    account = "account"
    template = "template"
    section = "section"
    hour = "hour"


class ReportFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    html = "html"


class Role(str, Enum):
    editor = "editor"
    admin = "admin"


out = Console(soft_wrap=True)
log = logging.getLogger("distributor")


class State:
    config: Optional[str] = None
    verbose: int = 0
    _settings: Settings | None = None
    _engine = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
        return self._settings

    @property
    def engine(self):
        """The database, migrated to the latest schema (done at every start)."""
        if self._engine is None:
            from distributor.db import make_engine, upgrade

            self._engine = make_engine(self.settings.database.url)
            upgrade(self._engine)
        return self._engine


state = State()

ConfigOption = typer.Option(None, "--config", help="Configuration file (default: $DISTRIBUTOR_CONFIG, else ./distributor.toml).")
VerboseOption = typer.Option(0, "-v", "--verbose", count=True, help="More detail (-vv for debug).")


@app.callback()
def _global(config: Optional[str] = ConfigOption, verbose: int = VerboseOption) -> None:
    state.config = config
    state.verbose = verbose
    setup_logging(verbose)
    if config:
        state.settings  # noqa: B018 - a file named explicitly must exist and be valid, whatever the command


def _runtime():
    from distributor.pipeline import Runtime

    return Runtime(state.settings, state.engine)


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


# --- the service -----------------------------------------------------------------


@app.command()
def run(
    once: bool = typer.Option(False, "--once", help="Run one full cycle now and exit."),
    no_web: bool = typer.Option(False, "--no-web", help="Do not serve the editors' web UI."),
) -> None:
    """The service: poll sources, dispatch due posts, collect engagement; and the web UI."""
    settings = state.settings
    check_secrets(settings)
    runtime = _runtime()
    if once:
        from rich.progress import Progress

        from distributor.pipeline import run_cycle

        with Progress(console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty()) as progress:
            report = run_cycle(runtime, progress=progress)
        d = report.dispatched
        out.print(
            f"feeds: {report.discovered.done} new article(s), {report.discovered.failed} failed; "
            f"articles: {report.extracted.done} composed, {report.extracted.failed} failed; "
            f"posts: {getattr(d, 'sent', 0)} sent, {getattr(d, 'retried', 0)} to retry, {getattr(d, 'failed', 0)} failed"
        )
        for error in report.discovered.errors + report.extracted.errors:
            print(f"warning: {error}", file=sys.stderr)
        return
    from distributor.service import run_service

    def started(url):
        out.print(f"distributor is running{f'; web UI at {url}' if url else ''}. Ctrl-C stops it.")

    run_service(runtime, web=not no_web, on_started=started)


@app.command()
def demo(
    duration: Optional[float] = typer.Option(None, help="Stop after this many seconds (default: until Ctrl-C)."),
    web_port: int = typer.Option(0, help="Port of the web UI (default: a free one)."),
) -> None:
    """First run with nothing configured: sandbox platforms, sample articles, a throwaway database."""
    from distributor.demo import run_demo

    run_demo(duration=duration, web_port=web_port, console=out)


@app.command()
def sandbox(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8765),
    delay_ms: int = typer.Option(0, help="Added latency per request."),
    fail_rate: float = typer.Option(0.0, help="Share of requests answered with a random fault (0-1)."),
    seed: int = typer.Option(0, help="Seed for faults and simulated engagement."),
) -> None:
    """Fake X and Facebook APIs, for trying the bot without credentials and for tests."""
    from distributor.sandbox.server import serve

    out.print(f"sandbox platforms on http://{host}:{port}/ (inspect: /_sandbox/posts). Ctrl-C stops it.")
    serve(host=host, port=port, delay_ms=delay_ms, fail_rate=fail_rate, seed=seed)


# --- extraction and composition --------------------------------------------------


def _read_source(source: str):
    """(content, url) from an article URL or a local HTML file."""
    from distributor.fetch import Fetcher

    if source.startswith(("http://", "https://")):
        page = Fetcher(state.settings.fetch).get(source)
        return page.content, page.url, page.content_type
    path = Path(source)
    if not path.is_file():
        raise DistributorError(f"{source}: no such file (give a local HTML file or an http(s) URL)")
    # A local file obeys the same size limit as a fetched page: read one byte past it, never more.
    limit = state.settings.fetch.max_page_bytes
    with path.open("rb") as handle:
        content = handle.read(limit + 1)
    if len(content) > limit:
        raise PageTooLarge(f"the file is larger than [fetch] max_page_bytes ({limit:,} bytes)")
    return content, None, None


def _extract(source: str):
    from distributor.extract import extract_page

    content, url, content_type = _read_source(source)
    return extract_page(content, url=url, content_type=content_type, source=source)


def _each_source(sources: list[str], handle) -> None:
    """Handle every source; report each failure on one line and exit 1 if any failed."""
    failed = False
    for source in sources:
        try:
            handle(source)
        except DistributorError as exc:
            failed = True
            print(f"error: {source}: {exc}", file=sys.stderr)
        except Exception as exc:  # noqa: BLE001 - one strange page must not stop the others
            failed = True
            log.debug("details", exc_info=True)
            print(f"error: {source}: cannot read this page ({exc.__class__.__name__}: {exc})", file=sys.stderr)
    if failed:
        raise typer.Exit(1)


@app.command()
def extract(sources: list[str] = typer.Argument(..., metavar="SOURCE..."), as_json: bool = typer.Option(False, "--json")) -> None:
    """What distributor reads from article pages (URLs or local HTML files)."""

    def handle(source):
        result = _extract(source)
        if as_json:
            _print_json(result.to_json())
            return
        out.print(f"[bold]{result.title}[/bold]\n  {result.canonical_url}")
        if result.image:
            out.print(f"  image: {result.image.url}\n  caption: {result.image.alt or '-'}")
        if result.pull_quote:
            out.print(f"  pull quote: “{result.pull_quote.text}” — {result.pull_quote.speaker}")
        out.print(f"  section: {result.section or '-'}  tags: {', '.join(result.tags) or '-'}")

    _each_source(sources, handle)


@app.command()
def compose(
    sources: list[str] = typer.Argument(..., metavar="SOURCE..."),
    platform_choice: PlatformChoice = typer.Option(..., "--platform"),
    account: Optional[str] = typer.Option(None, "--account", help="Use this account's template."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The post that would be published for each article."""
    from distributor.compose import Composer
    from distributor.config import AccountSettings

    platform = platform_choice.value
    settings = state.settings
    if account:
        account_settings = settings.account(account)
        if account_settings.platform != platform:
            raise ConfigError(f"account {account!r} is on {account_settings.platform}, not {platform}")
    else:
        account_settings = AccountSettings(name=platform, platform=platform, page_id="0" if platform == "facebook" else None)
    composer = Composer.from_settings(settings)

    def handle(source):
        post = composer.compose(_extract(source), account_settings)
        if as_json:
            _print_json({"source": source, "platform": platform, "text": post.text, "link": post.link,
                         "image_url": post.image_url, "length": post.length})
            return
        out.print(f"[dim]{source} → {platform} ({post.length} characters)[/dim]")
        out.print(post.text, markup=False, highlight=False)
        if post.link and post.link not in post.text:
            out.print(f"link: {post.link}", markup=False)
        if post.image_url:
            out.print(f"image: {post.image_url}", markup=False)

    _each_source(sources, handle)


# --- the queue ---------------------------------------------------------------------


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise DistributorError(f"{text!r} is not an ISO 8601 time (e.g. 2026-11-25T14:30+01:00)") from exc
    from zoneinfo import ZoneInfo

    from distributor.posts import as_utc

    return as_utc(value, ZoneInfo(state.settings.web.timezone))


def _post_json(post) -> dict:
    return {
        "id": post.id, "account": post.account, "platform": post.platform, "state": post.state.value,
        "text": post.text, "link": post.link, "image_url": post.image_url,
        "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
        "external_id": post.external_id, "external_url": post.external_url, "error": post.error,
    }


@queue_app.command("add")
def queue_add(
    account: str = typer.Option(..., "--account"),
    article: Optional[str] = typer.Option(None, "--article", help="Compose from this article URL."),
    text: Optional[str] = typer.Option(None, "--text"),
    link: Optional[str] = typer.Option(None, "--link"),
    image: Optional[str] = typer.Option(None, "--image"),
    at: Optional[str] = typer.Option(None, "--at", help="ISO 8601 time (default: now)."),
    next_slot: bool = typer.Option(False, "--next-slot", help="The account's next free slot."),
    approve: bool = typer.Option(False, "--approve", help="Approve now if the account requires approval."),
) -> None:
    """Queue a manual post; prints its id."""
    from distributor.manual import queue_manual_post

    if bool(article) == bool(text):
        raise DistributorError("give exactly one of --article URL or --text TEXT")
    if at and next_slot:
        raise DistributorError("give --at or --next-slot, not both")
    post = queue_manual_post(
        _runtime(), state.settings.account(account), article_url=article, text=text, link=link,
        image_url=image, at=_parse_time(at) if at else None, next_slot=next_slot, approve=approve, actor="cli",
    )
    print(post.id)


@queue_app.command("list")
def queue_list(
    state_: Optional[str] = typer.Option(None, "--state"),
    account: Optional[str] = typer.Option(None, "--account"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The queue, newest first."""
    from sqlmodel import Session

    from distributor import posts
    from distributor.models import PostState

    if state_ is not None and state_ not in PostState.__members__:
        raise DistributorError(f"unknown state {state_!r}; one of {', '.join(PostState.__members__)}")
    with Session(state.engine) as session:
        rows = posts.list_posts(session, state=PostState(state_) if state_ else None, account=account)
    if as_json:
        _print_json([_post_json(p) for p in rows])
        return
    table = Table("id", "account", "state", "when (UTC)", "text", "error")
    for p in rows:
        table.add_row(str(p.id), p.account, p.state.value, p.scheduled_at.strftime("%Y-%m-%d %H:%M"),
                      p.text.replace("\n", " ")[:60], p.error or "")
    out.print(table)


def _queue_action(action: str, post_id: int) -> None:
    from distributor import posts
    from distributor.db import session_scope

    with session_scope(state.engine) as session:
        post = getattr(posts, action)(session, post_id, actor="cli")
        out.print(f"post {post_id}: {post.state.value}")


@queue_app.command("approve")
def queue_approve(post_id: int) -> None:
    """Approve a post awaiting approval."""
    _queue_action("approve", post_id)


@queue_app.command("cancel")
def queue_cancel(post_id: int) -> None:
    """Cancel a post that has not been sent."""
    _queue_action("cancel", post_id)


@queue_app.command("retry")
def queue_retry(post_id: int) -> None:
    """Queue a failed post again."""
    _queue_action("retry", post_id)


@queue_app.command("show")
def queue_show(post_id: int, as_json: bool = typer.Option(False, "--json")) -> None:
    """A post and its whole history."""
    from sqlmodel import Session

    from distributor import posts

    with Session(state.engine) as session:
        post = posts.get_post(session, post_id)
        events = posts.history(session, post_id)
    if as_json:
        _print_json(_post_json(post) | {"history": [
            {"at": e.at.isoformat(), "from": e.from_state, "to": e.to_state, "actor": e.actor,
             "attempt": e.attempt, "reason": e.reason} for e in events]})
        return
    out.print(f"[bold]post {post.id}[/bold] {post.account} ({post.platform}) [bold]{post.state.value}[/bold]")
    out.print(post.text, markup=False, highlight=False)
    for label, value in (("link", post.link), ("image", post.image_url), ("external", post.external_url or post.external_id),
                         ("error", post.error), ("note", post.note)):
        if value:
            out.print(f"{label}: {value}", markup=False)
    table = Table("when (UTC)", "change", "attempt", "who", "why")
    for e in events:
        table.add_row(e.at.strftime("%Y-%m-%d %H:%M:%S"), f"{e.from_state or '-'} → {e.to_state or '-'}",
                      str(e.attempt), e.actor, e.reason or "")
    out.print(table)


# --- engagement ----------------------------------------------------------------------


@app.command()
def collect(all_posts: bool = typer.Option(False, "--all", help="Every published post, now.")) -> None:
    """Collect engagement once."""
    from rich.progress import Progress

    from distributor.pipeline import collect_step

    check_secrets(state.settings)
    with Progress(console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty()) as progress:
        report = collect_step(_runtime(), all_posts=all_posts, progress=progress)
    out.print(f"snapshots: {getattr(report, 'snapshots', 0)}, deleted: {getattr(report, 'deleted', 0)}, "
              f"deferred: {getattr(report, 'deferred', 0)}")


@app.command()
def report(
    since: str = typer.Option("7d", "--since"),
    by_choice: ReportBy = typer.Option(ReportBy.platform, "--by"),
    fmt_choice: ReportFormat = typer.Option(ReportFormat.table, "--format"),
    output: Optional[Path] = typer.Option(None, "--output"),
) -> None:
    """Engagement report."""
    from sqlmodel import Session

    from rich.progress import Progress

    from distributor import reports

    by, fmt = by_choice.value, fmt_choice.value
    settings = state.settings
    with Session(state.engine) as session, Progress(console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty()) as progress:
        result = reports.build_report(
            session, since=reports.parse_since(since), by=by, timezone=settings.web.timezone,
            charts=fmt == "html", schedule_minutes=settings.engagement.schedule_minutes, progress=progress,
        )
    if fmt == "table":
        if output:
            raise DistributorError("--output needs --format csv, json or html")
        out.print(reports.render_table(result))
        return
    text = {"csv": reports.render_csv, "json": reports.render_json, "html": reports.render_html}[fmt](result)
    if output:
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


# --- people ---------------------------------------------------------------------------


@users_app.command("add")
def users_add(email: str, role_choice: Role = typer.Option(Role.editor, "--role")) -> None:
    """Add an editor; the password is read from standard input."""
    from distributor import users
    from distributor.db import session_scope

    role = role_choice.value
    password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with session_scope(state.engine) as session:
        users.add_user(session, email, password, role)
    out.print(f"added {email} ({role})")


@tokens_app.command("create")
def tokens_create(email: str) -> None:
    """Create an API token for a user; printed once, stored only as a hash."""
    from distributor import users
    from distributor.db import session_scope

    with session_scope(state.engine) as session:
        token = users.create_token(session, email)
    print(token)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations (also done automatically at start)."""
    from distributor.db import current_revision

    engine = state.engine
    out.print(f"database at revision {current_revision(engine)}")


GLOBAL_FLAGS = ("-v", "-vv", "-vvv", "--verbose")


def hoist_global_options(argv: list[str]) -> list[str]:
    """Let `--config PATH` and `-v` stand anywhere, as users write them (`distributor run --config x.toml`)."""
    front, rest, index = [], [], 0
    while index < len(argv):
        token = argv[index]
        if token == "--":
            rest.extend(argv[index:])
            break
        if token == "--config" and index + 1 < len(argv):
            front += argv[index:index + 2]
            index += 2
            continue
        if token.startswith("--config=") or token in GLOBAL_FLAGS:
            front.append(token)
        else:
            rest.append(token)
        index += 1
    return front + rest


def main() -> None:
    """Run the command; typer handles usage errors, our errors print as one line."""
    try:
        app(args=hoist_global_options(sys.argv[1:]), prog_name="distributor")
    except DistributorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if state.verbose:
            log.exception("details")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
