"""The package's shape: layers import only downwards, and no module imports itself back.

Every import counts, inside functions too (``if TYPE_CHECKING:`` blocks aside): a lazy import
is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

import matchmaker

PACKAGE = Path(matchmaker.__file__).parent

# Lowest first. A module may import its own layer and any layer below it, never above.
LAYERS = [
    {"errors", "config", "schema", "roles"},
    {"store"},
    {"ingest", "demo"},
    {"recommend"},
    {"events", "followup"},
    {"views"},
    {"cli"},
]
RANK = {part: i for i, layer in enumerate(LAYERS) for part in layer}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for n in ast.walk(node))
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in found if m.startswith("matchmaker.")}


def _graph() -> nx.DiGraph:
    files = [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]
    modules = {_module_name(p): p for p in files}
    g = nx.DiGraph()
    for name, path in modules.items():
        g.add_node(name)
        for target in _imports(path):
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in modules and target != name and not name.startswith(target + "."):
                g.add_edge(name, target)
    return g


def _part(module: str) -> str | None:
    bits = module.split(".")
    return bits[1] if len(bits) > 1 else None


def test_every_part_has_a_layer():
    parts = {_part(m) for m in _graph()} - {None, "__main__"}
    assert parts <= set(RANK), f"modules outside any layer: {sorted(parts - set(RANK))}"


def test_no_import_cycle():
    cycles = list(nx.simple_cycles(_graph()))
    assert cycles == [], f"import cycles: {cycles}"


def test_lower_layers_never_import_higher_ones():
    upward = [
        (a, b)
        for a, b in _graph().edges
        if _part(a) in RANK and _part(b) in RANK and RANK[_part(b)] > RANK[_part(a)]
    ]
    assert upward == [], f"imports that run up the layers: {upward}"


def test_the_checker_sees_a_cycle_and_an_upward_import(tmp_path):
    # the graph helpers on a hand-made pair of modules: store -> cli is upward
    g = nx.DiGraph(
        [("matchmaker.store.x", "matchmaker.cli.y"), ("matchmaker.cli.y", "matchmaker.store.x")]
    )
    assert list(nx.simple_cycles(g))
    assert RANK[_part("matchmaker.cli.y")] > RANK[_part("matchmaker.store.x")]


# Tables of words rather than code: the interface labels and the demo's vocabulary.
TABLE_MODULES = {"matchmaker.views.i18n", "matchmaker.demo.catalog", "matchmaker.demo.catalog_zh"}
MAX_CODE_LINES = 400


def _code_lines(path: Path) -> int:
    """Lines of code: not blank, not a comment, not a docstring."""
    source = path.read_text(encoding="utf-8")
    docs = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docs.update(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(
        1
        for n, line in enumerate(source.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#") and n not in docs
    )


def test_no_module_is_over_400_lines_of_code():
    sizes = {
        _module_name(p): _code_lines(p)
        for p in PACKAGE.rglob("*.py")
        if "migrations" not in p.parts and _module_name(p) not in TABLE_MODULES
    }
    assert {m: n for m, n in sizes.items() if n > MAX_CODE_LINES} == {}


def test_code_lines_skip_docstrings_comments_and_blanks(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text(
        '"""Doc\n\nmore."""\n\n# note\nx = 1\n\n\ndef f():\n    """Doc."""\n    return x\n'
    )
    assert _code_lines(sample) == 3
