"""A stable-ABI extension that needs the C API of Python 3.12: its wheels are cp312-abi3.

They load on python3.12 and later; on python3.11 there is no wheel, and the
sdist refuses to compile for it.
"""
