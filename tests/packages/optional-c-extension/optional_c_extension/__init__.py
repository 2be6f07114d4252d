"""Uses the C speed-up when it was built, and the pure-Python code otherwise."""

try:
    from optional_c_extension._speedups import add
    IMPLEMENTATION = "c"
except ImportError:
    IMPLEMENTATION = "python"

    def add(a, b):
        return a + b
