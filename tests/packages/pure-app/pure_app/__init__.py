"""A pure-Python wheel whose dependency (pure-lib) must come along."""

from pure_lib import shout


def greet(name):
    return shout(f"hello {name}")
