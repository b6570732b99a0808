"""Facebook Pages through the Graph API (adapter: ``platforms/facebook.py``)."""

from typing import Mapping

from distributor.platforms.specs.base import AccountField, Capabilities, PlatformSpec, Secret, TextRule


def _post_type(values: Mapping[str, object]) -> list[str]:
    if values.get("post_type", "link") not in ("link", "photo"):
        return [f"facebook account {values.get('name')!r}: post_type is link or photo"]
    return []


SPEC = PlatformSpec(
    name="facebook",
    label="Facebook",
    text=TextRule("characters", 63_206),
    secrets=(Secret("PAGE_ACCESS_TOKEN", "a Page access token (`distributor accounts connect NAME`, "
                                         "or Graph API Explorer: GET /me/accounts)"),),
    adapter="distributor.platforms.facebook:FacebookAdapter",
    sandbox="distributor.sandbox.graph_api",
    template="facebook.j2",
    # several photos: each uploaded unpublished, then one feed post with attached_media (Graph API, "Publish
    # a multi-photo post"); 10 is the most the Page composer offers, a safe bound for the API
    capabilities=Capabilities(link_card=True, link_in_text=False, images=10, alt_text=True, edit=True, delete=True,
                              threads=False, idempotency=False, first_comment=True),
    account_fields=(AccountField("page_id", required=True, help="the Facebook Page id"),
                    AccountField("post_type", help="link (a link post with its card) or photo")),
    max_image_bytes=10 * 1024 * 1024,
    metrics_batch_size=50,
    # insights names are configuration ([engagement].facebook_insights_metrics): Meta renames them
    metrics={"likes": "reactions", "comments": "comments", "shares": "shares",
             "views": "post_media_view", "clicks": "post_clicks"},  # Meta replaced impressions by views (2025-11-15)
    prices={"graph_call": 0.0},  # Graph API calls are free; they count against rate limits only (recorded at 0)
    validate=_post_type,
    setup="A Meta app with the permissions pages_manage_posts, pages_read_engagement and pages_show_list; a Page "
          "access token derived from a long-lived user token (`distributor accounts connect NAME`).",
)

# the [engagement] key that names this platform's insights metrics
METRICS_SETTING = "facebook_insights_metrics"
