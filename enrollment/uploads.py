"""Checks on an uploaded document before anything is stored.

The type is decided by the file's first bytes, never by its name or the type the browser
claims: an HTML page renamed ``.pdf`` is still HTML. The name the family's device gave the file
is kept only as a display name, reduced to something harmless; the stored name comes from the
model's ``upload_to`` and never from the user.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# (magic bytes, content type, the extension shown for a display name without one)
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
DISPLAY_NAME_MAX = 100

MSG_EMPTY = _("The file is empty. Choose the file again.")
MSG_TOO_LARGE = _("The file is larger than %(limit)s MB. Make it smaller (for example, scan at a lower "
                  "resolution) and try again.")
MSG_WRONG_TYPE = _("This file is not a PDF, JPEG or PNG file. Upload a PDF, JPEG or PNG file.")

_UNSAFE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u202a-\u202e\u2066-\u2069<>:\"|?*]")


class UploadRefused(Exception):
    def __init__(self, message, *, code: str):
        self.message = message
        self.code = code
        super().__init__(str(message))


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str
    display_name: str


def sniff_content_type(head: bytes) -> str | None:
    for magic, content_type, _ext in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def safe_display_name(name: str | None, content_type: str) -> str:
    """A name fit to show on a page: no directories, no control or bidi characters, not too long,
    never empty, and always ending in the extension of what the file really is."""
    extension = next(ext for _m, ct, ext in SIGNATURES if ct == content_type)
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[\\/]", text)[-1]
    text = _UNSAFE_RE.sub("", text).strip().lstrip(".").strip()
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    if ("." + ext.lower()) not in (extension, ".jpeg" if extension == ".jpg" else extension):
        stem = text  # a name that lies about its type keeps its text but gets the true extension
    stem = stem.strip(" .")[: DISPLAY_NAME_MAX - len(extension)] or str(_("document"))
    return f"{stem}{extension}"


def check_upload(uploaded) -> CheckedUpload:
    """Refuse anything but a non-empty PDF, JPEG or PNG within ``settings.DOCUMENT_MAX_BYTES``."""
    limit = settings.DOCUMENT_MAX_BYTES
    if uploaded is None or not uploaded.size:
        raise UploadRefused(MSG_EMPTY, code="empty")
    if uploaded.size > limit:
        raise UploadRefused(MSG_TOO_LARGE % {"limit": _megabytes(limit)}, code="too_large")
    digest = hashlib.sha256()
    size = 0
    head = b""
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        size += len(chunk)
        # The declared size comes from the request; count what really arrives too.
        if size > limit:
            raise UploadRefused(MSG_TOO_LARGE % {"limit": _megabytes(limit)}, code="too_large")
        digest.update(chunk)
    uploaded.seek(0)
    if size == 0:
        raise UploadRefused(MSG_EMPTY, code="empty")
    content_type = sniff_content_type(head)
    if content_type is None:
        raise UploadRefused(MSG_WRONG_TYPE, code="wrong_type")
    return CheckedUpload(content_type=content_type, size=size, sha256=digest.hexdigest(),
                         display_name=safe_display_name(uploaded.name, content_type))


def _megabytes(limit: int) -> str:
    value = limit / (1024 * 1024)
    return f"{value:.0f}" if value >= 1 else f"{value:.1f}"
