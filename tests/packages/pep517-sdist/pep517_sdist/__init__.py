"""A project with only pyproject.toml (PEP 517/621), published as an sdist."""
