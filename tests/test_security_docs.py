"""docs/security.md names the test behind each protection: every named test exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMED = re.compile(r"`(tests/test_\w+\.py)?(?:::(\w+))?`")


def named_tests() -> list[tuple[str, str | None]]:
    """(file, test) pairs as the page names them; ``::name`` refers to the last file named."""
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    out, last = [], None
    for match in NAMED.finditer(text):
        file, test = match.groups()
        if file is None and test is None:
            continue
        last = file or last
        out.append((last, test))
    return out


def test_every_test_security_md_names_exists():
    found = named_tests()
    assert len(found) > 60
    missing = []
    for file, test in found:
        path = ROOT / file
        if not path.exists():
            missing.append(file)
        elif test and not re.search(rf"^def {test}\(", path.read_text(), re.M):
            missing.append(f"{file}::{test}")
    assert missing == []
