"""A binary package with wheels for manylinux x86_64, manylinux aarch64 and macOS only."""
