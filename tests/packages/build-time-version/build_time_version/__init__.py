"""A build-time helper that tells a project its version, as setuptools_scm does from git tags.

Only a build that installs the project's build requirements (pip's build
isolation) has it: ``scm-versioned`` reads its version through it.
"""

import os


def version(root: str) -> str:
    """The release recorded in ``<root>/RELEASE``: a file plain setuptools knows nothing of."""
    with open(os.path.join(root, "RELEASE")) as f:
        return f.read().strip()
