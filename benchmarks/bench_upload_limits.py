"""What hostile uploads cost: time and peak memory of checking them (issue 13, item 6).

Three uploads, each checked by ``matchmaker.ingest.workspace.read_workspace`` in a fresh
child process (so its peak resident memory is its own):

* ``bomb``: the reported workbook: a small ``.xlsx`` whose one sheet unpacks to 200 MB;
* ``nine``: nine CSV files of 6 MB each (54 MB together), each under the 50 MB limit;
* ``csv50``: one valid ``organizations.csv`` just under the 50 MB limit (the largest upload
  that is parsed).

    .venv/bin/python benchmarks/bench_upload_limits.py

Prints one line per case: the upload's size, seconds, peak RSS (MiB) and the first problem.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("organizations", "segments", "chain_links", "items", "relations", "events",
          "participants", "meetings", "deals")  # fmt: skip


def make_bomb(path: Path) -> Path:
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as out:
            out.write(b"<worksheet><sheetData>")
            for _ in range(200 * 2**20 // len(row)):
                out.write(row)
            out.write(b"</sheetData></worksheet>")
    return path


def make_nine(folder: Path) -> Path:
    folder.mkdir()
    line = "O{n},Organisation number {n} with a long enough name,company\n"
    for name in TABLES:
        with open(folder / f"{name}.csv", "w") as fh:
            fh.write("org_id,name,kind\n")
            n = 0
            while fh.tell() < 6 * 2**20:
                fh.write(line.format(n=n))
                n += 1
    return folder


def make_csv50(folder: Path) -> Path:
    folder.mkdir()
    line = "O{n},Organisation number {n} with a long enough name,company,true,Qingdao\n"
    with open(folder / "organizations.csv", "w") as fh:
        fh.write("org_id,name,kind,local,region\n")
        n = 0
        while fh.tell() < 49 * 2**20:
            fh.write(line.format(n=n))
            n += 1
    return folder


CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from matchmaker.errors import ValidationError
from matchmaker.ingest.workspace import read_workspace
start = time.perf_counter()
try:
    rows = read_workspace({path!r})
    first, count = None, sum(len(v) for v in rows.values())
except ValidationError as exc:
    first, count = str(exc.problems[0]), len(exc.problems)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mib": peak, "first": first, "count": count}}))
"""


def measure(path: Path) -> dict:
    code = CHILD.format(root=str(ROOT), path=str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def size_mb(path: Path) -> float:
    files = [path] if path.is_file() else list(path.iterdir())
    return sum(f.stat().st_size for f in files) / 2**20


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, make in (("bomb", lambda: make_bomb(tmp / "bomb.xlsx")),
                           ("nine", lambda: make_nine(tmp / "nine")),
                           ("csv50", lambda: make_csv50(tmp / "csv50"))):  # fmt: skip
            path = make()
            got = measure(path)
            print(
                f"{name:6} {size_mb(path):7.1f} MB  {got['seconds']:7.2f} s  "
                f"peak {got['peak_mib']:7.0f} MiB  {got['count']:>9,} "
                f"{'problem(s)' if got['first'] else 'rows'}  {got['first'] or ''}"
            )
    print(f"(parent peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
