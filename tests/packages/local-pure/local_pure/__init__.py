"""A local directory requirement (``./local-pure`` in requirements.txt) with a dependency."""

import six

GREETING = "hello from " + six.__name__
