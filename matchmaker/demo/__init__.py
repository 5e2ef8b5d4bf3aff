"""The seeded generator of the demo workspace (``data/demo``).

:mod:`~matchmaker.demo.generate` writes the files; :mod:`~matchmaker.demo.build` draws the
organisations, items and relations; :mod:`~matchmaker.demo.history` the bureau's half-year of
events and deals; :mod:`~matchmaker.demo.catalog` is the vocabulary (pure data).
"""

from matchmaker.demo.generate import DEMO_DIR, DEMO_SEED

__all__ = ["DEMO_DIR", "DEMO_SEED"]
