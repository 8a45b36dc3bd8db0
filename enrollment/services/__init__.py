"""Writes live here (HackSoft style): keyword-only functions named ``<entity>_<action>``.

Each checks permission, then the current state, then writes, then audits. Reads live in
``enrollment.selectors``.
"""


class ServiceError(Exception):
    """A refusal with a message fit for the user (already translated, or lazily translatable)."""

    def __init__(self, message, *, code: str = ""):
        self.message = message
        self.code = code
        super().__init__(str(message))


class PermissionDenied(ServiceError):
    pass
