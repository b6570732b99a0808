"""Compose a platform post from an extracted article with an editable Jinja2 template.

Templates are plain text: autoescaping is off, so a headline with ``&`` stays
``&`` (HTML escaping belongs to the web UI, not to post text). A template is
looked up first in the user's ``templates_dir``, then among the built-in ones.
For X the composer makes the post fit 280 weighted characters as X counts them
(twitter-text's rules: URLs 23, CJK and emoji 2): it trims the quote, then the
headline, where the Unicode line-breaking rules allow a break (between words,
between ideographs), never inside a character (``distributor.text``), with an
ellipsis, and never touches the link.

User templates run in Jinja2's sandbox (no reaching Python internals through
``__class__`` or ``__globals__``, ``range`` bounded), repetition (``*``) and
powers (``**``) that would build a huge value are refused, and rendering one
post has a hard time limit, so a broken or hostile template fails its own
account's post instead of stalling the cycle for every account.
"""

from __future__ import annotations

import html
import html.entities
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.compiler import CodeGenerator
from jinja2.sandbox import SandboxedEnvironment

from distributor import template_limits
from distributor.config import AccountSettings, Settings
from distributor.errors import ComposeError, ConfigError
from distributor.lengths import _LOW_EMOJI_STARTS, _LOW_RANGE_END, fits, text_length, text_limit, within_bytes
from distributor.links import account_link
from distributor.platforms.specs import SPECS, spec_for
from distributor.text import ELLIPSIS, cut_at, cut_points, grapheme_count, hashtag, trim

if TYPE_CHECKING:  # the extractor package is heavy: `queue add --text` only counts characters
    from distributor.extract.model import Extracted

__all__ = ["ELLIPSIS", "Composer", "ComposedPost", "hashtag", "text_length", "text_limit", "trim_words"]

log = logging.getLogger(__name__)

BLANK = "is empty: it would compose nothing for any story"
MIN_QUOTE_CHARS = 30  # a quote trimmed shorter than this says nothing: drop it instead

# Text limits as each platform counts them, from the platform registry.
TEXT_LIMITS = {name: spec.text.max_length for name, spec in SPECS.items()}


def builtin_templates_dir() -> Path:
    """The templates shipped with distributor: the repo's templates/ or the wheel's copy."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "_templates", package.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise ComposeError("the built-in templates are missing from this installation")


@dataclass(frozen=True)
class ComposedPost:
    platform: str
    text: str
    link: str | None
    image_url: str | None
    image_alt: str | None
    length: int
    template: str


# Seconds one post may take to compose (ordinary templates take milliseconds).
COMPOSE_DEADLINE_SECONDS = 5.0
# The largest value a template may build with `*` (characters or items) or `**` (bits).
MAX_TEMPLATE_VALUE = template_limits.MAX_TEMPLATE_VALUE


class _CheckedConcat(CodeGenerator):
    """``a ~ b`` compiled to a call that weighs the parts before joining them (template_limits)."""

    def visit_Concat(self, node, frame) -> None:
        if frame.eval_ctx.volatile or frame.eval_ctx.autoescape:
            return super().visit_Concat(node, frame)  # post templates are plain text: never the case
        self.write("environment.checked_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class TemplateFiles(jinja2.FileSystemLoader):
    """Jinja2's FileSystemLoader, reading only files that are inside its directories and not hidden.

    Jinja2 refuses ``..`` in a name but follows symlinks, and reads any file
    beside the templates. A template author who may edit templates (in a git
    repository, say) but not the environment could otherwise post the service's
    secrets: ``{% include "env.j2" %}`` with env.j2 a symlink to
    /proc/self/environ or ../.env, or a ``.env`` kept next to the templates.
    """

    def __init__(self, searchpath: list[str]):
        super().__init__(searchpath)
        self._roots = [Path(directory).resolve() for directory in searchpath]

    def get_source(self, environment, template):
        if any(part.startswith(".") for part in template.replace("\\", "/").split("/")):
            raise jinja2.TemplateNotFound(template, f"{template!r} is a hidden file, not a template")
        source, filename, uptodate = super().get_source(environment, template)
        if not any(Path(filename).resolve().is_relative_to(root) for root in self._roots):
            raise jinja2.TemplateNotFound(template, f"{template!r} leads outside the templates' directory (a symlink)")
        return source, filename, uptodate


class PostTemplateEnvironment(SandboxedEnvironment):
    """Jinja2's sandbox, which also refuses values too large for any post before building them.

    `*` and `**` as before; `+`, `%`, `~`, calls, filters and the output itself
    through ``distributor.template_limits`` (why: see there).
    """

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _CheckedConcat

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters = {name: template_limits.guarded_filter(name, func) for name, func in self.filters.items()}

    def call_binop(self, context, operator, left, right):
        if operator == "*" and _repeat_size(left, right) > MAX_TEMPLATE_VALUE:
            raise jinja2.exceptions.SecurityError(f"the template builds a value longer than {MAX_TEMPLATE_VALUE:,} with *")
        if operator == "**" and _power_bits(left, right) > MAX_TEMPLATE_VALUE:
            raise jinja2.exceptions.SecurityError("the template raises a number to too large a power")
        if operator == "*":
            template_limits.check_repeat(left, right)
        elif operator == "+" and not isinstance(left, (int, float)):
            template_limits.check_concat((left, right), "adds up a value")
        elif operator == "%" and isinstance(left, str):
            template_limits.check_printf(left, right)
        return template_limits.check_result(super().call_binop(context, operator, left, right))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature
        template_limits.check_call(__obj, args, kwargs)
        return template_limits.check_result(super().call(__context, __obj, *args, **kwargs))

    def checked_concat(self, parts: tuple) -> str:
        template_limits.check_concat(parts)
        return "".join(map(str, parts))

    def concat(self, parts) -> str:  # type: ignore[override]  # Jinja joins every output and block with this
        return template_limits.checked_join(parts)


def _repeat_size(left, right) -> int:
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
            return len(seq) * times
    return 0


def _power_bits(base, exponent) -> int:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0:
        return max(abs(base).bit_length(), 1) * exponent if abs(base) > 1 else 0
    return 0


class Composer:
    """Renders posts for accounts; one per process, templates are cached by Jinja2."""

    def __init__(self, templates_dir: str | Path | None = None):
        search = [str(builtin_templates_dir())]
        if templates_dir:
            search.insert(0, str(templates_dir))
        self.env = PostTemplateEnvironment(
            loader=TemplateFiles(search),  # only files inside the directories: no symlink out, no .env
            autoescape=False,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=False,
        )
        # Jinja's own truncate cuts at ASCII spaces and inside emoji: these know every script
        self.env.filters["hashtag"] = hashtag
        self.env.filters["shorten"] = _shorten
        # the version of each template posts are composed with ((name, platform) -> Template): a file
        # edited while the service runs replaces it only once it composes the sample stories
        self._in_use: dict[tuple[str, str], jinja2.Template] = {}
        self._refused: set[tuple[str, str, str]] = set()  # (name, platform, problem) already logged

    @classmethod
    def from_settings(cls, settings: Settings) -> "Composer":
        directory = None
        if settings.templates_dir:
            directory = Path(settings.config_dir) / settings.templates_dir
        return cls(directory)

    def check_templates(self, accounts: list[AccountSettings], settings: Settings | None = None) -> None:
        """Start-up check: every account's template, and every breaking rule's template for the
        accounts of its feed or webhook (``settings``), exists, parses and composes a sample story,
        with and without its optional parts; all problems named at once.

        Without it a typo in a template, an undefined name (``{{ titel }}``) or a filter that
        fails on a story without a quote is found story by story, each one quietly skipped for
        that account (a breaking template: at the moment a story breaks), instead of once
        when the service starts.
        """
        checks = [(f"account {a.name!r}", a) for a in accounts]
        for source, label in ([(f, f"feed {f.url}") for f in settings.feeds] +
                              [(h, f"webhook {h.name!r}") for h in settings.webhooks]) if settings else ():
            if source.breaking and source.breaking.template:
                checks += [(f"account {a.name!r} (the breaking template of {label})",
                            a.model_copy(update={"template": source.breaking.template}))
                           for a in settings.feed_accounts(source)]
        problems = []
        for who, account in checks:
            name = account.template or spec_for(account.platform).template
            try:
                self.env.get_template(name)
            except jinja2.TemplateNotFound:
                problems.append(f"{who}: template {name!r} not found")
                continue
            except jinja2.TemplateSyntaxError as exc:
                problems.append(f"{who}: template {name!r} line {exc.lineno}: {exc.message}")
                continue
            if self._blank(name):
                problems.append(f"{who}: template {name!r} {BLANK}")
                continue
            for story, sample in sample_stories():
                try:
                    self.compose(sample, account)
                except ComposeError as exc:
                    problems.append(f"{who}: {exc} (composing {story})")
                    break
        if problems:
            raise ConfigError(problems[0] if len(problems) == 1 else f"{len(problems)} problems: " + "; ".join(problems))

    def compose(self, article: Extracted, account: AccountSettings) -> ComposedPost:
        """The account's post of ``article``; ComposeError when its template fails or runs too long."""
        from distributor.extract.deadline import within_deadline

        name = account.template or spec_for(account.platform).template
        return within_deadline(
            self._compose, article, account, seconds=COMPOSE_DEADLINE_SECONDS,
            timeout_error=lambda s: ComposeError(f"template {name!r} took longer than {s:g} s to render (a loop too long?)"),
        )

    def _template(self, template_name: str, account: AccountSettings) -> jinja2.Template:
        """The template to compose with: the file as it is now, unless it was edited while the
        service runs into a version that does not parse or compose the sample stories; then the
        version in use before goes on posting, and the problem is logged once (run, and
        ``distributor compose``, name it at once). Never a story lost to a half-saved edit.
        """
        key = (template_name, account.platform)
        previous = self._in_use.get(key)
        try:
            template = self.env.get_template(template_name)
        except jinja2.TemplateNotFound as exc:
            raise ComposeError(f"template {template_name!r} for account {account.name!r} not found") from exc
        except jinja2.TemplateSyntaxError as exc:
            problem = f"template {template_name!r} line {exc.lineno}: {exc.message}"
            if previous is None:
                raise ComposeError(problem) from exc
            return self._keep(previous, key, problem)
        if template is previous:
            return template
        if previous is not None:  # edited since: it must compose the sample stories before it posts
            if self._blank(template_name):  # an editor's save caught between truncating and writing
                return self._keep(previous, key, f"template {template_name!r} {BLANK}")
            for story, sample in sample_stories():
                try:
                    self._compose(sample, account, template)
                except ComposeError as exc:
                    return self._keep(previous, key, f"{exc} (composing {story})")
        self._in_use[key] = template
        return template

    def _blank(self, template_name: str) -> bool:
        """Whether the template's file holds nothing but white space: it would compose nothing for
        every story (each one skipped as empty), and a file being saved is blank for a moment."""
        try:
            source, _, _ = self.env.loader.get_source(self.env, template_name)
        except jinja2.TemplateNotFound:
            return False  # said by get_template
        return not source.strip()

    def _keep(self, previous: jinja2.Template, key: tuple[str, str], problem: str) -> jinja2.Template:
        if (*key, problem) not in self._refused:
            self._refused.add((*key, problem))
            log.error("the edited %s template is not used, the version before it still is: %s", key[0], problem)
        return previous

    def _compose(self, article: Extracted, account: AccountSettings, template: jinja2.Template | None = None
                 ) -> ComposedPost:
        template_name = account.template or spec_for(account.platform).template
        if template is None:
            template = self._template(template_name, account)
        context = template_context(article, account)
        limit = text_limit(account)
        render = lambda ctx: _render(template, template_name, ctx)  # noqa: E731
        text = render(context)
        # Counting as X does is the costly part (twitter-text's emoji scan): count once when it fits.
        if not fits(account.platform, text, limit):
            context = with_whole_quote(render, context, quote_candidates(article)[1:], account.platform, limit)
            text = fit(render, context, account.platform, limit)
        image = article.image
        return ComposedPost(
            platform=account.platform,
            text=text,
            link=context["link"],
            image_url=image.url if image else None,
            image_alt=context["image_alt"],
            length=text_length(account.platform, text),
            template=template_name,
        )


# An entity that is still text after the page or feed was decoded: &amp;amp; &amp;#8217; (bounded, linear)
_LEFTOVER_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def without_leftover_entities(text: str | None) -> str | None:
    """``text`` with the HTML entities a CMS escaped twice decoded once more.

    WordPress and many CMSs escape titles twice (``Fish &amp;amp; chips``,
    ``&amp;#8217;``): decoded once as the page or feed says, the post would read
    "Fish &amp; chips" and "&#8217;". A post is plain text, where an entity is never
    meant; only complete, known entities are decoded (``AT&T``, ``R&D;`` stay).
    """
    if not text or "&" not in text:
        return text
    return _LEFTOVER_ENTITY.sub(_known_entity_decoded, text)


def _known_entity_decoded(match: re.Match) -> str:
    """The entity's character when it is a complete known one; else the text as written
    (``html.unescape`` alone reads ``&notice;`` as ``¬ice;`` and ``&#0;`` as U+FFFD)."""
    entity = match.group(0)
    if entity[1] != "#" and entity[1:] not in html.entities.html5:
        return entity
    decoded = html.unescape(entity)
    return entity if decoded == "\ufffd" and entity.lower() not in ("&#65533;", "&#xfffd;") else decoded


def sample_stories() -> list[tuple[str, Extracted]]:
    """What ``check_templates`` composes: a story with every part a template may use, and one
    with only a headline and a link (no quote, image, section, tags, description, site or date),
    as many real pages are."""
    from distributor.extract.model import Extracted, Image, Quote

    link = "https://news.example/2026/12/01/sample-story-for-the-template-check"
    full = Extracted(
        source=link, title="Council approves the harbour bridge after a long night", canonical_url=link,
        image=Image("https://news.example/images/bridge.jpg", "The harbour at dawn"), section="Local",
        tags=["Transport", "Harbour"], published_at="2026-12-01T07:30:00+00:00",
        pull_quote=Quote("This bridge will change how the whole town gets to work", "Amara Okafor", 1.0, 1.0),
        description="The vote was 7 to 2.", site_name="The Gazette")
    bare = Extracted(source=link, title="Council approves the harbour bridge", canonical_url=link)
    return [("a sample story", full),
            ("a sample story with only a headline and a link: no quote, image, section, tags, "
             "description, site name or date", bare)]


def template_context(article: Extracted, account: AccountSettings) -> dict[str, Any]:
    """What a template sees (documented in the README); entities escaped twice decoded."""
    quote = article.pull_quote
    decoded = without_leftover_entities
    return {
        "title": decoded(article.title) or "",
        # the post's link: the account's utm parameters on it (links.py); the article keeps its canonical URL
        "link": account_link(article.canonical_url or article.source, account, article.section),
        "quote": decoded(quote.text) if quote and quote.speaker else None,
        "speaker": decoded(quote.speaker) if quote else None,
        "description": decoded(article.description),
        "section": article.section,
        "tags": list(article.tags),
        "hashtags": [tagged for tagged in map(hashtag, article.tags) if tagged],  # (each tag read once)
        "image_url": article.image.url if article.image else None,
        "image_alt": decoded(article.image.alt) if article.image else None,
        "site_name": decoded(article.site_name),
        "published_at": article.published_at,
        "account": account.name,
        "platform": account.platform,
    }


ALTERNATIVE_QUOTE_MIN_SHARE = 0.5  # of the pull quote's score, for a runner-up to stand in


def quote_candidates(article: Extracted) -> list[tuple[str, str]]:
    """The pull quote, then runner-up quotes from named speakers nearly as good."""
    best = article.pull_quote
    if not best or not best.speaker:
        return []
    candidates = [(best.text, best.speaker)]
    for quote in article.quotes:
        if quote.speaker and quote.text != best.text and quote.score >= best.score * ALTERNATIVE_QUOTE_MIN_SHARE:
            candidates.append((quote.text, quote.speaker))
    return candidates


def with_whole_quote(render, context, candidates, platform: str, limit: int) -> dict[str, Any]:
    """Prefer a whole quote that fits over trimming the best one: editors do not cut quotes."""
    for text, speaker in candidates:
        trial = dict(context, quote=without_leftover_entities(text), speaker=without_leftover_entities(speaker))
        if fits(platform, render(trial), limit):
            return trial
    return context


def _render(template: jinja2.Template, name: str, context: dict[str, Any]) -> str:
    template_limits.set_budget(context)
    try:
        rendered = template.render(**context)
    except jinja2.UndefinedError as exc:
        raise ComposeError(f"template {name!r}: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise ComposeError(f"template {name!r}: {exc}") from exc
    except RecursionError:
        raise ComposeError(f"template {name!r}: a macro calls itself without end") from None
    except Exception as exc:  # noqa: BLE001 - a user's template may raise anything ({{ 1 / 0 }}): its account's error
        raise ComposeError(f"template {name!r}: {exc.__class__.__name__}: {exc}") from exc
    return _tidy(rendered)


def _tidy(text: str) -> str:
    """Strip trailing spaces and runs of blank lines a template leaves behind."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def trim_words(text: str, max_chars: int) -> str:
    """Cut ``text`` where a line may break, to at most ``max_chars`` characters plus an ellipsis."""
    return trim(text, max_chars)


def _shorten(value: Any, length: int = 100) -> str:
    """The ``shorten`` template filter: a missing value (no description) is empty, not an error."""
    return trim(str(value), length) if value else ""


def fit(render, context: dict[str, Any], platform: str, limit: int) -> str:
    """Render, trimming the quote then the headline until the text fits ``limit``."""
    text = render(context)
    if fits(platform, text, limit):
        return text
    context = dict(context)
    if context.get("quote"):
        quote = context["quote"]
        best = _longest_fitting(render, context, "quote", quote, platform, limit)
        if best is not None and grapheme_count(best) - 1 >= MIN_QUOTE_CHARS:
            context["quote"] = best
            return render(context)
        context["quote"] = None  # a stub of a quote misleads: go without one
        context["speaker"] = None
        text = render(context)
        if fits(platform, text, limit):
            return text
    best = _longest_fitting(render, context, "title", context["title"], platform, limit)
    if best is None:
        raise ComposeError(f"the {platform} template leaves no room for the headline within {limit} characters")
    context["title"] = best
    return render(context)


def _longest_fitting(render, context, key, value, platform, limit) -> str | None:
    """Binary search over the places ``value`` may be cut for the longest trim that fits.

    The rendered length grows with the cut, so about log2(places) renders
    are measured, whatever the script.
    """
    points = cut_points(value)
    low, high, best = 0, len(points) - 1, None
    while low <= high:
        middle = (low + high) // 2
        candidate = cut_at(value, points[middle])
        trial = dict(context, **{key: candidate})
        if fits(platform, render(trial), limit):
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    if best is not None and best.strip(ELLIPSIS + " ") == "":
        return None
    return best
