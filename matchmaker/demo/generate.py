"""The demo workspace: a seeded generator for ``data/demo``.

A coastal manufacturing city (called Haiqing here) with six industry chains (smart home
appliances ``home``, new-energy vehicles ``nev``, AI and next-generation IT ``ai``, life and
health ``health``, smart equipment ``equip``, marine economy ``marine``), their segments and
supply links, about 650 organisations (a third outside the city), their offers and needs,
known supplier relations, and the first half of 2025: 7 matchmaking events, meetings and
deals. The history's headline figures are constants of the generator (the same for every
seed, see :mod:`matchmaker.demo.history`), so ``matchmaker report funnel`` on the demo gives::

    events 7, invited 440, attended 300, attended_external 120, meetings_held 428,
    deals {intent 42, in_progress 36, signed 9, dropped 4}, orgs_with_deal 70

(the bureau's half-year report: 7 events, 300 companies of which 100+ from outside,
9 signed, 36 in progress, nearly 70 companies with cooperation intent; the 70 organisations
with a deal all have an intent deal, and every deal pair held a meeting at its event).

Coherence: a company sits in one segment (sometimes two, the second one downstream of the
first); its offers are in its own segments; its product and service needs are in segments
directly upstream of its own (``chain_links``); its technology and capital needs are in its
own segment or one directly upstream. So real supplier/buyer pairs exist, described in
different words on the two sides (vocabulary in :mod:`matchmaker.demo.catalog`).

``SHOWCASE`` names a hand-written pair for tests of the recommender: ``buyer`` assembles 48V
LFP e-bike packs (segment ``nev-pack``) and has one need, ``need``, a BMS with active
balancing; ``supplier`` makes BMS boards for light EV packs (segment ``nev-bms``, directly
upstream) and offers exactly that in ``offer``. The two have no relation, meeting or deal,
so a recommender should find the supplier on its own and rank it in the buyer's top 10.

The Chinese demo workspace ``data/demo_zh`` is the same workspace (same seed, ids,
structure and history) with its texts written in Chinese (:mod:`matchmaker.demo.catalog_zh`):
company names such as 海青瑞泰压缩机有限公司, needs such as 寻求高校合作开发无油压缩机技术.

Regenerate the committed files with ``python -m matchmaker.demo [--lang zh] [OUT_DIR]``; the output
depends only on the seed (``random.Random(seed)``, no clock), and a test proves the
committed ``data/demo`` is byte-identical to it.
"""

from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path

from matchmaker.config import PROJECT_ROOT
from matchmaker.demo.build import Builder
from matchmaker.errors import DataError, MatchmakerError
from matchmaker.schema import LIST_SEP, TABLES

__all__ = [
    "DEMO_DIR",
    "DEMO_DIRS",
    "DEMO_SEED",
    "SHOWCASE",
    "build",
    "demo_dir",
    "generate",
    "main",
]

DEMO_DIR = PROJECT_ROOT / "data" / "demo"
# The demo workspace of each language: the same seeded workspace, texts in that language.
DEMO_DIRS = {"en": DEMO_DIR, "zh": PROJECT_ROOT / "data" / "demo_zh"}
DEMO_SEED = 2025
SHOWCASE = {"buyer": "C0147", "supplier": "C0137", "need": "I00565", "offer": "I00525"}


def demo_dir(lang: str = "en") -> Path:
    """The committed demo workspace of ``lang`` (``data/demo`` or ``data/demo_zh``).

    Raises
    ------
    DataError
        When ``lang`` is not ``en`` or ``zh``.
    """
    try:
        return DEMO_DIRS[lang]
    except KeyError:
        raise DataError(f"no demo workspace in {lang!r}; use one of: en, zh") from None


def build(seed: int = DEMO_SEED, lang: str = "en") -> tuple[dict[str, list[dict]], dict[str, str]]:
    """Build the demo workspace in memory.

    Parameters
    ----------
    seed : int
        Seed of the one ``random.Random`` every choice is drawn from.
    lang : {"en", "zh"}
        Language of the texts; both languages make the same draws, so the same seed gives
        the same ids, structure and history in both.

    Returns
    -------
    tables : dict of str to list of dict
        Rows of every workspace table (keys of :data:`matchmaker.schema.TABLES`), with
        Python values (lists as lists, booleans, ``datetime.date``).
    showcase : dict of str to str
        The ids of the showcase pair (``buyer``, ``supplier``, ``need``, ``offer``).
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise DataError(f"demo seed must be an integer, got {seed!r}")
    demo_dir(lang)  # refuses an unknown language
    b = Builder(seed, lang)
    b.run()
    return b.tables, b.showcase


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return LIST_SEP.join(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_tables(tables: dict[str, list[dict]], out_dir: Path) -> dict[str, int]:
    """Write workspace tables as CSV files in the workspace format.

    Columns follow :data:`matchmaker.schema.TABLES` in order, rows are sorted by the table's
    key, lists are joined with ``;``, booleans written ``true``/``false``, dates in ISO form;
    UTF-8 with ``\\n`` line ends. Returns the number of rows written per table.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError(f"{out_dir} is a file; give a folder to write the demo workspace into")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    counts = {}
    for name, spec in TABLES.items():
        rows = sorted(tables.get(name, []), key=lambda r: tuple(str(r[k]) for k in spec.key))
        with open(out_dir / spec.filename, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(spec.column_names)
            for row in rows:
                writer.writerow([_cell(row.get(c)) for c in spec.column_names])
        counts[name] = len(rows)
    return counts


def generate(out_dir: Path, seed: int = DEMO_SEED, lang: str = "en") -> dict[str, int]:
    """Generate the demo workspace into ``out_dir`` (the 10 workspace CSV files).

    Parameters
    ----------
    out_dir : Path
        Folder to write; created when missing, files in it overwritten.
    seed : int
        Random seed; the same seed always gives byte-identical files.
    lang : {"en", "zh"}
        Language of the texts (``data/demo`` is ``en``, ``data/demo_zh`` is ``zh``).

    Returns
    -------
    dict of str to int
        Rows written per table.

    Raises
    ------
    DataError
        When ``out_dir`` is a file or cannot be created, ``seed`` is not an integer or
        ``lang`` is not ``en`` or ``zh``.

    Examples
    --------
    >>> import tempfile
    >>> counts = generate(Path(tempfile.mkdtemp()))
    >>> counts["events"]
    7
    """
    if Path(out_dir).is_file():
        raise DataError(f"{out_dir} is a file; give a folder to write the demo workspace into")
    tables, _ = build(seed, lang)
    return write_tables(tables, out_dir)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m matchmaker.demo [--lang zh] [OUT_DIR]`` (default:
    ``data/demo``, with ``--lang zh`` ``data/demo_zh``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    lang = "en"
    if args[:1] == ["--lang"] and len(args) >= 2:
        lang, args = args[1], args[2:]
    try:
        out = Path(args[0]) if args else demo_dir(lang)
        counts = generate(out, lang=lang)
    except MatchmakerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, n in counts.items():
        print(f"{name}: {n}")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
