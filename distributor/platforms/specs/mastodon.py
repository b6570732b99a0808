"""Mastodon (any instance) through Mastodon.py (adapter: ``platforms/mastodon.py``)."""

from distributor.platforms.specs.base import AccountField, Capabilities, PlatformSpec, Secret, TextRule

SPEC = PlatformSpec(
    name="mastodon",
    label="Mastodon",
    # the defaults of a stock instance; the adapter reads the instance's own from /api/v2/instance
    text=TextRule("characters", 500, url_length=23, hint="counted as Mastodon does: links 23"),
    secrets=(Secret("ACCESS_TOKEN", "an access token (the instance's Preferences, Development, New application)"),),
    adapter="distributor.platforms.mastodon:MastodonAdapter",
    sandbox="distributor.sandbox.mastodon_api",
    template="mastodon.j2",
    capabilities=Capabilities(link_card=True, link_in_text=True, images=4, alt_text=True, edit=True, delete=True,
                              threads=True, idempotency=True),
    account_fields=(AccountField("api_base_url", required=True, help="the instance, e.g. https://mastodon.example"),
                    AccountField("max_characters", help="the instance's limit if it is not 500 "
                                                         "(the adapter also reads it from the instance)")),
    max_image_bytes=10 * 1024 * 1024,  # before Mastodon 4.2; the adapter reads the instance's image_size_limit
    metrics_batch_size=40,  # GET /api/v1/statuses?id[]= (Mastodon 4.3+)
    metrics={"likes": "favourites_count", "shares": "reblogs_count", "comments": "replies_count"},
    prices={},
    setup="On the instance: Preferences, Development, New application with the scopes write:statuses, "
          "write:media and read:statuses; its access token. `api_base_url` is the instance's address.",
)
