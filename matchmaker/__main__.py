"""``python -m matchmaker``: the same as the ``matchmaker`` command."""

from matchmaker.cli import app

app(prog_name="matchmaker")
