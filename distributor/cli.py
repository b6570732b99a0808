"""The `distributor` command: parses arguments and calls the functions that do the work.

One place (``main``) turns every refusal into one line on stderr and exit 1:
our own errors (DistributorError), usage errors (click's), and, as a last
resort, anything unexpected (the traceback only with -v). Values people type
(ids, times, periods, text) are parsed by ``distributor.inputs``, the same
functions the API and the pages use.
"""

from __future__ import annotations

import json
import os
import logging
import sys
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from distributor import inputs, startup_gc
from distributor import cli_costs
from distributor.cli_accounts import accounts_app
from distributor.cli_evergreen import evergreen_app
from distributor.cli_lazy import lazy_command
from distributor.cli_sources import breaking as breaking_command, sources as sources_command
from distributor.config import CONFIG_ENV, DEFAULT_CONFIG_PATH, Settings, check_secrets, config_path, load_settings
from distributor.errors import ConfigError, DistributorError, PageTooLarge
from distributor.logs import setup_logging, use_format as use_log_format
from distributor.platforms.specs import PLATFORM_NAMES

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
app.add_typer(accounts_app, name="accounts")
app.add_typer(evergreen_app, name="evergreen")
app.command("costs")(cli_costs.costs_command); queue_app.command("send-anyway")(cli_costs.send_anyway_command)
app.command("sources")(sources_command)
app.command("breaking")(breaking_command)

# --platform choices: every platform of the registry that publishes somewhere
PlatformChoice = Enum("PlatformChoice", {name: name for name in PLATFORM_NAMES if name != "dryrun"}, type=str)


class ReportBy(str, Enum):
    post = "post"  # one row per post (report_posts.py)
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


def Console(*args, **kwargs):  # noqa: N802 - rich's, imported when a command first prints with it
    from rich.console import Console as RichConsole

    return RichConsole(*args, **kwargs)


def Table(*args, **kwargs):  # noqa: N802 - rich's, likewise
    """rich's Table whose cells show text as written: a name, headline or reason with
    "[b]" or "[link=...]" in it is data, not rich markup (rich would hide or restyle it)."""
    from rich.markup import escape
    from rich.table import Table as RichTable

    from distributor.logs import printable

    class VerbatimTable(RichTable):
        def add_row(self, *cells, **options):
            super().add_row(*(escape(printable(c)) if isinstance(c, str) else c for c in cells), **options)

    return VerbatimTable(*args, **kwargs)


def _verbatim(value) -> str:
    """A value from outside (a page, a file name) inside a line that uses rich markup: shown as written."""
    from rich.markup import escape

    return escape(str(value))


class _FirstUseConsole:
    """rich's Console for results, built on first use: rich costs ~40 ms a start, and a
    command that prints plain lines (`queue add` prints an id) never loads it."""

    def __init__(self, **options):
        self._options, self._console = options, None

    def __getattr__(self, name):
        if self._console is None:
            self._console = Console(**self._options)
        return getattr(self._console, name)

    def print(self, *objects, **options):
        """rich's print, with text from outside unable to command the terminal (its ESC shown as \\x1b)."""
        from distributor.logs import printable

        self.__getattr__("print")(*(printable(o) if isinstance(o, str) else o for o in objects), **options)


out = _FirstUseConsole(soft_wrap=True)
log = logging.getLogger("distributor")


# Commands that talk to the platforms: their start-up check lists missing secrets with the other problems.
NEEDS_SECRETS = frozenset({"run", "collect"})


class State:
    config: Optional[str] = None
    verbose: int = 0
    secrets: bool = False
    _settings: Settings | None = None
    _engine = None

    needs_config: bool = True  # demo, sandbox, extract and compose run on defaults without a file

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            # DISTRIBUTOR_DATABASE_URL alone names the database: defaults plus environment is a choice then
            env_only = not self.config and os.environ.get("DISTRIBUTOR_DATABASE_URL")
            if self.needs_config and not env_only and not config_path(self.config).exists():
                raise ConfigError(_no_config_message(self.config))
            self._settings = load_settings(self.config, secrets=self.secrets)
            use_log_format(self._settings.logging.format)
        return self._settings

    @property
    def engine(self):
        """The database, migrated to the latest schema (done at every start)."""
        if self._engine is None:
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import SQLAlchemyError

            from distributor.db import ensure_schema, make_engine

            url = self.settings.database.url
            try:
                engine = make_engine(url)
                ensure_schema(engine)
            except (SQLAlchemyError, OSError) as exc:
                shown = make_url(url).render_as_string(hide_password=True)
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                raise DistributorError(f"cannot open the database {shown}: {reason}") from exc
            self._engine = engine
            startup_gc.resume()  # start-up is over: the command's own work begins
        return self._engine


state = State()

ConfigOption = typer.Option(None, "--config", help="Configuration file (default: $DISTRIBUTOR_CONFIG, else ./distributor.toml).")
VerboseOption = typer.Option(0, "-v", "--verbose", count=True, help="More detail (-vv for debug).")


NO_CONFIG_COMMANDS = frozenset({"demo", "sandbox", "extract", "compose", "card"})


def _no_config_message(explicit: Optional[str]) -> str:
    """Say which paths were tried, so a command run in the wrong folder never makes a new empty database."""

    tried = [f"--config {explicit}"] if explicit else []
    if not explicit and os.environ.get(CONFIG_ENV):
        tried.append(f"${CONFIG_ENV}={os.environ[CONFIG_ENV]}")
    if not tried:
        tried.append(str(Path(DEFAULT_CONFIG_PATH).resolve()))
    return (f"no configuration file: {', '.join(tried)} does not exist; pass --config PATH or set ${CONFIG_ENV} "
            "(start from config/distributor.example.toml)")


@app.callback()
def _global(ctx: typer.Context, config: Optional[str] = ConfigOption, verbose: int = VerboseOption) -> None:
    state.config = config
    state.verbose = verbose
    state.needs_config = ctx.invoked_subcommand not in NO_CONFIG_COMMANDS
    state.secrets = ctx.invoked_subcommand in NEEDS_SECRETS
    if not state.needs_config:
        startup_gc.resume()  # demo, sandbox, extract...: no database to wait for
    setup_logging(verbose)
    if config:
        state.settings  # noqa: B018 - a file named explicitly must exist and be valid, whatever the command


def _runtime():
    from distributor.runtime import Runtime

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
    runtime.composer.check_templates(settings.accounts, settings)
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
        if report.reshared is not None:  # some account has an evergreen rule
            out.print(f"evergreen: {len(report.reshared)} re-share(s) queued")
        for error in report.discovered.errors + report.extracted.errors:
            print(_one_line(f"warning: {error}"), file=sys.stderr)
        _warn_held_accounts(runtime)
        return
    from distributor.service import run_service

    def started(url):
        out.print(f"distributor is running{f'; web UI at {url}' if url else ''}. Ctrl-C stops it.")

    run_service(runtime, web=not no_web, on_started=started)


def _warn_held_accounts(runtime) -> None:
    """A paused account sends nothing: say so, and how to release it, instead of a bare "0 sent"."""
    from sqlmodel import Session

    from distributor.accounts import overview

    with Session(runtime.engine) as session:
        held = [a for a in overview(session, runtime.settings) if a.state != "active"]
    for account in held:
        print(_one_line(f"warning: account {account.name} is {account.state} ({account.reason}); {account.queued} "
                        f"post(s) wait: fix it, then `distributor accounts resume {account.name}`"), file=sys.stderr)


@app.command()
def demo(
    duration: Optional[float] = typer.Option(None, min=0, help="Stop after this many seconds (default: until Ctrl-C)."),
    web_port: int = typer.Option(0, min=0, max=65535, help="Port of the web UI (default: a free one)."),
) -> None:
    """First run with nothing configured: sandbox platforms, sample articles, a throwaway database."""
    from distributor.demo import run_demo

    run_demo(duration=duration, web_port=web_port, console=out)


@app.command()
def sandbox(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8765, min=0, max=65535),
    delay_ms: int = typer.Option(0, min=0, max=600_000, help="Added latency per request."),
    fail_rate: float = typer.Option(0.0, min=0.0, max=1.0, help="Share of requests answered with a random fault (0-1)."),
    seed: int = typer.Option(0, help="Seed for faults and simulated engagement."),
    allow_network: bool = typer.Option(False, "--allow-network",
                                       help="Listen on a non-loopback --host (anyone who reaches it can read and "
                                            "reset the fake platforms' posts)."),
) -> None:
    """Fake X and Facebook APIs, for trying the bot without credentials and for tests."""
    import ipaddress
    import socket

    from distributor.sandbox.server import serve

    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise DistributorError(f"--host {host!r}: not an address this machine can listen on ({exc})") from None
    # The sandbox has no login: /_sandbox/posts shows what was "posted", /_sandbox/reset wipes it.
    exposed = sorted({info[4][0] for info in found if not ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback})
    if exposed and not allow_network:
        raise DistributorError(f"--host {host!r} is reachable from other machines ({', '.join(exposed)}): the sandbox "
                               "has no login; use 127.0.0.1, or add --allow-network if that is what you want")
    if exposed:
        print(_one_line(f"warning: the sandbox listens on {', '.join(exposed)} without any login: anyone who "
                        "reaches it can read and reset its posts"), file=sys.stderr)
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
            print(_one_line(f"error: {source}: {exc}"), file=sys.stderr)
        except Exception as exc:  # noqa: BLE001 - one strange page must not stop the others
            failed = True
            log.debug("details", exc_info=True)
            print(_one_line(f"error: {source}: cannot read this page ({exc.__class__.__name__}: {exc})"), file=sys.stderr)
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
        # the page's words are data: "[/b]" in a headline is shown, not read as rich markup (a MarkupError)
        out.print(f"[bold]{_verbatim(result.title)}[/bold]")
        out.print(f"  {result.canonical_url}", markup=False)
        if result.image:
            out.print(f"  image: {result.image.url}\n  caption: {result.image.alt or '-'}", markup=False)
        if result.pull_quote:
            out.print(f"  pull quote: “{result.pull_quote.text}” — {result.pull_quote.speaker}", markup=False)
        out.print(f"  section: {result.section or '-'}  tags: {', '.join(result.tags) or '-'}", markup=False)

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
        account_settings = AccountSettings.for_platform(platform)
    composer = Composer.from_settings(settings)

    def handle(source):
        post = composer.compose(_extract(source), account_settings)
        if as_json:
            _print_json({"source": source, "platform": platform, "text": post.text, "link": post.link,
                         "image_url": post.image_url, "length": post.length})
            return
        out.print(f"[dim]{_verbatim(source)} → {platform} ({post.length} characters)[/dim]")
        out.print(post.text, markup=False, highlight=False)
        if post.link and post.link not in post.text:
            out.print(f"link: {post.link}", markup=False)
        if post.image_url:
            out.print(f"image: {post.image_url}", markup=False)

    _each_source(sources, handle)


@app.command()
def card(
    source: str = typer.Argument(..., metavar="SOURCE", help="An article URL or a local HTML file."),
    out_file: Path = typer.Option(..., "--out", help="Where to write the card (.png or .jpg)."),
    account: Optional[str] = typer.Option(None, "--account", help="Use this account's size and [cards] style."),
    platform_choice: PlatformChoice = typer.Option(PlatformChoice.twitter, "--platform"),
    photo: Optional[Path] = typer.Option(None, "--photo", help="A local image to put behind the quote."),
    no_photo: bool = typer.Option(False, "--no-photo", help="A plain background, even if the article has a photo."),
) -> None:
    """Render the article's pull quote as a quote card."""
    from distributor.cards import card_for_extracted
    from distributor.fetch import Fetcher

    settings = state.settings
    account_settings = settings.account(account) if account else None
    suffix = out_file.suffix.lower()
    image_format = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}.get(suffix)
    if image_format is None:
        raise DistributorError(f"--out {out_file}: give a .png or .jpg file name")
    if photo is not None and not photo.is_file():
        raise DistributorError(f"--photo {photo}: no such file")

    def handle(item):
        rendered, said = card_for_extracted(
            settings, _extract(item), account=account_settings, platform=platform_choice.value,
            fetcher=Fetcher(settings.fetch), photo=photo.read_bytes() if photo else None,
            use_photo=not no_photo, image_format=image_format)
        try:
            out_file.write_bytes(rendered.content)
        except OSError as exc:
            raise DistributorError(f"cannot write {out_file}: {exc.strerror or exc}") from exc
        width, height = rendered.size
        out.print(f"wrote {out_file} ({width}x{height} {suffix[1:].upper()}, {len(rendered.content) // 1024} KB): "
                  f"“{said.quote}” — {said.speaker}", markup=False, highlight=False)

    _each_source([source], handle)


# --- the queue ---------------------------------------------------------------------


def _parse_time(text: str) -> datetime:
    """--at: ISO 8601 (naive: the editors' zone, [web] timezone) or now; a past time is refused."""
    return inputs.parse_time(text, state.settings.web.timezone, what="--at")


def _text_option(value: Optional[str], option: str, max_length: int = inputs.MAX_TEXT) -> Optional[str]:
    """An option's text as the database will take it (argv may hold undecodable bytes as surrogates)."""
    return inputs.clean_text(value, option, max_length=max_length) if value is not None else None


PostIdArgument = typer.Argument(..., metavar="ID", help="The post's id (a whole number).")


def _parts_lines(post) -> list[str]:
    """`queue show`: the post's extra images, thread replies and first comment, and which are out."""
    sent = post.parts_sent or {}
    lines = [f"image {n}: {i.get('url')}" + (f" (alt: {i['alt']})" if i.get("alt") else "")
             for n, i in enumerate(post.extra_images or [], start=2)]
    done = sent.get("thread") or []
    lines += [f"thread {n + 2}: {text}" + (f" [sent {done[n]}]" if n < len(done) else "")
              for n, text in enumerate(post.thread or [])]
    if post.first_comment:
        lines.append(f"first comment: {post.first_comment}"
                     + (f" [sent {sent['first_comment']}]" if sent.get("first_comment") else ""))
    return lines


def _post_json(post, held_because: str | None = None) -> dict:
    return {
        "id": post.id, "account": post.account, "platform": post.platform, "state": post.state.value,
        "text": post.text, "link": post.link, "image_url": post.image_url,
        "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
        "external_id": post.external_id, "external_url": post.external_url, "error": post.error,
        "held_because": held_because,
    }


@queue_app.command("add")
def queue_add(
    account: str = typer.Option(..., "--account"),
    article: Optional[str] = typer.Option(None, "--article", help="Compose from this article URL."),
    text: Optional[str] = typer.Option(None, "--text"),
    link: Optional[str] = typer.Option(None, "--link"),
    image: Optional[list[str]] = typer.Option(None, "--image", help="An image URL; repeat for several (up to the "
                                              "platform's count), each followed by its --alt."),
    alt: Optional[list[str]] = typer.Option(None, "--alt", help="The alt text of the --image before it."),
    first_comment: Optional[str] = typer.Option(None, "--first-comment", help="Facebook: a comment posted under "
                                                "the post once it is out."),
    thread: Optional[list[str]] = typer.Option(None, "--thread", help="X: a reply after the post; repeat for "
                                               "a thread of up to 3 posts."),
    at: Optional[str] = typer.Option(None, "--at", help="ISO 8601 time (default: now)."),
    next_slot: bool = typer.Option(False, "--next-slot", help="The account's next free slot."),
    approve: bool = typer.Option(False, "--approve", help="Approve now if the account requires approval."),
    again: bool = typer.Option(False, "--again", help="Post an article the account already has."),
) -> None:
    """Queue a manual post; prints its id."""
    from distributor.manual import AlreadyPosted, queue

    account = _text_option(account, "--account", inputs.MAX_NAME)
    text = _text_option(text, "--text")
    article, link = (_text_option(v, o, inputs.MAX_URL) for v, o in ((article, "--article"), (link, "--link")))
    images = [_text_option(v, "--image", inputs.MAX_URL) for v in image or []]
    alts = [_text_option(v, "--alt") for v in alt or []]
    if len(alts) > max(len(images), 1):
        raise DistributorError(f"{len(alts)} --alt for {len(images)} --image: give one --alt after each --image")
    alts += [None] * (len(images) - len(alts))
    image_url, image_alt = (images[0], alts[0]) if images else (None, alts[0] if alts else None)
    extra_images = [{"url": u, "alt": a} for u, a in zip(images[1:], alts[1:])]
    if bool(article) == bool(text):
        raise DistributorError("give exactly one of --article URL or --text TEXT")
    if at and next_slot:
        raise DistributorError("give --at or --next-slot, not both")
    account_settings = state.settings.account(account)
    try:  # the one door (manual.py): the API and the compose page take the same path
        queued = queue(
            _runtime(), account_settings, article_url=article, text=text, link=link,
            image_url=image_url, image_alt=image_alt, at=at, next_slot=next_slot, approve=approve,
            actor="cli", again=again, extra_images=extra_images,
            first_comment=_text_option(first_comment, "--first-comment"),
            thread=[_text_option(t, "--thread") for t in thread or []],
        )
    except AlreadyPosted as exc:
        raise DistributorError(f"{exc}; add --again to post it anyway") from None
    post = queued.post
    print(post.id)
    for warning in queued.warnings:
        print(_one_line(f"post {post.id}: warning: {warning}"), file=sys.stderr)
    _say_when(post)


def _say_when(post) -> None:
    """On stderr (stdout is the id, for scripts): when the post will really go, and what holds it."""
    from sqlmodel import Session

    from distributor.holds import holds_for
    from distributor.posts import account_zone

    with Session(state.engine) as session:
        held = holds_for(session, state.settings, [post]).get(post.id)
    zone = account_zone(state.settings.account(post.account), state.settings.web.timezone)
    when = post.scheduled_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    if post.state.value == "awaiting_approval":
        print(f"post {post.id}: awaiting approval; due {when}", file=sys.stderr)
    elif held:
        print(_one_line(f"post {post.id}: due {when}, held: {held}"), file=sys.stderr)
    else:
        print(f"post {post.id}: goes at {when}", file=sys.stderr)


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
        raise DistributorError(f"unknown state {state_[:40]!r}; one of {', '.join(PostState.__members__)}")
    account = _text_option(account, "--account", inputs.MAX_NAME)
    from distributor.holds import holds_for

    with Session(state.engine) as session:
        rows = posts.list_posts(session, state=PostState(state_) if state_ else None, account=account)
        held = holds_for(session, state.settings, rows)
    if as_json:
        _print_json([_post_json(p, held[p.id]) for p in rows])
        return
    from distributor.plain_table import render  # a plain table: cells verbatim, no rich to load

    print(render(("id", "account", "state", "when (UTC)", "text", "error / held because"), (
        (str(p.id), p.account, p.state.value, p.scheduled_at.strftime("%Y-%m-%d %H:%M"),
         p.text.replace("\n", " ")[:60], p.error or (f"held: {held[p.id]}" if held[p.id] else "")) for p in rows)))


def _queue_action(action: str, post_id: str) -> None:
    from distributor import posts
    from distributor.db import session_scope

    number = inputs.parse_id(post_id, "post id")
    with session_scope(state.engine) as session:
        extra = {"approval": state.settings.desk.approval} if action == "approve" else {}  # [desk] approval
        post = getattr(posts, action)(session, number, actor="cli", **extra)
        out.print(f"post {number}: {post.state.value}")


@queue_app.command("approve")
def queue_approve(post_id: str = PostIdArgument) -> None:
    """Approve a post awaiting approval."""
    _queue_action("approve", post_id)


@queue_app.command("cancel")
def queue_cancel(post_id: str = PostIdArgument) -> None:
    """Cancel a post that has not been sent."""
    _queue_action("cancel", post_id)


@queue_app.command("retry")
def queue_retry(post_id: str = PostIdArgument) -> None:
    """Queue a failed post again."""
    _queue_action("retry", post_id)


@queue_app.command("show")
def queue_show(post_id: str = PostIdArgument, as_json: bool = typer.Option(False, "--json")) -> None:
    """A post and its whole history."""
    from sqlmodel import Session

    from distributor import posts

    post_id = inputs.parse_id(post_id, "post id")

    from distributor.holds import holds_for

    with Session(state.engine) as session:
        post = posts.get_post(session, post_id)
        events = posts.history(session, post_id)
        held = holds_for(session, state.settings, [post])[post.id]
    if as_json:
        _print_json(_post_json(post, held) | {
            "image_alt": post.image_alt, "extra_images": post.extra_images or [], "first_comment": post.first_comment,
            "thread": post.thread or [], "parts_sent": post.parts_sent or {}, "note": post.note} | {"history": [
            {"at": e.at.isoformat(), "from": e.from_state, "to": e.to_state, "actor": e.actor,
             "attempt": e.attempt, "reason": e.reason} for e in events]})
        return
    out.print(f"[bold]post {post.id}[/bold] {_verbatim(post.account)} ({post.platform}) [bold]{post.state.value}[/bold]")
    out.print(post.text, markup=False, highlight=False)
    for label, value in (("link", post.link), ("image", post.image_url), ("external", post.external_url or post.external_id),
                         ("error", post.error), ("held because", held), ("note", post.note)):
        if value:
            out.print(f"{label}: {value}", markup=False)
    for line in _parts_lines(post):
        out.print(line, markup=False, highlight=False)
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
    period = reports.parse_since(since, settings.web.timezone)
    if output is not None and fmt == "table":
        raise DistributorError("--output needs --format csv, json or html")
    if by == "post":  # the per-post export
        text = _post_report(period, fmt)
        if text is None:
            return
    else:
        with Session(state.engine) as session, Progress(console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty()) as progress:
            result = reports.build_report(
                session, since=period, by=by, timezone=settings.web.timezone,
                charts=fmt == "html", schedule_minutes=settings.engagement.schedule_minutes, progress=progress,
            )
        if fmt == "table":
            out.print(reports.render_table(result))
            return
        text = {"csv": reports.render_csv, "json": reports.render_json, "html": reports.render_html}[fmt](result)
    if output:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise DistributorError(f"--output {output}: cannot write there: {exc.strerror or exc}") from None
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _post_report(period, fmt: str) -> str | None:
    """`report --by post`: one row per post (report_posts.py); None once the table is printed."""
    from sqlmodel import Session

    from distributor import report_posts, reports

    if fmt == "html":
        raise DistributorError("--by post has --format table, csv or json")
    start, end = reports.resolve_period(period, None)
    with Session(state.engine) as session:
        rows = report_posts.post_rows(session, start, end)
    if fmt == "table":
        out.print(report_posts.render_table(rows, f"Posts sent {start:%Y-%m-%d %H:%M} - {end:%Y-%m-%d %H:%M} UTC"))
        return None
    return report_posts.render_csv(rows) if fmt == "csv" else report_posts.render_json(rows, start, end)


# --- people ---------------------------------------------------------------------------


def _read_password() -> str:
    """The password from standard input (one line), or asked twice on a terminal."""
    if sys.stdin is None or sys.stdin.isatty():
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.buffer.readline()
    try:
        return line.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise DistributorError("the password on standard input is not valid UTF-8") from None


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "never"


@users_app.command("add")
def users_add(email: str, role_choice: Role = typer.Option(Role.editor, "--role")) -> None:
    """Add an editor; the password is read from standard input."""
    from distributor import users
    from distributor.db import session_scope

    role = role_choice.value
    password = _read_password()
    with session_scope(state.engine) as session:
        user = users.add_user(session, email, password, role, actor="cli")
    out.print(f"added {user.email} ({role})", markup=False)


@users_app.command("list")
def users_list() -> None:
    """Every user, their role, live web sessions and API tokens."""
    from sqlmodel import Session

    from distributor import users
    from distributor.web.sessions import active_counts

    with Session(state.engine) as session:
        rows = users.list_users(session)
        live = active_counts(session)
        tokens: dict[int, int] = {}
        for _token, owner in users.list_tokens(session):
            tokens[owner.id] = tokens.get(owner.id, 0) + 1
    table = Table("email", "role", "since (UTC)", "sessions", "tokens")
    for user in rows:
        table.add_row(user.email, user.role, _when(user.created_at), str(live.get(user.id, 0)), str(tokens.get(user.id, 0)))
    out.print(table)


@users_app.command("remove")
def users_remove(email: str) -> None:
    """Remove a user: their web sessions and API tokens end at once."""
    from distributor import users
    from distributor.db import session_scope

    with session_scope(state.engine) as session:
        users.remove_user(session, email, actor="cli")
    out.print(f"removed {users.normalise_email(email)}", markup=False)


@users_app.command("passwd")
def users_passwd(email: str) -> None:
    """Set a user's password (read from standard input); every web session of theirs ends, every API token is revoked."""
    from distributor import users
    from distributor.db import session_scope

    with session_scope(state.engine) as session:
        users.require_user(session, email)  # an unknown email is said before a password is asked for
    password = _read_password()
    with session_scope(state.engine) as session:
        users.set_password(session, email, password, actor="cli")
    out.print(f"password of {users.normalise_email(email)} changed; their web sessions ended and their API tokens "
              "were revoked (new ones: distributor tokens create EMAIL)", markup=False)


@tokens_app.command("create")
def tokens_create(email: str) -> None:
    """Create an API token for a user; printed once, stored only as a hash."""
    from distributor import users
    from distributor.db import session_scope

    with session_scope(state.engine) as session:
        token = users.create_token(session, email, actor="cli")
    print(token)


@tokens_app.command("list")
def tokens_list(email: Optional[str] = typer.Argument(None, help="Only this user's tokens.")) -> None:
    """API tokens (never the tokens themselves): id, owner, created, last used."""
    from sqlmodel import Session

    from distributor import users

    with Session(state.engine) as session:
        rows = users.list_tokens(session, email)
    table = Table("id", "user", "created (UTC)", "last used (UTC)")
    for token, owner in rows:
        table.add_row(str(token.id), owner.email, _when(token.created_at), _when(token.last_used_at))
    out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: str = typer.Argument(..., metavar="ID")) -> None:
    """Revoke an API token by its id (from `tokens list`): it gets 401 from then on."""
    from distributor import users
    from distributor.db import session_scope

    if not token_id.isascii() or not token_id.isdigit():
        raise DistributorError(f"a token id is a number (see `distributor tokens list`), not {token_id[:40]!r}")
    with session_scope(state.engine) as session:
        owner = users.revoke_token(session, int(token_id), actor="cli")
    out.print(f"revoked token {int(token_id)} of {owner.email}", markup=False)


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


def _one_line(text: str) -> str:
    from distributor.logs import printable

    return printable(" ".join(str(text).split()))


def main() -> None:
    """Run the command; every refusal is one line on stderr and exit 1 (-v adds the traceback)."""
    try:
        command = lazy_command(app)  # builds only the named command (typer would build all ~40 first)
        code = command(args=hoist_global_options(sys.argv[1:]), prog_name="distributor", standalone_mode=False)
    except typer.TyperException as exc:  # click's errors, as typer ships them
        if exc.__class__.__name__ == "NoArgsIsHelpError":
            sys.exit(2)  # `distributor queue` alone: the help is already printed
        context = getattr(exc, "ctx", None)
        hint = f" (see {context.command_path} --help)" if context is not None else ""
        print(f"error: {_one_line(exc.format_message())}{hint}", file=sys.stderr)
        sys.exit(1)
    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        sys.exit(1)
    except DistributorError as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        if state.verbose:
            log.exception("details")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - a user sees one line, never a traceback; -v shows it
        print(f"error: unexpected {exc.__class__.__name__}: {_one_line(exc)[:300]} (run with -v for details)",
              file=sys.stderr)
        if state.verbose:
            log.exception("details")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
