"""Cards are rendered once per article and account style, and a post's card reference reads only cards."""

from __future__ import annotations

import dataclasses
import hashlib
import re

import pytest

from distributor.cards import CardMaker, CardSource, choose_picture, read_card
from distributor.cards.store import CardStore
from distributor.config import Settings
from distributor.platforms.images import load_image

SOURCE = CardSource("Nobody should have to choose between heat and food this winter.", "Dr. Lena Marsh",
                    "Winter fuel support to double", "The Harbour Gazette", None)


def _settings(tmp_path, **cards) -> Settings:
    return Settings(config_dir=str(tmp_path), cards={"cache_dir": "store", **cards}, accounts=[
        {"name": "x", "platform": "twitter"},
        {"name": "x-red", "platform": "twitter", "cards": {"background": "#aa0000"}},
        {"name": "fb", "platform": "facebook", "page_id": "1"},
    ])


def _files(tmp_path):
    return sorted(p.name for p in (tmp_path / "store").iterdir() if p.is_file())


def test_a_card_is_rendered_once_per_article_and_style(tmp_path):
    settings = _settings(tmp_path)
    maker = CardMaker(settings)
    first = maker.card(SOURCE, settings.account("x"))
    stamp = first.stored.path.stat().st_mtime_ns
    again = CardMaker(settings).card(SOURCE, settings.account("x"))  # another process, same store
    assert again.reference == first.reference and first.stored.path.stat().st_mtime_ns == stamp
    assert len(_files(tmp_path)) == 1

    red = maker.card(SOURCE, settings.account("x-red"))  # another style: another card
    facebook = maker.card(SOURCE, settings.account("fb"))  # another size: another card
    edited = maker.card(dataclasses.replace(SOURCE, quote=SOURCE.quote + " Really."), settings.account("x"))
    assert len({first.reference, red.reference, facebook.reference, edited.reference}) == 4
    assert len(_files(tmp_path)) == 4


def test_the_alt_text_is_the_quote_its_speaker_and_the_headline(tmp_path):
    settings = _settings(tmp_path)
    card = CardMaker(settings).card(SOURCE, settings.account("x"))
    assert card.alt == ("Quote card: “Nobody should have to choose between heat and food this winter.” "
                        "— Dr. Lena Marsh. Winter fuel support to double")


def test_an_adapter_reads_the_card_file_of_a_reference(tmp_path):
    settings = _settings(tmp_path)
    card = CardMaker(settings).card(SOURCE, settings.account("x"))
    image, note = load_image(None, card.reference, 5 * 1024 * 1024)  # no fetcher: nothing is fetched
    assert note is None and image.mime == "image/png"
    assert hashlib.sha256(image.content).hexdigest() == card.stored.path.stem
    image, note = load_image(None, card.reference, 1000)
    assert image is None and "limit" in note


@pytest.mark.parametrize("reference, why", [
    ("card:/etc/passwd", "not a card file"),
    ("card:/tmp/" + "0" * 64 + ".png", "not in the card directory"),
])
def test_a_reference_to_anything_but_a_stored_card_is_refused(reference, why):
    content, _mime, note = read_card(reference, 5 * 1024 * 1024)
    assert content is None and why in note


def test_a_card_file_changed_on_disk_is_not_uploaded(tmp_path):
    settings = _settings(tmp_path)
    card = CardMaker(settings).card(SOURCE, settings.account("x"))
    card.stored.path.write_bytes(b"\x89PNG\r\n\x1a\nsomething else")
    content, _mime, note = read_card(card.reference, 5 * 1024 * 1024)
    assert content is None and "changed on disk" in note


def test_a_lost_index_entry_renders_again(tmp_path):
    settings = _settings(tmp_path)
    card = CardMaker(settings).card(SOURCE, settings.account("x"))
    for entry in (tmp_path / "store" / "index").iterdir():
        entry.write_text("../../etc/passwd")
    assert CardStore(tmp_path / "store").get("anything") is None
    again = CardMaker(settings).card(SOURCE, settings.account("x"))
    assert again.reference == card.reference  # same pixels, same content name


# The decision, as a table: (mode, has quote, has photo, photo usable, editor) -> picture
@pytest.mark.parametrize("mode, quote, photo, usable, editor, expected", [
    ("lead", True, True, None, None, "lead"),
    ("lead", True, False, None, None, "none"),
    ("quote_card", True, True, None, None, "card"),
    ("quote_card", False, True, None, None, "lead"),
    ("quote_card", False, False, None, None, "none"),
    ("auto", True, True, True, None, "lead"),
    ("auto", True, True, False, None, "card"),  # a photo that cannot be used
    ("auto", True, False, None, None, "card"),  # no photo at all
    ("auto", False, False, None, None, "none"),
    ("auto", False, True, False, None, "lead"),  # no quote: the photo anyway (the adapter notes why it failed)
    ("lead", True, True, None, "card", "card"),  # the editor's pick wins ...
    ("quote_card", True, True, None, "lead", "lead"),
    ("auto", True, True, True, "none", "none"),
    ("lead", False, True, None, "card", "lead"),  # ... when it can be had: no quote, no card
])
def test_which_picture_a_post_gets(mode, quote, photo, usable, editor, expected):
    assert choose_picture(mode, has_quote=quote, has_photo=photo, photo_usable=usable, editor=editor) == expected


def test_a_post_takes_a_card_reference_only_in_its_stored_form(session, tmp_path):
    from distributor import posts
    from distributor.posts import BadLink

    settings = _settings(tmp_path)
    card = CardMaker(settings).card(SOURCE, settings.account("x"))
    post = posts.create_post(session, settings.account("x"), text="With a card", image_url=card.reference)
    assert post.image_url == card.reference
    for bad in ("card:/etc/passwd", "card:relative/" + "0" * 64 + ".png", "file:///etc/passwd"):
        with pytest.raises(BadLink):
            posts.create_post(session, settings.account("x"), text="Nope", image_url=bad)


@pytest.mark.parametrize("body, message", [
    ('[cards]\naccent = "blurple"\n', "cards.accent: 'blurple' is not a colour"),
    ('[[accounts]]\nname = "x"\nplatform = "twitter"\ncards = { darken = 5 }\n', "accounts.0.cards.darken"),
    ('[[accounts]]\nname = "x"\nplatform = "twitter"\ncards = { acent = "red" }\n', "accounts.0.cards.acent"),
    ('[[accounts]]\nname = "x"\nplatform = "twitter"\nimage = "card"\n', "accounts.0.image"),
])
def test_bad_card_settings_are_named_when_the_file_is_read(tmp_path, body, message):
    from distributor.config import load_settings
    from distributor.errors import ConfigError

    file = tmp_path / "distributor.toml"
    file.write_text(body)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(file)


def test_an_account_changes_only_the_card_keys_it_names(tmp_path):
    settings = _settings(tmp_path, accent="#00ff00")
    mine = settings.card_settings(settings.account("x-red"))
    assert (mine.background, mine.accent, mine.cache_dir) == ("#aa0000", "#00ff00", "store")
