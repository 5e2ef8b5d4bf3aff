"""Evaluation: metrics as pure functions, the chainkg loader and the `evaluate links`
contract on a tiny hand-built chainkg-like folder (plus one check on the real data)."""

from __future__ import annotations

import csv
import json
import math

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.errors import DataError
from matchmaker.ingest.chainkg import load_chainkg, workspace_rows
from matchmaker.recommend.evaluate import (
    METRICS,
    auc,
    default_chainkg,
    default_pairs,
    evaluate_links,
    read_links,
    recall_at_k,
    reciprocal_rank,
)

# --- metrics ------------------------------------------------------------------------


def test_recall_at_k():
    assert recall_at_k(["a", "b", "c"], {"a", "b"}, 2) == 1.0
    assert recall_at_k(["a", "b", "c"], {"x"}, 3) == 0.0
    assert recall_at_k(["a", "b", "c", "d"], {"b", "d", "z"}, 2) == pytest.approx(1 / 3)
    assert recall_at_k(["a"], set(), 1) == 0.0


def test_reciprocal_rank():
    assert reciprocal_rank(["a", "b"], {"a"}) == 1.0
    assert reciprocal_rank(["a", "b"], {"z"}) == 0.0
    assert reciprocal_rank(["a", "b", "c", "d"], {"c", "d"}) == pytest.approx(1 / 3)


def test_auc():
    assert auc(["r1", "r2", "x", "y"], {"r1", "r2"}) == 1.0
    assert auc(["x", "y", "r1", "r2"], {"r1", "r2"}) == 0.0
    # r1 is above y only; r2 above nothing: 1 of 4 (relevant, irrelevant) pairs
    assert auc(["x", "r1", "y", "r2"], {"r1", "r2"}) == pytest.approx(0.25)
    assert math.isnan(auc(["a", "b"], {"a", "b"}))
    assert math.isnan(auc(["a", "b"], {"z"}))


def test_metrics_on_integer_ids():
    assert recall_at_k([3, 1, 2], {1}, 2) == 1.0
    assert auc([3, 1, 2], {1}) == pytest.approx(0.5)


# --- a tiny chainkg-like folder -----------------------------------------------------

COMPANIES = [
    ("000001", "钢铁甲", "甲钢铁股份有限公司"),
    ("000002", "汽车乙", "乙汽车制造股份有限公司"),
    ("000003", "汽车丙", "丙汽车集团股份有限公司"),
    ("000004", "电池丁", "丁电池科技股份有限公司"),
    ("000005", "矿业戊", "戊矿业股份有限公司"),
    ("000006", "电池己", "己电池材料股份有限公司"),
    ("000007", "银行庚", "庚银行股份有限公司"),
    ("000001", "重复", "错误的全称"),  # a repeated code: the first record is kept
]
INDUSTRY = {
    "000001": "普钢",
    "000002": "乘用车",
    "000003": "乘用车",
    "000004": "锂电池",
    "000005": "铁矿石",
    "000006": "锂电池",
    "000007": "股份制银行",
}
PRODUCTS = [
    ("000001", "钢材", 0.9),
    ("000001", "抵消", -0.1),
    ("000002", "汽车", 1.0),
    ("000003", "汽车", 0.7),
    ("000003", "汽车零部件", 0.3),
    ("000004", "动力电池", 1.0),
    ("000005", "铁矿石", 1.0),
    ("000006", "正极材料", 0.8),
    ("000007", "贷款", 1.0),
]
UPSTREAM = [("汽车", "钢材"), ("汽车", "动力电池"), ("钢材", "铁矿石"), ("动力电池", "正极材料")]
TRAIN = [("000001", "000002"), ("000001", "000005"), ("000002", "000004"), ("000003", "000004")]
TEST = [("000001", "000003"), ("000004", "000006")]


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def _links(path, pairs):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code_a", "name_a", "code_b", "name_b"])
        w.writerows([a, f"n{a}", b, f"n{b}"] for a, b in pairs)
    return path


@pytest.fixture
def kg_dir(tmp_path):
    root = tmp_path / "chainkg"
    root.mkdir()
    _jsonl(
        root / "company.json",
        [{"code": c, "name": n, "fullname": f, "location": "x"} for c, n, f in COMPANIES],
    )
    _jsonl(
        root / "company_industry.json",
        [
            {"company_code": f"{c}.SZ", "industry_name": i, "industry_code": "1"}
            for c, i in INDUSTRY.items()
        ],
    )
    _jsonl(
        root / "industry_industry.json",
        [{"from_industry": "乘用车", "to_industry": "汽车整车", "rel": "上级行业"}],
    )
    _jsonl(
        root / "company_product.json",
        [
            {"company_code": f"{c}.SZ", "product_name": p, "rel_weight": w, "rel": "主营产品"}
            for c, p, w in PRODUCTS
        ],
    )
    _jsonl(
        root / "product_product.json",
        [{"from_entity": a, "rel": "上游材料", "to_entity": b} for a, b in UPSTREAM]
        + [{"from_entity": "汽车", "rel": "产品小类", "to_entity": "轿车"}],
    )
    return root


def test_load_chainkg(kg_dir):
    kg = load_chainkg(kg_dir)
    assert len(kg.companies) == 7
    assert kg.companies["000001"]["fullname"] == "甲钢铁股份有限公司"
    assert kg.products["000001"] == ["钢材"]  # the negative weight is noise
    assert kg.products["000003"] == ["汽车", "汽车零部件"]  # largest share first
    assert kg.upstream["汽车"] == ["钢材", "动力电池"]
    assert kg.parent_industry["000002"] == "汽车整车"
    assert kg.text("000004") == "丁电池科技股份有限公司 锂电池 动力电池"
    rows = workspace_rows(kg)
    needs = [i["title"] for i in rows["items"] if i["org_id"] == "000002" and i["side"] == "need"]
    assert needs == ["动力电池", "钢材"]
    assert {"upstream": "钢材", "downstream": "汽车"} in rows["chain_links"]


@pytest.mark.parametrize("missing", ["company.json", "product_product.json"])
def test_load_chainkg_missing_file(kg_dir, missing):
    (kg_dir / missing).unlink()
    with pytest.raises(DataError, match=missing):
        load_chainkg(kg_dir)


def test_read_links(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("code_a,name_a,code_b,name_b\n2,x,1,y\n000001,y,000002,x\n3,z,3,z\n")
    assert read_links(path) == [("000001", "000002")]
    (tmp_path / "bad.csv").write_text("code_a,code_b\n1,2\n")
    with pytest.raises(DataError, match="missing column"):
        read_links(tmp_path / "bad.csv")
    with pytest.raises(DataError, match="does not exist"):
        read_links(tmp_path / "none.csv")


def _run(args):
    result = CliRunner().invoke(app, ["evaluate", "links", *args])
    return result


def test_contract_on_fixture(kg_dir, tmp_path):
    train, test = _links(tmp_path / "train.csv", TRAIN), _links(tmp_path / "test.csv", TEST)
    out = tmp_path / "recs.csv"
    args = [
        "--chainkg",
        str(kg_dir),
        "--train",
        str(train),
        "--test",
        str(test),
        "--top",
        "3",
        "--out",
        str(out),
        "--no-embedding",
        "--no-trained",
    ]
    result = _run(args)
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert set(metrics["methods"]) == {"ranker", "random", "popularity", "tfidf", "adamic_adar"}
    for values in metrics["methods"].values():
        assert set(values) == set(METRICS)
        assert values["queries"] == 4  # 000001, 000003, 000004, 000006
    assert metrics["split"] == {
        "train_pairs": 4,
        "test_pairs": 2,
        "companies": 7,
        "unknown_pairs": 0,
    }
    assert metrics["ranker"]["fallback"] is True  # four pairs: default weights
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["query", "candidate", "rank", "score"]
    by_query = {}
    for q, c, r, s in rows[1:]:
        by_query.setdefault(q, []).append((c, int(r), float(s)))
    assert sorted(by_query) == ["000001", "000003", "000004", "000006"]
    train_partners = {
        "000001": {"000002", "000005"},
        "000003": {"000004"},
        "000004": {"000002", "000003"},
        "000006": set(),
    }
    for q, recs in by_query.items():
        assert [r for _, r, _ in recs] == [1, 2, 3]
        assert [s for _, _, s in recs] == sorted((s for _, _, s in recs), reverse=True)
        candidates = {c for c, _, _ in recs}
        assert q not in candidates and not candidates & train_partners[q]
    # determinism: the same run gives the same file and numbers
    first = out.read_text()
    again = _run(args)
    assert out.read_text() == first
    assert json.loads(again.stdout)["methods"] == metrics["methods"]


def test_test_pairs_are_not_used_for_training(kg_dir, tmp_path):
    train = _links(tmp_path / "train.csv", TRAIN)
    one = _links(tmp_path / "one.csv", [("000001", "000003")])
    # 000003-000005 in TEST would raise 000001-000003's common partners if it were learned
    two = _links(tmp_path / "two.csv", [("000001", "000003"), ("000003", "000005")])
    outs = []
    for name, test in (("a", one), ("b", two)):
        out = tmp_path / f"{name}.csv"
        evaluate_links(train, test, kg_dir, top=10, out=out)
        outs.append([r for r in csv.reader(out.open()) if r[0] == "000001"])
    assert outs[0] and outs[0] == outs[1]


def test_trained_model_never_sees_test_pairs(kg_dir, tmp_path, monkeypatch):
    from matchmaker.recommend import train_embed
    from matchmaker.recommend.train_embed import TrainParams

    monkeypatch.setenv("MATCHMAKER_MODELS_DIR", str(tmp_path / "models"))
    seen = []
    real = train_embed.train

    def spy(pairs, params, texts=(), progress=False):
        seen.append(list(pairs))
        return real(pairs, params, texts, progress)

    monkeypatch.setattr(train_embed, "train", spy)
    kg = load_chainkg(kg_dir)
    train, test = _links(tmp_path / "train.csv", TRAIN), _links(tmp_path / "test.csv", TEST)
    params = TrainParams(dim=8, epochs=1, batch_size=4)
    result = evaluate_links(train, test, kg_dir, trained=params)
    assert len(seen) == 2  # the links-free model of the features, the split's model
    chain_only, with_links = seen
    for a, b in TRAIN:
        assert (kg.text(a), kg.text(b)) in with_links and (kg.text(b), kg.text(a)) in with_links
    company_texts = {kg.text(c) for c in kg.companies}
    for pairs in seen:
        for a, b in TEST:
            assert (kg.text(a), kg.text(b)) not in pairs and (kg.text(b), kg.text(a)) not in pairs
    assert not any(a in company_texts and b in company_texts for a, b in chain_only)
    assert ("汽车", "动力电池 钢材") in chain_only  # product <-> its upstream inputs
    assert ("丁电池科技股份有限公司", "锂电池 动力电池") in chain_only  # title <-> the rest
    trained = result["methods"]["embedding_trained"]
    assert trained["queries"] == 4 and 0 <= trained["recall_at_10"] <= 1
    # a second run on the same split trains nothing: both models are found by fingerprint
    evaluate_links(train, test, kg_dir, trained=params)
    assert len(seen) == 2


def test_folds_on_fixture(kg_dir, tmp_path):
    pairs = _links(tmp_path / "all.csv", TRAIN + TEST)
    result = _run(
        ["--chainkg", str(kg_dir), "--folds", "2", "--pairs", str(pairs), "--no-embedding",
         "--no-trained"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["folds"]) == 2 and data["pairs"] == 6
    assert set(data["methods"]["ranker"]["mrr"]) == {"mean", "std"}


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--train", "x.csv"], "give --train TRAIN.csv and --test TEST.csv"),
        (["--folds", "5", "--test", "t.csv"], "not --test or --out"),
        (["--folds", "1"], "must be at least 2"),
        (["--train", "a.csv", "--test", "b.csv", "--top", "0"], "must be at least 1"),
    ],
)
def test_cli_errors(kg_dir, extra, message):
    result = _run(["--chainkg", str(kg_dir), "--no-embedding", *extra])
    assert result.exit_code == 2
    assert message in result.stderr


def test_cli_missing_chainkg(tmp_path):
    train = _links(tmp_path / "t.csv", TRAIN)
    result = _run(
        [
            "--chainkg",
            str(tmp_path / "nope"),
            "--train",
            str(train),
            "--test",
            str(train),
            "--no-embedding",
        ]
    )
    assert result.exit_code == 2 and "does not exist" in result.stderr


# --- the real data (skipped when ../shared/datasets is absent) ----------------------


@pytest.mark.slow
def test_real_data_small_split(tmp_path):
    if not default_chainkg().is_dir() or not default_pairs().is_file():
        pytest.skip("../shared/datasets is not present")
    pairs = read_links(default_pairs())[:1500]
    train = _links(tmp_path / "train.csv", pairs[:1200])
    test = _links(tmp_path / "test.csv", pairs[1200:])
    result = evaluate_links(train, test, default_chainkg(), top=20, out=tmp_path / "r.csv")
    ranker, rnd = result["methods"]["ranker"], result["methods"]["random"]
    assert ranker["queries"] > 50
    assert ranker["recall_at_50"] > 5 * rnd["recall_at_50"]
    assert ranker["auc"] > 0.75
