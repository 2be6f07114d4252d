"""The command line's exit codes: what a script calling ``lambda-pip`` can tell apart (``cli.EXIT_CODES`` maps
each error to its code)."""

EXIT_OK = 0
EXIT_MISSING = 1  # a dependency with no build for the target; ``check``: problems found
EXIT_USAGE = 2  # a command line that cannot be parsed
EXIT_RESOLUTION = 3  # pip found no such package or version, or failed to download
EXIT_INDEX = 4  # the package index is unreachable or refuses the credentials
EXIT_INPUT = 5  # an input to fix: requirements, a lock (a hash mismatch), an output refused, oversize
EXIT_ENVIRONMENT = 6  # the machine: no pip, a full disk, an OS error
EXIT_INTERNAL = 70  # a defect of ours
EXIT_INTERRUPTED = 130
