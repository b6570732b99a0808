"""X: 280 weighted characters, OAuth 1.0a user context (adapter: ``platforms/twitter.py``)."""

from distributor.platforms.specs.base import Capabilities, PlatformSpec, Secret, TextRule

SPEC = PlatformSpec(
    name="twitter",
    label="X",
    text=TextRule("x_weighted", 280, url_length=23, hint="counted as X does: links 23, CJK and emoji 2"),
    secrets=(
        Secret("CONSUMER_KEY", "the app's API key (developer.x.com, your app's Keys and tokens)"),
        Secret("CONSUMER_SECRET", "the app's API key secret"),
        Secret("ACCESS_TOKEN", "the posting account's access token (`distributor accounts connect NAME`)"),
        Secret("ACCESS_TOKEN_SECRET", "the posting account's access token secret"),
    ),
    adapter="distributor.platforms.twitter:TwitterAdapter",
    sandbox="distributor.sandbox.x_api",
    template="twitter.j2",
    capabilities=Capabilities(link_card=True, link_in_text=True, images=4, alt_text=True, edit=False, delete=True,
                              threads=True, idempotency=False, max_thread_posts=3),
    max_image_bytes=5 * 1024 * 1024,
    metrics_batch_size=100,
    metrics={"likes": "like_count", "shares": "retweet_count", "comments": "reply_count",
             "impressions": "impression_count"},
    # USD per unit as documented on 2026-02-06 (docs.x.com, "X API pay-per-usage pricing"); prices change:
    # override any line in [costs.twitter]. Writes are per request, reads per resource returned.
    # Media upload has no documented price line: 0 until X lists one.
    prices={
        "content_create": 0.015,
        "content_create_with_url": 0.200,
        "content_delete": 0.010,
        "content_manage": 0.005,
        "posts_read": 0.005,
        "user_read": 0.010,
        "media_read": 0.005,
        "analytics_read": 0.005,
        "media_upload": 0.0,
    },
    setup="An app on developer.x.com with Read and Write permission; its API key and secret, and the "
          "posting account's access token and secret (OAuth 1.0a user context, `distributor accounts connect`).",
)
