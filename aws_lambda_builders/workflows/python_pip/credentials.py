"""Secrets in URLs: index URLs carry tokens (``https://user:token@host/simple``) that logs must not show."""

from __future__ import annotations

import re

_CREDENTIALS = re.compile(r"(\w+://)[^/@\s]+@")


def redact_credentials(text: str) -> str:
    """``https://user:token@host`` -> ``https://****@host``: pip output and options may carry secrets."""
    return _CREDENTIALS.sub(r"\1****@", text)
