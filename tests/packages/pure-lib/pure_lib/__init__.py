"""The transitive dependency of pure-app."""


def shout(text):
    return text.upper()
