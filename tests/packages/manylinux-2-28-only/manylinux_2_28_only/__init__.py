"""Wheels for glibc 2.28 only: fine on python3.12+ (glibc 2.34), not on python3.11 (glibc 2.26)."""
