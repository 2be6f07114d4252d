"""A package whose sdist is versioned by a build-time helper (``build-time-version``)."""

RELEASED = True
