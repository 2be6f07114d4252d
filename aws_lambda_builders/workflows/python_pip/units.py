"""Sizes for a person to read, in one unit system: the binary units of Lambda's own limits.

AWS writes its limits as "250 MB" and "50 MB", and means 2^20 bytes by "MB":
the unzipped limit is 262,144,000 bytes, 250 x 1,048,576 (LAMBDA.md). Every size
lambda-pip prints is therefore in MiB or KiB, so that a bundle's size, its
headroom and the limit (250 MiB) agree on one line. JSON documents hold exact
byte counts, in fields whose names end in ``_bytes``.
"""

KIB = 1024
MIB = 1024 * KIB


def format_size(size: int) -> str:
    """``size`` bytes for a person: ``250.0 MiB``, ``20.3 KiB``, ``12 bytes``."""
    magnitude = abs(size)
    if magnitude >= MIB:
        return f"{size / MIB:.1f} MiB"
    if magnitude >= KIB:
        return f"{size / KIB:.1f} KiB"
    return f"{size} bytes"
