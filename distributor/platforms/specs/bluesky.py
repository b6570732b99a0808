"""Bluesky (AT Protocol) through the ``atproto`` SDK (adapter: ``platforms/bluesky.py``)."""

from distributor.platforms.specs.base import AccountField, Capabilities, PlatformSpec, Secret, TextRule

SPEC = PlatformSpec(
    name="bluesky",
    label="Bluesky",
    text=TextRule("graphemes", 300, url_length=None, max_bytes=3000,
                  hint="counted as Bluesky does: graphemes, links as written"),
    secrets=(Secret("APP_PASSWORD", "an app password (bsky.app: Settings, Privacy and security, App passwords)"),),
    adapter="distributor.platforms.bluesky:BlueskyAdapter",
    sandbox="distributor.sandbox.bluesky_api",
    template="bluesky.j2",
    capabilities=Capabilities(link_card=True, link_in_text=True, images=4, alt_text=True, edit=False, delete=True,
                              threads=True, idempotency=True, image_in_card=True),
    account_fields=(AccountField("handle", required=True, help="the account's handle, e.g. newsroom.bsky.social"),),
    max_image_bytes=1_000_000,  # the PDS refuses blobs over about 1 MB for images and thumbnails
    metrics_batch_size=25,  # app.bsky.feed.getPosts takes up to 25 URIs
    metrics={"likes": "likeCount", "shares": "repostCount", "comments": "replyCount", "quotes": "quoteCount"},
    prices={},
    setup="An app password (Settings, Privacy and security, App passwords) for the account named by `handle`; "
          "`api_base_url` is its PDS (default https://bsky.social). The app password can post and read; it "
          "cannot change the account's settings.",
)
