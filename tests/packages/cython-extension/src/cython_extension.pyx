# cython: language_level=3
"""Compiled by Cython into C: a typed loop, and the CPU the C compiler made code for."""

cdef extern from *:
    """
    #if defined(__aarch64__)
    #define COMPILED_FOR "aarch64"
    #elif defined(__x86_64__)
    #define COMPILED_FOR "x86_64"
    #else
    #define COMPILED_FOR "other"
    #endif
    """
    const char *COMPILED_FOR


def compiled_for():
    return COMPILED_FOR.decode()


def sum_of_squares(int n):
    cdef long total = 0
    cdef int i
    for i in range(n):
        total += i * i
    return total
