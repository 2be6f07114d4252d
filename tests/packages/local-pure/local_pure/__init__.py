"""A local directory requirement (``./local-pure`` in requirements.txt) with a dependency."""

from pure_lib import shout

GREETING = shout("hello from a local project")
