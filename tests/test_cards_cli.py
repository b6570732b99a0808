"""`distributor card SOURCE --out FILE`: the seed article's card from its URL or a local file."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from PIL import Image, ImageChops, ImageStat

from distributor.cards.render import CardText, open_photo, render_card
from distributor.extract import extract_page
from tests.newsroom import SEED, NewsSite

_SEED = extract_page((SEED / "article.html").read_bytes(), url="https://hypeline.example/", source="seed")


def cli(*args, config=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTRIBUTOR_")}
    command = [sys.executable, "-m", "distributor"] + (["--config", str(config)] if config else []) + list(args)
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)


def _grey(image: Image.Image) -> Image.Image:
    return image.convert("L").resize((160, 90), Image.Resampling.BOX)


def test_card_from_the_seed_url_is_drawn_over_its_photo(tmp_path):
    config = tmp_path / "distributor.toml"
    config.write_text('[fetch]\nallow_private_networks = true\n[cards]\nsite_name = "Hypeline"\n')
    out = tmp_path / "card.jpg"
    with NewsSite() as site:
        result = cli("card", site.article_url, "--out", str(out), config=config)
    assert result.returncode == 0, result.stderr
    assert _SEED.pull_quote.speaker in result.stdout and str(out) in result.stdout
    card = Image.open(io.BytesIO(out.read_bytes()))
    assert card.format == "JPEG" and card.size == (1200, 675)
    # the same card as the renderer draws the seed's quote over the seed's photo (the goldens pin that one)
    expected = render_card(CardText(_SEED.pull_quote.text, _SEED.pull_quote.speaker, _SEED.title, "Hypeline"),
                           photo=open_photo((SEED / "aleppo-children.jpg").read_bytes(), (1200, 675)))
    expected = Image.open(io.BytesIO(expected.content))
    assert ImageStat.Stat(ImageChops.difference(_grey(card), _grey(expected))).mean[0] < 2
    plain = Image.new("RGB", (1200, 675), (19, 35, 58))
    assert ImageStat.Stat(ImageChops.difference(_grey(card), _grey(plain))).mean[0] > 10  # the photo is there


def test_card_from_a_local_file_for_a_facebook_account(tmp_path):
    config = tmp_path / "distributor.toml"
    config.write_text('[[accounts]]\nname = "fb"\nplatform = "facebook"\npage_id = "1"\n'
                      'cards = { background = "#7a0019" }\n')
    out = tmp_path / "card.png"
    result = cli("card", str(SEED / "article.html"), "--out", str(out), "--account", "fb", "--no-photo",
                 config=config)
    assert result.returncode == 0, result.stderr
    card = Image.open(out).convert("RGB")
    assert card.size == (1200, 630)
    assert card.getpixel((1100, 40)) == (0x7A, 0x00, 0x19)  # the account's own background colour


def test_card_errors_are_one_line(tmp_path):
    page = tmp_path / "plain.html"
    page.write_text("<html><head><title>Library hours</title></head><body><p>Open late on Fridays.</p></body></html>")
    cases = [
        (["card", str(page), "--out", str(tmp_path / "a.png")], "no pull quote"),
        (["card", str(SEED / "article.html"), "--out", str(tmp_path / "a.gif")], ".png or .jpg"),
        (["card", str(tmp_path / "missing.html"), "--out", str(tmp_path / "a.png")], "no such file"),
        (["card", str(SEED / "article.html"), "--out", str(tmp_path / "a.png"), "--photo", "nope.jpg"],
         "no such file"),
    ]
    for args, message in cases:
        result = cli(*args, config=None)
        assert result.returncode == 1, (args, result.stdout)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "a.png").exists()
