"""The seeded generator of the demo workspaces (``data/demo``, and ``data/demo_zh`` in Chinese).

:mod:`~matchmaker.demo.generate` writes the files; :mod:`~matchmaker.demo.build` draws the
organisations, items and relations; :mod:`~matchmaker.demo.history` the bureau's half-year of
events and deals; :mod:`~matchmaker.demo.catalog` is the vocabulary (pure data) and
:mod:`~matchmaker.demo.catalog_zh` its Chinese twin.
"""

from matchmaker.demo.generate import DEMO_DIR, DEMO_DIRS, DEMO_SEED, demo_dir

__all__ = ["DEMO_DIR", "DEMO_DIRS", "DEMO_SEED", "demo_dir"]
