"""lambda-pip: the metadata lives in setup.cfg; the runtime dependencies in requirements/base.txt."""

import os

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))


def read_requirements(name):
    with open(os.path.join(HERE, "requirements", name), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith(("#", "-"))]


setup(install_requires=read_requirements("base.txt"))
