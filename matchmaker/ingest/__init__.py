"""Files <-> validated records, all-or-nothing; export back.

* :mod:`~matchmaker.ingest.files` -- a folder of CSV files or one ``.xlsx`` workbook read as
  raw tables (and written back), every unreadable file named;
* :mod:`~matchmaker.ingest.workspace` -- the workspace format checked as a whole and
  imported into the store in one transaction, or exported from it;
* :mod:`~matchmaker.ingest.chainkg` -- the public chainkg dataset read as workspace rows
  (for evaluation).
"""

from matchmaker.ingest.chainkg import load_chainkg
from matchmaker.ingest.workspace import (
    escape_formula,
    export_workspace,
    import_workspace,
    read_workspace,
)

__all__ = [
    "escape_formula",
    "export_workspace",
    "import_workspace",
    "load_chainkg",
    "read_workspace",
]
