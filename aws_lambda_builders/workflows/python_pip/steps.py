"""The names of the nine steps of a build, in order, as progress reports them (``UI.step_started``).

A module of its own, importing nothing: a rebuild placed from the cache reports
the one step it runs (``install``) without importing the steps themselves.
"""

STEPS = (
    "download",
    "sort",
    "download-compatible-wheels",
    "build-sdists",
    "build-sdists-without-c",
    "allowlist",
    "find-missing",
    "install",
    "clean-up",
)
