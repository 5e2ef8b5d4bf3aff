"""The ``matchmaker`` command line: :data:`app` (see :mod:`matchmaker.cli.app`)."""

from matchmaker.cli.app import app

__all__ = ["app"]
