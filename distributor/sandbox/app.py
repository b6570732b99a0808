"""The sandbox ASGI app: fake X and Graph APIs on one port, plus ``/_sandbox/*``.

Every API request is counted under its route key, optionally delayed, and may
meet a fault (queued by a test, or drawn at random from ``fail_rate``) before
or after the real handler runs. See ``faults.py`` for the kinds.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from distributor.sandbox.faults import FaultBook, parse_fault
from distributor.sandbox.bluesky_api import BlueskyApi
from distributor.sandbox.graph_api import GraphApi
from distributor.sandbox.mastodon_api import MastodonApi
from distributor.sandbox.threads_api import ThreadsApi
from distributor.sandbox.state import METRIC_NAMES, Post, SandboxState, utcnow
from distributor.sandbox.wire import Answer, DroppedResponse, json_response
from distributor.sandbox import views
from distributor.sandbox.oauth import OAuthFlows
from distributor.sandbox.x_api import XApi

Handler = Callable[[Request], Awaitable[Response]]


class Sandbox:
    """State, faults and the two fake platforms, shared by all requests."""

    def __init__(self, delay_ms: float = 0, fail_rate: float = 0.0, seed: int = 0):
        self.delay_ms = delay_ms
        self.state = SandboxState(seed)
        self.faults = FaultBook(fail_rate, seed)
        self.x = XApi(self.state)
        self.graph = GraphApi(self.state, self.faults)
        self.oauth = OAuthFlows()
        # one module per platform of the registry (X and Graph above keep their own wiring)
        self.apis: dict[str, Any] = {"bluesky": BlueskyApi(self.state), "mastodon": MastodonApi(self.state),
                                     "threads": ThreadsApi(self.state)}

    async def handle(self, request: Request, key: str, api: Any, handler: Handler) -> Response:
        self.state.count(key)
        if self.delay_ms:
            await asyncio.sleep(self.delay_ms / 1000)
        fault = self.faults.take(key, f"{request.method} {request.url.path}")
        if fault is not None and fault.kind not in ("drop_after", "timeout"):
            return api.fault_response(fault, request, key)
        if fault is not None and fault.kind == "timeout":
            await request.body()  # read it while the client still waits: it hangs up before we answer
            await asyncio.sleep(fault.seconds)
        try:
            response = await handler(request)
        except Answer as answer:
            response = answer.response
        if fault is not None and fault.kind == "drop_after":
            return DroppedResponse()  # the work is done, the answer is lost
        return response

    # inspection ------------------------------------------------------------------
    async def list_posts(self, request: Request) -> Response:
        platform = request.query_params.get("platform")
        posts = [p.public() for p in self.state.live_posts() if platform in (None, p.platform)]
        return json_response(posts)

    async def seed_posts(self, request: Request) -> Response:
        """Create posts directly (e.g. 250 for a metrics test) without the API's limits."""
        spec = await _json(request)
        platform = spec.get("platform")
        if platform not in ("twitter", "facebook", *self.apis):
            return json_response({"error": f"platform is one of twitter, facebook, {', '.join(self.apis)}"}, 400)
        ids = []
        for n in range(int(spec.get("count", 1))):
            text = spec.get("text", "Sandbox post") + (f" #{n}" if spec.get("count", 1) > 1 else "")
            if platform in self.apis:
                post_id = self.apis[platform].seed_id(str(spec.get("account", "")))
            else:
                post_id = self.state.tweet_id() if platform == "twitter" else \
                    f"{spec.get('account', '0')}_{self.state.graph_id()}"
            self.state.add_post(Post(platform, str(spec.get("account", "")), post_id, text, spec.get("link"),
                                     utcnow(), author_id=spec.get("author_id")))
            ids.append(post_id)
        return json_response({"ids": ids}, 201)

    async def delete_post(self, request: Request) -> Response:
        deleted = self.state.delete_post(request.path_params["id"])
        return json_response({"deleted": deleted}, 200 if deleted else 404)

    async def stats(self, request: Request) -> Response:
        return json_response(self.state.stats())

    async def reset(self, request: Request) -> Response:
        self.state.reset()
        self.faults.clear()
        self.x.reset()
        self.graph.reset()
        self.oauth.reset()
        for api in self.apis.values():
            api.reset()
        return json_response({"reset": True})

    async def set_metrics(self, request: Request) -> Response:
        spec = await _json(request)
        items = spec if isinstance(spec, list) else [spec]
        updates = []
        for item in items:  # all checked before any is applied: a refused request changes nothing
            if not isinstance(item, dict):
                return json_response({"error": "each item is a JSON object with an id"}, 400)
            post_id = str(item.get("id", ""))
            if self.state.get_post(post_id) is None:
                return json_response({"error": f"no post {post_id!r}"}, 404)
            values = {k: item[k] for k in METRIC_NAMES if k in item}
            odd = [k for k, v in values.items() if not isinstance(v, int) or isinstance(v, bool)]
            if odd:
                return json_response({"error": f"{', '.join(odd)} of post {post_id!r} must be whole numbers"}, 400)
            updates.append((post_id, values))
        for post_id, values in updates:
            self.state.set_metrics(post_id, values)
        return json_response({"updated": len(items)})

    async def queue_faults(self, request: Request) -> Response:
        spec = await _json(request)
        try:
            faults = [parse_fault(item) for item in (spec if isinstance(spec, list) else [spec])]
        except (ValueError, TypeError) as exc:
            return json_response({"error": str(exc)}, 400)
        for fault in faults:
            self.faults.queue(fault)
        return json_response({"queued": self.faults.pending()}, 201)

    async def costs(self, request: Request) -> Response:
        """What the calls so far would have cost on the platforms' price lists (Graph calls are free)."""
        return json_response(self.x.cost_report())

    async def set_limits(self, request: Request) -> Response:
        spec = await _json(request)
        if not isinstance(spec, dict):
            return json_response({"error": "send an object such as {\"user_posts_24h\": 3}"}, 400)
        try:
            return json_response(self.x.set_caps(spec))
        except (TypeError, ValueError) as exc:
            return json_response({"error": f"limits must be whole numbers ({exc})"}, 400)

    async def configure(self, request: Request) -> Response:
        """Change one fake platform's own settings (a Mastodon instance's limits, Bluesky's token lifetime)."""
        api = self.apis.get(request.path_params["platform"])
        if api is None or not hasattr(api, "configure"):
            return json_response({"error": "no settings for that platform"}, 404)
        try:
            return json_response(api.configure(await _json(request)))
        except (ValueError, TypeError) as exc:
            return json_response({"error": str(exc)}, 400)

    async def list_faults(self, request: Request) -> Response:
        return json_response({"queued": self.faults.pending()})


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return {}


def create_app(delay_ms: float = 0, fail_rate: float = 0.0, seed: int = 0) -> Starlette:
    """The ASGI app; ``app.state.sandbox`` gives in-process access to the state."""
    sandbox = Sandbox(delay_ms, fail_rate, seed)

    def api_route(method: str, path: str, key: str, api: Any, handler: Handler) -> Route:
        async def endpoint(request: Request) -> Response:
            return await sandbox.handle(request, key, api, handler)
        return Route(path, endpoint, methods=[method], name=key)

    async def graph_endpoint(request: Request) -> Response:
        key = GraphApi.key_for(request.method, request.url.path)
        return await sandbox.handle(request, key, sandbox.graph, sandbox.graph.endpoint)

    routes = [
        Route("/_sandbox/posts", sandbox.list_posts, methods=["GET"]),
        Route("/_sandbox/posts", sandbox.seed_posts, methods=["POST"]),
        Route("/_sandbox/posts/{id:path}", sandbox.delete_post, methods=["DELETE"]),
        Route("/_sandbox/stats", sandbox.stats, methods=["GET"]),
        Route("/_sandbox/reset", sandbox.reset, methods=["POST"]),
        Route("/_sandbox/metrics", sandbox.set_metrics, methods=["POST"]),
        Route("/_sandbox/faults", sandbox.queue_faults, methods=["POST"]),
        Route("/_sandbox/faults", sandbox.list_faults, methods=["GET"]),
        Route("/_sandbox/costs", sandbox.costs, methods=["GET"]),
        Route("/_sandbox/limits", sandbox.set_limits, methods=["POST"]),
        Route("/_sandbox/settings/{platform}", sandbox.configure, methods=["POST"]),
        Route("/_sandbox/view/{id:path}", lambda r: views.post_page(sandbox.state, r.path_params["id"]), methods=["GET"]),
        Route("/_sandbox/media/{id}", lambda r: views.media_file(sandbox.state, r.path_params["id"]), methods=["GET"]),
        *sandbox.oauth.routes(),
        *(api_route(method, path, key, sandbox.x, handler) for method, path, key, handler in sandbox.x.routes()),
        # Rails (Mastodon) answers a path with a trailing slash too, and Mastodon.py sends some that way
        *(api_route(method, route_path, key, api, handler)
          for api in sandbox.apis.values() for method, path, key, handler in api.routes()
          for route_path in (path, path + "/")),
        Route("/{path:path}", graph_endpoint, methods=["GET", "POST", "DELETE"]),
    ]
    app = Starlette(routes=routes)
    app.state.sandbox = sandbox
    return app
