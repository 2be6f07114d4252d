"""Where the build cache is by default: ``$LAMBDA_PIP_CACHE_DIR``, else the user's cache directory."""

from __future__ import annotations

import os
import sys
from typing import Dict, Optional


def default_cache_dir(environ: Optional[Dict[str, str]] = None) -> str:
    """``$LAMBDA_PIP_CACHE_DIR``, else the user's cache directory as the platform names it."""
    environ = dict(os.environ if environ is None else environ)
    if environ.get("LAMBDA_PIP_CACHE_DIR"):
        return environ["LAMBDA_PIP_CACHE_DIR"]
    if sys.platform == "win32":
        base = environ.get("LOCALAPPDATA") or os.path.expanduser(r"~\AppData\Local")
        return os.path.join(base, "lambda-pip", "Cache")
    if sys.platform == "darwin":
        return os.path.expanduser("~/Library/Caches/lambda-pip")
    return os.path.join(environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lambda-pip")
