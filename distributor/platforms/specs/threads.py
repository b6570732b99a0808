"""Threads through the Threads Graph API (adapter: ``platforms/threads.py``)."""

from distributor.platforms.specs.base import AccountField, Capabilities, PlatformSpec, Secret, TextRule

SPEC = PlatformSpec(
    name="threads",
    label="Threads",
    text=TextRule("emoji_bytes", 500, url_length=None,
                  hint="counted as Threads does: links as written, an emoji as its UTF-8 bytes"),
    secrets=(Secret("ACCESS_TOKEN", "a long-lived Threads user access token (Meta app with the Threads API)"),),
    adapter="distributor.platforms.threads:ThreadsAdapter",
    sandbox="distributor.sandbox.threads_api",
    template="threads.j2",
    capabilities=Capabilities(link_card=True, link_in_text=True, images=1, alt_text=True, edit=False, delete=True,
                              threads=True, idempotency=False),
    account_fields=(AccountField("user_id", required=True, help="the Threads user id (GET /me on graph.threads.net)"),),
    max_image_bytes=8 * 1024 * 1024,  # Meta fetches the image from its public URL
    metrics_batch_size=1,  # insights are read one post per call
    metrics={"views": "views", "likes": "likes", "comments": "replies", "shares": "reposts",
             "quotes": "quotes"},
    prices={},
    setup="A Meta app with the Threads use case and the permissions threads_basic, threads_content_publish and "
          "threads_manage_insights; a long-lived user access token (60 days, refresh it) and the user id. Images "
          "must be at a public URL: Meta fetches them.",
)

# Meta's cap on API-published posts per profile per rolling 24 hours
POSTS_PER_24_HOURS = 250
