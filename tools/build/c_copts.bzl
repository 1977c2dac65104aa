"""Compiler options for the project's strict C code (C ABI tests, the harness)."""

# C99 as a kernel's or a test rig's C would be written: no extensions, no
# warnings.
C99_STRICT = [
    "-std=c99",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-pedantic",
]
