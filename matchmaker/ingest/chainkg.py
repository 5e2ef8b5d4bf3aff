"""Read the chainkg dataset (an A-share industry-chain graph, JSON lines) as workspace rows.

Only :mod:`matchmaker.recommend.evaluate` uses it. The mapping:

* a company (``company.json``, deduplicated by ``code``, first record kept) is an
  organisation: ``org_id`` = 6-digit code, ``name`` = short name, ``name_zh`` = full name,
  ``description`` = its level-3 industry (``company_industry.json``);
* its main products (``company_product.json`` with ``rel_weight > 0``; others are noise
  such as eliminations) are its offers, largest revenue share first, each in the chain
  segment named after the product;
* the upstream materials of its products (``product_product.json``, ``上游材料``:
  ``from_entity``'s upstream material is ``to_entity``) are its needs;
* every ``上游材料`` link is a chain link material -> product;
* its level-3 and level-2 industries are its categories (for ``category_affinity``).

Missing files raise :class:`matchmaker.errors.DataError` naming the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from matchmaker.errors import DataError

__all__ = ["MAX_NEEDS", "ChainKG", "load_chainkg", "workspace_rows"]

MAX_NEEDS = 40  # upstream materials kept as needs per company (most frequent first)
SHORT_TEXT = 48  # characters of the text the embedding model sees
UPSTREAM = "上游材料"


@dataclass
class ChainKG:
    """The parts of chainkg matchmaker reads, keyed by 6-digit company code."""

    companies: dict[str, dict]  # code -> {"code", "name", "fullname"}
    industry: dict[str, str] = field(default_factory=dict)  # code -> level-3 industry name
    parent_industry: dict[str, str] = field(default_factory=dict)  # code -> level-2 name
    products: dict[str, list[str]] = field(default_factory=dict)  # code -> products
    upstream: dict[str, list[str]] = field(default_factory=dict)  # product -> materials

    def short_text(self, code: str, limit: int = SHORT_TEXT) -> str:
        """Full name + industry + the two largest products, cut at ``limit`` characters:
        the text of the embedding baseline (short texts keep the model fast)."""
        c = self.companies[code]
        parts = [c["fullname"], self.industry.get(code, ""), *self.products.get(code, [])[:2]]
        return " ".join(p for p in parts if p)[:limit]

    def text(self, code: str) -> str:
        """Full name + industry + products: the text of the lexical and embedding baselines."""
        c = self.companies[code]
        return " ".join([c["fullname"], self.industry.get(code, ""), *self.products.get(code, [])])


def _lines(path: Path) -> Iterator[dict]:
    if not path.is_file():
        raise DataError(
            f"chainkg file {path} is missing; a chainkg folder holds company.json, "
            "company_industry.json, company_product.json, industry_industry.json "
            "and product_product.json"
        )
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}:{n}: not a JSON object ({exc.msg})") from None


def _code(value: str) -> str:
    return str(value).split(".")[0]


def load_chainkg(directory: str | Path) -> ChainKG:
    """Load the chainkg folder ``directory``.

    Raises
    ------
    DataError
        When the folder or one of its files is missing or a line is not JSON.
    """
    root = Path(directory)
    if not root.is_dir():
        raise DataError(f"chainkg folder {root} does not exist")
    companies: dict[str, dict] = {}
    for row in _lines(root / "company.json"):
        code = _code(row["code"])
        companies.setdefault(
            code,
            {
                "code": code,
                "name": row.get("name") or code,
                "fullname": row.get("fullname") or row.get("name") or code,
            },
        )
    parents = {
        r["from_industry"]: r["to_industry"] for r in _lines(root / "industry_industry.json")
    }
    kg = ChainKG(companies)
    for row in _lines(root / "company_industry.json"):
        code = _code(row["company_code"])
        if code in companies and code not in kg.industry:
            kg.industry[code] = row["industry_name"]
            if row["industry_name"] in parents:
                kg.parent_industry[code] = parents[row["industry_name"]]
    weighted: dict[str, dict[str, float]] = {}
    for row in _lines(root / "company_product.json"):
        code = _code(row["company_code"])
        weight = row.get("rel_weight") or 0
        if code in companies and weight > 0:
            mine = weighted.setdefault(code, {})
            mine[row["product_name"]] = max(mine.get(row["product_name"], 0), weight)
    for code, mine in weighted.items():
        kg.products[code] = sorted(mine, key=lambda p: (-mine[p], p))
    for row in _lines(root / "product_product.json"):
        if row.get("rel") == UPSTREAM and row["from_entity"] != row["to_entity"]:
            kg.upstream.setdefault(row["from_entity"], []).append(row["to_entity"])
    return kg


def workspace_rows(kg: ChainKG) -> dict:
    """Workspace-style rows for :func:`matchmaker.recommend.context.build_context`.

    Returns
    -------
    dict
        ``orgs``, ``items``, ``segments``, ``chain_links`` (lists of row dicts) and
        ``categories`` (``{code: [industry, parent industry]}``).
    """
    orgs, items = [], []
    segments: set[str] = set()
    for code in sorted(kg.companies):
        c = kg.companies[code]
        orgs.append(
            {
                "org_id": code,
                "name": c["name"],
                "kind": "company",
                "name_zh": c["fullname"],
                "description": kg.industry.get(code, ""),
            }
        )
        products = kg.products.get(code, [])
        for i, product in enumerate(products):
            items.append(
                {
                    "item_id": f"{code}:o{i}",
                    "org_id": code,
                    "side": "offer",
                    "type": "product",
                    "title": product,
                    "segment": product,
                }
            )
            segments.add(product)
        counts: dict[str, int] = {}
        for product in products:
            for material in kg.upstream.get(product, []):
                if material not in products:
                    counts[material] = counts.get(material, 0) + 1
        needs = sorted(counts, key=lambda m: (-counts[m], m))[:MAX_NEEDS]
        for i, material in enumerate(needs):
            items.append(
                {
                    "item_id": f"{code}:n{i}",
                    "org_id": code,
                    "side": "need",
                    "type": "product",
                    "title": material,
                    "segment": material,
                }
            )
            segments.add(material)
    links = set()
    for product, materials in kg.upstream.items():
        for material in materials:
            links.add((material, product))
            segments.update((material, product))
    categories = {
        code: [x for x in (kg.industry.get(code), kg.parent_industry.get(code)) if x]
        for code in kg.companies
    }
    return {
        "orgs": orgs,
        "items": items,
        "segments": [{"segment_id": s, "name": s} for s in sorted(segments)],
        "chain_links": [{"upstream": u, "downstream": d} for u, d in sorted(links)],
        "categories": categories,
    }
