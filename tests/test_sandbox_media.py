"""The sandbox shows uploaded media at /_sandbox/media/<id> as it received them: an "image" that
is an SVG (or HTML) carrying a script must not run it when someone opens that address."""

from __future__ import annotations

import base64

import requests

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'


def test_an_uploaded_svg_with_a_script_is_served_inert(sandbox):
    upload = requests.post(f"{sandbox}/2/media/upload", headers={"Authorization": "Bearer t"}, timeout=10,
                           data={"media_type": "image/svg+xml", "media": base64.b64encode(SVG).decode()})
    assert upload.status_code == 200, upload.text
    media = requests.get(f"{sandbox}/_sandbox/media/{upload.json()['data']['id']}", timeout=10)
    assert media.content == SVG  # shown as it was received ...
    policy = media.headers.get("content-security-policy", "")
    assert "default-src 'none'" in policy and "sandbox" in policy  # ... but nothing in it runs
    assert media.headers.get("x-content-type-options") == "nosniff"
