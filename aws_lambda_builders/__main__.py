"""``python -m aws_lambda_builders`` runs the ``lambda-pip`` command line."""

import sys

from aws_lambda_builders.cli import main

sys.exit(main())
