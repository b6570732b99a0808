"""More sample stories for the demo site, so it keeps publishing for the whole run.

Written for the demo (fictional town, fictional people); each becomes a full
article page with a headline, a lead photo with its caption, tags and quotes
from a named person, as a newsroom CMS would publish it. After the last one,
the site starts again with follow-ups ("Update 2: ...") so a long demo never
runs dry.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Story:
    slug: str
    headline: str
    section: str
    tags: tuple[str, ...]
    image: str
    caption: str
    lead: str
    quote: str
    speaker: str
    role: str
    closing: str


STORIES = (
    Story("market-square-reopens", "Market Square Reopens After Two-Year Rebuild", "Local", ("Business", "City Council"),
          "market-square.jpg", "Stallholders set up on the rebuilt Market Square on Saturday morning.",
          "Forty stalls returned to Market Square on Saturday, two years after the old paving was torn up.",
          "We waited two winters for this. Today the square finally sounds like a market again.",
          "Lena Haddad", "market association chair",
          "The council said the work came in under budget."),
    Story("river-level-warning", "River Level Warning Issued for Lower Town", "Weather", ("Flooding", "Emergency"),
          "river-flood.jpg", "The river close to the top of the Lower Town embankment on Monday.",
          "Residents of Lower Town were told to move cars off riverside streets after two days of heavy rain.",
          "The water is rising faster than we expected, so please take this warning seriously tonight.",
          "Tomas Berg", "emergency coordinator",
          "Sandbags are available at the fire station until midnight."),
    Story("school-robotics-final", "Northside Pupils Reach National Robotics Final", "Education", ("Schools", "Science"),
          "school-robotics.jpg", "The Northside team with the robot that won the regional round.",
          "A team of six pupils from Northside School will compete in the national robotics final next month.",
          "Our robot fell over twice in practice, but it never fell over when it counted.",
          "Priya Nair", "team captain",
          "The final is held in the capital on the 14th."),
    Story("library-late-nights", "Central Library Adds Late Opening for Exam Season", "Local", ("Libraries", "Education"),
          "library-sunday.jpg", "Students at the central library's reading room.",
          "The central library will stay open until 10 p.m. on weekdays for the six weeks of exams.",
          "Students told us they had nowhere quiet to work at night, so we listened.",
          "Marco Bellini", "head librarian",
          "Extra staff have been hired for the evening shifts."),
    Story("harbour-ferry-figures", "Late Ferry Carried 12,000 Passengers in Its First Month", "Local", ("Transport",),
          "harbour-ferry.jpg", "The late ferry leaving the north pier on a Friday night.",
          "The late-night harbour ferry carried more than 12,000 passengers in its first month, the council said.",
          "These numbers are better than our most hopeful forecast, and people feel safer getting home.",
          "Amara Okafor", "councillor",
          "A decision on making the service permanent is due in June."),
    Story("bridge-repairs-start", "Old Bridge Closes for Three Weeks of Repairs", "Local", ("Transport", "Roads"),
          "syria-atlas.jpg", "Engineers inspect the Old Bridge before the repairs start.",
          "The Old Bridge will close to cars from Monday while engineers replace its worn expansion joints.",
          "Three weeks of detours is a nuisance, but it buys the bridge another thirty years.",
          "Ines Duarte", "city engineer",
          "Pedestrians and cyclists can still cross on the west footway."),
)


def story_for(number: int) -> tuple[Story, int]:
    """The story published ``number``-th among the generated ones (0-based) and its round (1, 2, ...)."""
    return STORIES[number % len(STORIES)], number // len(STORIES) + 1


def story_path(number: int) -> str:
    story, round_ = story_for(number)
    suffix = "" if round_ == 1 else f"-update-{round_}"
    return f"/2026/12/01/{story.slug}{suffix}/"


def story_html(number: int, base: str) -> str:
    story, round_ = story_for(number)
    headline = story.headline if round_ == 1 else f"Update {round_}: {story.headline}"
    url = base + story_path(number)
    image = f"{base}/wp-content/uploads/2026/12/{story.image}"
    tags = "\n".join(f'<meta property="article:tag" content="{escape(t)}">' for t in story.tags)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(headline)} | HYPELINE</title>
<link rel="canonical" href="{url}">
<meta property="og:title" content="{escape(headline)}">
<meta property="og:url" content="{url}">
<meta property="og:image" content="{image}">
<meta property="og:image:alt" content="{escape(story.caption)}">
<meta property="article:section" content="{escape(story.section)}">
{tags}
</head>
<body>
<header><nav><a href="/">Home</a></nav></header>
<article>
<h1>{escape(headline)}</h1>
<figure><img src="{image}" alt="{escape(story.caption)}" width="1200" height="675">
<figcaption>{escape(story.caption)}</figcaption></figure>
<p>{escape(story.lead)}</p>
<p>“{escape(story.quote.rstrip("."))},” said {escape(story.role)} {escape(story.speaker)}.</p>
<p>{escape(story.closing)}</p>
</article>
<footer>Sign up for our newsletter. © HYPELINE</footer>
</body></html>
"""
