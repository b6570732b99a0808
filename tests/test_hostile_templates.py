"""Broken or hostile user templates (issue 19, review): one account's template fails alone.

A template that loops for ever, builds a huge value or reaches into Python's
internals must fail that account's automatic post, with the reason on the
article, while the other accounts post and the cycle finishes. A template
that does not parse (or is missing) is refused when the service starts.
"""

from __future__ import annotations

import time

import pytest
from sqlmodel import Session, select

from distributor import compose
from distributor.models import Article
from distributor.pipeline import run_cycle
from tests.test_cli import cli
from tests.test_post_on_publish_identity import accounts_reached, feed, page, sent  # noqa: F401 - fixtures
from tests.test_post_on_publish_identity import make_runtime, site  # noqa: F401 - fixtures

HOSTILE = {
    "endless.j2": "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}{{ title }}",
    "huge.j2": "{{ title }} {{ 'x' * 10000000000 }}",
    "power.j2": "{{ title }} {{ 10 ** 100000000 }}",
    "internals.j2": "{{ title }} {{ cycler.__init__.__globals__.os.getcwd() }}",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_template_fails_its_own_account_and_the_others_post(make_runtime, site, engine, tmp_path, monkeypatch, name):
    monkeypatch.setattr(compose, "COMPOSE_DEADLINE_SECONDS", 1.0)
    (tmp_path / name).write_text(HOSTILE[name], encoding="utf-8")
    runtime = make_runtime([{"url": "/a"}], [{"name": "hostile", "template": name}, {"name": "plain"}])
    run_cycle(runtime)
    page(site, "/story", "Bridge reopens")
    site.pages["/a"] = feed({"link": site.url("/story")})
    started = time.monotonic()
    run_cycle(runtime)
    assert time.monotonic() - started < 30
    assert accounts_reached(engine) == ["plain"]
    assert all("getcwd" not in text and str(tmp_path) not in text for _, text, _ in sent(engine))
    with Session(engine) as session:
        article = session.exec(select(Article)).one()
        assert set(article.skipped_accounts) == {"hostile"}
        assert name in article.skipped_accounts["hostile"]


@pytest.mark.parametrize("text, said", [
    ("{{ title }", "line 1: unexpected '}'"),
    (None, "not found"),
    ("{{ titel }} {{ link }}", "'titel' is undefined (composing a sample story)"),  # parses; fails on every story
    ("{{ title }} {{ quote[:60] }} {{ link }}", "without_quote"),  # fails on every story without a quote
    ("{{ title }} {{ 1 / 0 }}", "ZeroDivisionError"),
    (" \n", "is empty: it would compose nothing for any story"),  # every story skipped as empty
])
def test_a_broken_or_missing_template_is_refused_when_the_service_starts(tmp_path, database_url, text, said):
    if text is not None:
        (tmp_path / "mine.j2").write_text(text, encoding="utf-8")
    config = tmp_path / "distributor.toml"
    config.write_text(
        f'templates_dir = "."\n[database]\nurl = "{database_url}"\n'
        '[[accounts]]\nname = "desk"\nplatform = "dryrun"\ntemplate = "mine.j2"\n'
        '[[accounts]]\nname = "other"\nplatform = "dryrun"\n',
        encoding="utf-8",
    )
    assert cli("db", "upgrade", config=config).returncode == 0
    result = cli("run", "--once", config=config)
    assert result.returncode == 1, result.stdout
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    said = "only a headline and a link: no quote" if said == "without_quote" else said
    assert "'desk'" in result.stderr and "mine.j2" in result.stderr and said in result.stderr


def test_a_breaking_template_that_is_missing_or_broken_is_refused_when_the_service_starts(tmp_path, database_url):
    """A feed's breaking-news template is used only when a story breaks: the worst moment to find its typo."""
    (tmp_path / "breaking.j2").write_text("BREAKING: {{ headline }} {{ link }}", encoding="utf-8")
    config = tmp_path / "distributor.toml"
    config.write_text(
        f'templates_dir = "."\n[database]\nurl = "{database_url}"\n'
        '[[feeds]]\nurl = "https://news.example/feed"\naccounts = ["desk"]\n'
        'breaking = { sections = ["Breaking"], template = "breaking.j2" }\n'
        '[[webhooks]]\nname = "cms"\nbreaking = { field = "breaking", template = "gone.j2" }\n'
        '[[accounts]]\nname = "desk"\nplatform = "dryrun"\n',
        encoding="utf-8",
    )
    assert cli("db", "upgrade", config=config).returncode == 0
    result = cli("run", "--once", config=config, env={"DISTRIBUTOR_WEBHOOK_CMS_SECRET": "s" * 32})
    assert result.returncode == 1, result.stdout
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "breaking template of feed https://news.example/feed" in result.stderr
    assert "'headline' is undefined" in result.stderr
    assert "breaking template of webhook 'cms'" in result.stderr and "'gone.j2' not found" in result.stderr


# Each builds (or, padded by a width or a count, would build) far more than any post. The sizes
# here are small enough to be harmless if one got through; the same shapes with ten thousand
# times the size allocate gigabytes in one C call, which no deadline interrupts (the
# out-of-memory killer ends the whole service instead).
GROWING = {
    "ljust": "{{ title.ljust(300000) }}",
    "center": "{{ title|center(300000) }}",
    "format-width": "{{ '{:>300000}'.format(title) }}",
    "format-nested-width": "{{ '{0:>{1}}'.format(title, 300000) }}",
    "printf-width": "{{ '%300000s'|format(title) }}",
    "printf-star": "{{ '%*s' % (300000, title) }}",
    "doubling-concat": "{% set ns = namespace(t=title * 5000) %}{% for i in range(6) %}{% set ns.t = ns.t ~ ns.t %}"
                       "{% endfor %}{{ ns.t }}",
    "doubling-plus": "{% set ns = namespace(t=title * 5000) %}{% for i in range(6) %}{% set ns.t = ns.t + ns.t %}"
                     "{% endfor %}{{ ns.t }}",
    "replace": "{{ (title * 1000).replace(' ', ' ' * 1000) }}",
    "join": "{{ (title * 1000)|join(' ' * 1000) }}",
    "batch": "{{ [title]|batch(300000, title)|list|length }}",
    "nested-repeat": "{% set row = [title] * 1000 %}{{ ([row] * 1000)|length }}",
    "appended": "{% set rows = [] %}{% for i in range(2000) %}{{ rows.append(title * 100) or '' }}{% endfor %}{{ rows|length }}",
    "output": "{% for i in range(100000) %}{{ title }}{% endfor %}",
    "block": "{% set body %}{% for i in range(100000) %}{{ title }}{% endfor %}{% endset %}{{ body|length }}",
}


@pytest.mark.parametrize("name", sorted(GROWING))
def test_a_template_that_grows_a_value_past_any_post_is_refused_before_it_builds_it(tmp_path, name):
    from distributor.compose import Composer
    from distributor.errors import ComposeError
    from tests.test_compose import account, article

    (tmp_path / f"{name}.j2").write_text(GROWING[name], encoding="utf-8")
    with pytest.raises(ComposeError, match=f"template '{name}.j2'.*characters a post template may build"):
        Composer(tmp_path).compose(article("Bridge reopens"), account("dryrun", template=f"{name}.j2"))


def test_ordinary_templates_and_a_very_long_headline_still_compose(tmp_path):
    """The budget counts what the template was given: a 150,000-character headline is not a hostile template."""
    from distributor.compose import Composer
    from tests.test_compose import LINK, account, article

    (tmp_path / "busy.j2").write_text(
        "{{ title|upper }} {{ '%s!'|format(title) }} {{ '{} ({})'.format(title, 2026) }} {{ title.replace(' ', '_') }} "
        "{{ (tags + ['news'])|join(', ') }} {{ title|center(30) }} {{ '%d' % 123456789 }} {{ link }}", encoding="utf-8")
    post = Composer(tmp_path).compose(article("Bridge reopens", tags=["city"]), account("dryrun", template="busy.j2"))
    assert post.text.startswith("BRIDGE REOPENS Bridge reopens! Bridge reopens (2026) Bridge_reopens city, news ")
    long_title = "Bridge reopens " * 10_000
    (tmp_path / "plain.j2").write_text("{{ title ~ ' ' ~ title }} {{ link }}", encoding="utf-8")
    post = Composer(tmp_path).compose(article(long_title), account("dryrun", template="plain.j2"))
    assert post.text.startswith("Bridge reopens Bridge reopens") and post.text.endswith(f"… {LINK}")  # trimmed to fit


@pytest.mark.parametrize("source, said", [
    ("{{ title }} {{ 1 / 0 }}", "ZeroDivisionError"),
    ("{% macro again(n) %}{{ again(n + 1) }}{% endmacro %}{{ again(0) }}", "calls itself without end"),
    ("{{ '%c' % 1114112 }}", "OverflowError"),
    ("{{ '{:d}'.format(title) }}", "ValueError"),
])
def test_a_template_that_raises_is_a_compose_error_naming_it(tmp_path, source, said):
    """Every door (the compose page, the API, the CLI) answers a ComposeError in words; anything else was a 500."""
    from distributor.compose import Composer
    from distributor.errors import ComposeError
    from tests.test_compose import account, article

    (tmp_path / "careless.j2").write_text(source, encoding="utf-8")
    with pytest.raises(ComposeError, match=f"template 'careless.j2': .*{said}"):
        Composer(tmp_path).compose(article("Bridge reopens"), account("dryrun", template="careless.j2"))


@pytest.mark.parametrize("shape", ["symlink-out", "dotfile"])
def test_a_template_cannot_include_a_file_holding_the_services_secrets(tmp_path, shape):
    """A template author who may edit templates (a git repository, say) but not the environment must not
    be able to post its secrets: a symlink to a file outside the templates (/proc/self/environ, ../.env)
    or a hidden file beside them (.env) is no template."""
    from distributor.compose import Composer
    from distributor.errors import ComposeError
    from tests.test_compose import account, article

    outside = tmp_path / "secrets.env"
    outside.write_text("DISTRIBUTOR_X_MAIN_ACCESS_TOKEN=token-that-must-stay-secret\n", encoding="utf-8")
    templates = tmp_path / "templates"
    templates.mkdir()
    if shape == "symlink-out":
        (templates / "env.j2").symlink_to(outside)
        included = "env.j2"
    else:
        (templates / ".env").write_text(outside.read_text(encoding="utf-8"), encoding="utf-8")
        included = ".env"
    (templates / "leak.j2").write_text(f'{{% include "{included}" %}} {{{{ title }}}}', encoding="utf-8")
    (templates / "parts.j2").write_text('{% include "signature.j2" %} {{ title }}', encoding="utf-8")
    (templates / "signature.j2").write_text("From the desk:", encoding="utf-8")
    with pytest.raises(ComposeError) as refused:
        Composer(templates).compose(article("Bridge reopens"), account("dryrun", template="leak.j2"))
    assert "token-that-must-stay-secret" not in str(refused.value)
    post = Composer(templates).compose(article("Bridge reopens"), account("dryrun", template="parts.j2"))
    assert post.text.startswith("From the desk: Bridge reopens")  # an ordinary include still works


@pytest.mark.parametrize("broken, said", [
    ("NEW {{ title } {{ link }}", "line 1: unexpected '}'"),  # saved half-way through an edit
    ("NEW {{ headline }} {{ link }}", "'headline' is undefined (composing a sample story)"),
    ("NEW {{ title }} {{ quote[:60] }} {{ link }}", "only a headline and a link"),
    ("", "is empty: it would compose nothing for any story"),  # caught between truncating and writing
])
def test_a_template_edited_badly_while_the_service_runs_does_not_cost_a_story(make_runtime, site, engine, tmp_path,
                                                                              caplog, broken, said):
    """Templates are read again when their file changes. A version that does not parse or compose the
    sample stories is not used: the stories go out with the version before it, the log says why once, and
    the next good version is used at once."""
    import os

    template = tmp_path / "mine.j2"
    template.write_text("OLD {{ title }} {{ link }}", encoding="utf-8")
    runtime = make_runtime([{"url": "/a"}], [{"name": "desk", "template": "mine.j2"}])
    run_cycle(runtime)
    stories = []

    def publish(title: str, slug: str) -> None:
        page(site, f"/{slug}", title)
        stories.append({"link": site.url(f"/{slug}")})
        site.pages["/a"] = feed(*reversed(stories))
        run_cycle(runtime)

    def save(text: str, seconds: int) -> None:
        template.write_text(text, encoding="utf-8")
        os.utime(template, (time.time() + seconds, time.time() + seconds))  # a new modification time

    publish("Bridge reopens", "bridge")
    save(broken, 10)
    publish("Ferry returns", "ferry")
    publish("Market moves", "market")
    save("NEW {{ title }} {{ link }}", 20)
    publish("Harbour opens", "harbour")
    assert [text.split(" http")[0] for _, text, _ in sent(engine)] == [
        "OLD Bridge reopens", "OLD Ferry returns", "OLD Market moves", "NEW Harbour opens"]
    refused = [r.getMessage() for r in caplog.records if "the edited mine.j2 template is not used" in r.getMessage()]
    assert len(refused) == 1 and said in refused[0], refused
    with Session(engine) as session:
        assert all(not a.skipped_accounts for a in session.exec(select(Article)))
