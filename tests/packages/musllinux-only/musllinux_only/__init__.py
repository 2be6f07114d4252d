"""Wheels for musl libc only (Alpine): Lambda's glibc can never load them."""
