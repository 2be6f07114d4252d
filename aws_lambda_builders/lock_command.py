"""``lambda-pip lock``: a pylock.toml of what ships to one or more Lambda targets (``locking``), for a person."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence, TextIO

from aws_lambda_builders.architecture import X86_64
from aws_lambda_builders.exit_codes import EXIT_OK
from aws_lambda_builders.terminal_ui import TerminalUI
from aws_lambda_builders.workflows.python_pip.exceptions import RequirementsFileNotFoundError
from aws_lambda_builders.workflows.python_pip.input_formats import PYLOCK, input_format
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget
from aws_lambda_builders.workflows.python_pip.utils import Config


def lock_command(args: argparse.Namespace, stream: TextIO, out: TextIO, argv: Sequence[str]) -> int:
    """``lambda-pip lock``: the pylock.toml written, what each target takes on ``out``."""
    from aws_lambda_builders.workflows.python_pip.locking import write_lock
    from aws_lambda_builders.workflows.python_pip.pip_runner import PipRunner, SubprocessPip
    from aws_lambda_builders.workflows.python_pip.utils import OSUtils

    if not os.path.isfile(args.requirements):
        raise RequirementsFileNotFoundError(args.requirements)
    runtimes = args.runtime or ["python%d.%d" % sys.version_info[:2]]
    targets = [LambdaTarget(runtime, architecture) for runtime in runtimes
               for architecture in (args.architecture or [X86_64])]
    config = Config(index_url=args.index_url, extra_index_urls=args.extra_index_url, find_links=args.find_links,
                    input_format=args.input_format, extras=args.extra, groups=args.group)
    ui = TerminalUI(stream, quiet=args.quiet)
    if input_format(args.output) != PYLOCK:
        ui.warning(f"{args.output} is not named pylock.toml or pylock.NAME.toml: build from it with "
                   "--input-format pylock")
    pip = PipRunner(args.python, SubprocessPip(OSUtils(), args.python))
    pip.listen(ui.pip_progress)
    try:
        resolutions = write_lock(os.path.abspath(args.requirements), targets, args.output, pip, config,
                                 command="lambda-pip " + " ".join(argv), scratch_root=args.scratch_dir,
                                 say=ui.write)
    finally:
        pip.listen(None)
        ui.done()
    releases = {(d.name, d.version) for _, downloads in resolutions for d in downloads}
    print(f"locked {len(releases)} releases for {', '.join(t.describe() for t in targets)} into {args.output}",
          file=out)
    return EXIT_OK
