"""Quote card render time against the floor: decoding and re-encoding the lead image alone.

    python benchmarks/cards.py [--runs 20]

A card over a photo cannot cost less than decoding that photo and encoding a
picture of the same size, so that is the baseline, measured in the same run
on the same image (the seed article's lead photo). Each card is rendered
``--runs`` times after one warm-up (fonts loaded, as in a running service);
the median is printed with its ratio to the floor. A stored card found again
(the cache, a content-hash lookup) is timed too. The issue's target: the seed
article's card in under 200 ms.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from distributor.cards import CardMaker, CardSource  # noqa: E402
from distributor.cards.render import CardStyle, CardText, open_photo, render_card  # noqa: E402
from distributor.config import Settings  # noqa: E402

PHOTO = (ROOT / "tests" / "fixtures" / "seed" / "aleppo-children.jpg").read_bytes()
SIZE = (1200, 675)
CARDS = {
    "seed, over its photo": (CardText("I think everybody’s patience with Russia has run out", "Josh Earnest",
                                      "U.S. Breaks Off Syria Ceasefire Talks With Russia", "Hypeline"), True),
    "200 characters, plain": (CardText(
        "We will rebuild every school and every clinic that the floods took from this valley, and we will do it "
        "with the people who live here, not for them, because they know best what they lost.",
        "Governor Amara Okafor", "Flood recovery plan promises new schools", "The Valley Courier"), False),
    "Arabic, plain": (CardText("سنواصل المفاوضات حتى النهاية، لأن السلام هو الطريق الوحيد لشعبنا", "وزير الخارجية",
                               "محادثات السلام تستأنف في جنيف", "الجريدة"), False),
    "Japanese, plain": (CardText("私たちは、平和のために最後まで交渉を続けます。市民の安全が何よりも大切です。",
                                 "外務大臣", "和平交渉、ジュネーブで再開", "東京新聞"), False),
}


def median_ms(function, runs: int) -> float:
    function()  # warm-up: fonts and codecs loaded
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def floor() -> None:
    """Decode the lead photo and encode a JPEG of the card's size: what any card over it must do."""
    image = Image.open(io.BytesIO(PHOTO)).convert("RGB")
    if image.size != SIZE:
        image = image.resize(SIZE)
    image.save(io.BytesIO(), "JPEG", quality=90, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    base = median_ms(floor, args.runs)
    print(f"floor: decode + re-encode the {SIZE[0]}x{SIZE[1]} lead photo   {base:7.1f} ms")
    for name, (text, over_photo) in CARDS.items():
        def render(text=text, over_photo=over_photo):
            photo = open_photo(PHOTO, SIZE) if over_photo else None
            render_card(text, CardStyle(), size=SIZE, photo=photo)
        took = median_ms(render, args.runs)
        print(f"card: {name:<24} {took:7.1f} ms   {took / base:5.1f}x the floor")

    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(config_dir=directory, accounts=[{"name": "x", "platform": "twitter"}])
        maker = CardMaker(settings)
        source = CardSource("I think everybody’s patience with Russia has run out", "Josh Earnest",
                            "U.S. Breaks Off Syria Ceasefire Talks With Russia", "Hypeline", None)
        account = settings.account("x")
        cached = median_ms(lambda: maker.card(source, account), args.runs)
    print(f"stored card found again (cache hit)            {cached:7.1f} ms   {cached / base:5.2f}x the floor")


if __name__ == "__main__":
    main()
