"""A page per sandbox post that looks like the platform's, and the uploaded images.

In sandbox mode the bot's "view" links point here instead of x.com or
facebook.com, where sandbox ids mean nothing.
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from distributor.platforms.specs import SPECS
from distributor.sandbox.state import SandboxState

STYLE = """
body{font-family:system-ui,sans-serif;background:#f0f2f5;margin:0;padding:2rem 1rem;color:#0f1419}
.post{max-width:560px;margin:0 auto;background:#fff;border-radius:12px;padding:1rem 1.2rem;
box-shadow:0 1px 3px rgba(0,0,0,.15)}
.who{font-weight:700}.handle{color:#536471;font-weight:400}.text{white-space:pre-wrap;margin:.6rem 0;font-size:1.05rem}
img{max-width:100%;border-radius:10px;display:block}.card{border:1px solid #cfd9de;border-radius:10px;
padding:.6rem .8rem;margin-top:.6rem;color:#536471;overflow-wrap:anywhere}
.counts{color:#536471;margin-top:.8rem;display:flex;gap:1.2rem}.badge{font-size:.8rem;color:#536471}
.twitter .who::before{content:"𝕏 ";}.facebook .who::before{content:"f ";color:#1877f2}
"""


MEDIA_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


def post_page(state: SandboxState, post_id: str) -> Response:
    post = state.get_post(post_id)
    if post is None:
        return HTMLResponse("<!doctype html><title>Not found</title><p>No such sandbox post.</p>", 404)
    counts = state.engagement(post.id)
    images = "".join(
        f'<img src="/_sandbox/media/{escape(m.id)}" alt="{escape(m.alt_text or "")}">' for m in post.media)
    card = f'<div class="card">🔗 {escape(post.link)}</div>' if post.link and not post.media else ""
    label = SPECS[post.platform].label if post.platform in SPECS else post.platform
    deleted = '<p class="badge">This post was deleted.</p>' if post.deleted else ""
    # the audience as the platform counts it: views on Meta's platforms, impressions on X
    seen = "views" if post.platform in SPECS and "views" in SPECS[post.platform].metrics else "impressions"
    parent = post.extra.get("in_reply_to")
    if parent:  # a thread's reply links to the post before it
        deleted += f'<p class="badge">Replying to <a href="/_sandbox/view/{escape(parent)}">post {escape(parent)}</a></p>'
    card += _replies(state, post) + _comments(post)
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(label)} post {escape(post.id)} (sandbox)</title><style>{STYLE}</style></head>
<body><article class="post {escape(post.platform)}">
<div class="who">{escape(post.account)} <span class="handle">· {escape(label)} sandbox · {post.created_at:%d %b %Y %H:%M} UTC</span></div>
{deleted}<div class="text">{escape(post.text)}</div>{images}{card}
<div class="counts"><span>♥ {counts.get("likes", 0)}</span><span>⟲ {counts.get("shares", 0)}</span>
<span>💬 {counts.get("comments", 0)}</span><span title="{seen}">👁 {counts.get(seen, 0)}</span></div>
<p class="badge">Sandbox post {escape(post.id)}: nothing was published on {escape(label)}.</p>
</article></body></html>"""
    return HTMLResponse(html)


def _replies(state: SandboxState, post) -> str:
    """X: the posts replying to this one (the next post of a thread)."""
    replies = [p for p in state.live_posts() if p.extra.get("in_reply_to") == post.id]
    return "".join(f'<div class="card reply">↳ <a href="/_sandbox/view/{escape(p.id)}">{escape(p.text)}</a></div>'
                   for p in replies)


def _comments(post) -> str:
    """Facebook: the comments under the post."""
    return "".join(f'<div class="card comment">💬 {escape(c.get("message", ""))}</div>'
                   for c in post.extra.get("comments", []))


def media_file(state: SandboxState, media_id: str) -> Response:
    media = state.media.get(media_id)
    if media is None or not media.content:
        return Response(b"not found", 404, media_type="text/plain")
    # shown as received, whatever a caller uploaded: an SVG (image/svg+xml) may carry a script,
    # which this policy keeps from running when someone opens the address itself
    return Response(media.content, media_type=media.mime if media.mime.startswith("image/") else "application/octet-stream",
                    headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": MEDIA_CSP})
