"""Rendered cards on disk: rendered once per article and style, found again by a content hash.

Two names per card. The *key* hashes everything that decides the picture
(the words, the style, the photo's URL, the size, the renderer's version), so
the same article and account style find their card without rendering again.
The *file* is named by the SHA-256 of its bytes, and a post refers to it as
``card:<absolute path>``: the adapters read that file and nothing else, since
a reference whose name is not the hash of the bytes it points at is refused.
So a reference typed into the API cannot make us upload an arbitrary file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

CARD_SCHEME = "card:"
RENDERER_VERSION = 1  # bump when the drawing changes, so old cards are not reused
_FILE_NAME = re.compile(r"[0-9a-f]{64}\.(png|jpg)")
_MIMES = {"png": "image/png", "jpg": "image/jpeg"}


@dataclass(frozen=True)
class StoredCard:
    path: Path
    mime: str

    @property
    def reference(self) -> str:
        """What a post's ``image_url`` holds."""
        return CARD_SCHEME + str(self.path)


def is_card_reference(url: str | None) -> bool:
    return bool(url) and url.startswith(CARD_SCHEME)


def is_well_formed_card_reference(url: str | None) -> bool:
    """``card:/absolute/path/<sha256>.png|jpg``: the only form a post may carry (checked when it is made)."""
    if not is_card_reference(url):
        return False
    path = Path(url[len(CARD_SCHEME):])
    return path.is_absolute() and bool(_FILE_NAME.fullmatch(path.name))


def card_key(parts: dict) -> str:
    """The cache key of a card: a hash of what decides its pixels."""
    payload = json.dumps({"version": RENDERER_VERSION, **parts}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def file_digest(path: str | os.PathLike | None) -> str | None:
    """A file's content hash for the key (a changed logo or font makes a new card)."""
    if not path:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


class CardStore:
    """A directory of rendered cards with an index from key to file."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory).resolve()

    def get(self, key: str) -> StoredCard | None:
        try:
            name = (self.directory / "index" / key).read_text(encoding="ascii").strip()
        except OSError:
            return None
        path = self.directory / name
        if not _FILE_NAME.fullmatch(name) or not path.is_file():
            return None
        return StoredCard(path, _MIMES[name.rsplit(".", 1)[1]])

    def put(self, key: str, content: bytes, mime: str) -> StoredCard:
        """Store the bytes (atomically: a reader never sees half a card) and index them under ``key``."""
        extension = "png" if mime == "image/png" else "jpg"
        name = f"{hashlib.sha256(content).hexdigest()}.{extension}"
        (self.directory / "index").mkdir(parents=True, exist_ok=True)
        _write_atomically(self.directory / name, content)
        _write_atomically(self.directory / "index" / key, name.encode("ascii"))
        return StoredCard(self.directory / name, _MIMES[extension])


def _write_atomically(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_card(reference: str, max_bytes: int) -> tuple[bytes | None, str, str | None]:
    """(bytes, mime, None), or (None, "", a note saying why the card cannot be uploaded)."""
    path = Path(reference[len(CARD_SCHEME):])
    match = _FILE_NAME.fullmatch(path.name)
    if not match:
        return None, "", "posted without image: the quote card reference is not a card file"
    try:
        content = path.read_bytes()
    except OSError:
        return None, "", f"posted without image: the quote card {path.name} is not in the card directory any more"
    if hashlib.sha256(content).hexdigest() != path.name.split(".")[0]:
        return None, "", f"posted without image: the quote card {path.name} was changed on disk"
    if len(content) > max_bytes:
        return None, "", f"posted without image: the quote card is over the platform's {max_bytes / 1_048_576:g} MB limit"
    return content, _MIMES[match.group(1)], None
