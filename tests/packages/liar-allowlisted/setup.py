"""Stands in for SQLAlchemy 1.x: an optional C speed-up (``optional=True``).

Built without a compiler, setuptools skips the extension but still tags the
wheel for this machine's platform (``cp311-cp311-linux_x86_64``), although it
holds no compiled file. The packager's allowlist knows this package works anyway.
"""

from setuptools import Extension, setup

setup(
    name="SQLAlchemy",
    version="1.4.99",
    packages=["sqlalchemy"],
    ext_modules=[Extension("sqlalchemy.cresultproxy", ["sqlalchemy/cresultproxy.c"], optional=True)],
)
