"""The text model trained here: CJK-aware tokenizer, pairs, determinism, the fingerprint cache,
selection by setting, and the `embeddings train` command, on tiny hand-built data."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.errors import DataError, ModelError
from matchmaker.recommend import train_embed
from matchmaker.recommend.embed import META_FILE, latest_trained, load_embedder
from matchmaker.recommend.recommender import Recommender
from matchmaker.recommend.train_embed import TrainParams, ensure_model, learn_tokenizer
from matchmaker.recommend.workspace_model import (
    cjk_share,
    train_workspace,
    wants_trained,
    workspace_pairs,
)

TINY = TrainParams(dim=8, epochs=1, batch_size=4)

# A small Chinese workspace: a cathode maker, a cell maker that needs cathodes, a pack maker.
WORKSPACE = {
    "organizations": [
        {"org_id": "A", "name": "正极甲", "kind": "company", "description": "正极材料生产企业"},
        {"org_id": "B", "name": "电芯乙", "kind": "company", "description": "锂电池电芯制造"},
        {"org_id": "C", "name": "电池包丙", "kind": "company", "description": "动力电池包"},
    ],
    "segments": [
        {"segment_id": "cat", "name": "正极材料", "chain": "ev", "stage": "upstream"},
        {"segment_id": "cell", "name": "锂电池电芯", "chain": "ev", "stage": "midstream"},
    ],
    "chain_links": [{"upstream": "cat", "downstream": "cell"}],
    "items": [
        {"item_id": "I1", "org_id": "A", "side": "offer", "type": "product",
         "title": "三元正极材料", "description": "高镍三元", "segment": "cat",
         "keywords": ("NCM", "高镍")},
        {"item_id": "I2", "org_id": "B", "side": "need", "type": "product",
         "title": "采购正极材料", "description": "", "segment": "cat", "keywords": ()},
        {"item_id": "I3", "org_id": "B", "side": "offer", "type": "product",
         "title": "方形锂电池电芯", "description": "", "segment": "cell", "keywords": ()},
        {"item_id": "I4", "org_id": "C", "side": "need", "type": "product",
         "title": "采购锂电池电芯", "description": "", "segment": "cell", "keywords": ()},
    ],
    "relations": [{"org_a": "A", "org_b": "B", "kind": "supplier_of"}],
    "deals": [
        {"deal_id": "D1", "org_a": "B", "org_b": "C", "stage": "signed", "title": "电芯"},
        {"deal_id": "D2", "org_a": "A", "org_b": "C", "stage": "dropped", "title": "x"},
    ],
}  # fmt: skip


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_MODELS_DIR", str(tmp_path / "models"))
    return tmp_path / "models"


# --- tokenizer ----------------------------------------------------------------------


def test_tokenizer_splits_cjk_from_latin_and_learns_words():
    tok = learn_tokenizer(["锂电池正极材料", "锂电池隔膜", "锂电池 NCM811", "ncm 正极"])
    # CJK runs cut from Latin and digits; 锂电池 (3 times) and ncm (twice) learned as one
    # token, 811 (once) not; lower case; punctuation dropped; characters never seen are
    # dropped, not [UNK]
    assert tok.encode("锂电池正极，NCM-811!").tokens == ["锂电池", "正极", "ncm", "8", "1", "1"]
    assert tok.encode("锂电池鑫").tokens == ["锂电池"]
    short = learn_tokenizer(["锂电池正极材料", "锂电池隔膜", "锂电池"], max_token=2)
    assert max(len(t) for t in short.get_vocab()) == 2
    assert short.encode("锂电池").tokens == ["锂", "电池"]


def test_cjk_share_and_when_the_trained_model_is_wanted():
    assert cjk_share(["锂电池 ab"]) == pytest.approx(3 / 5)
    assert cjk_share(["123 !"]) == 0.0
    assert wants_trained(WORKSPACE, "") is True  # mostly Chinese
    english = {"items": [{"title": "lithium cells", "side": "offer"}], "organizations": []}
    assert wants_trained(english, "") is False
    assert wants_trained(english, "trained") is True
    assert wants_trained(WORKSPACE, "/some/model/folder") is False


# --- pairs --------------------------------------------------------------------------


def test_workspace_pairs():
    pairs = workspace_pairs(WORKSPACE)
    assert pairs == sorted(set(pairs))
    # need <-> offer: relation A-B (B needs cathodes, A offers them) and signed deal B-C;
    # not the dropped deal A-C (A's offer against C's need)
    assert ("采购正极材料", "三元正极材料. 高镍三元. NCM 高镍") in pairs
    assert ("采购锂电池电芯", "方形锂电池电芯") in pairs
    assert not any(a == "采购锂电池电芯" and b.startswith("三元") for a, b in pairs)
    # product <-> upstream input; offer title <-> its segment; title <-> description
    assert ("锂电池电芯", "正极材料") in pairs
    assert ("三元正极材料", "正极材料") in pairs
    assert ("三元正极材料", "高镍三元 NCM 高镍") in pairs
    assert ("正极甲", "正极材料生产企业") in pairs
    assert len(pairs) == 9


# --- training -----------------------------------------------------------------------


def _vectors(folder, texts):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu").encode(texts)


def test_same_seed_same_data_same_model(tmp_path):
    pairs = workspace_pairs(WORKSPACE)
    one, meta, trained = ensure_model(pairs, TINY, root=tmp_path / "one")
    two, _, _ = ensure_model(pairs, TINY, root=tmp_path / "two")
    assert trained and one.name == two.name == meta["fingerprint"][:16]
    texts = ["采购正极材料", "方形锂电池电芯"]
    assert np.array_equal(_vectors(one, texts), _vectors(two, texts))
    assert (one / "model.safetensors").read_bytes() == (two / "model.safetensors").read_bytes()
    other, _, _ = ensure_model(pairs, TrainParams(dim=8, epochs=1, batch_size=4, seed=1),
                               root=tmp_path / "two")  # fmt: skip
    assert other.name != one.name
    assert not np.array_equal(_vectors(other, texts), _vectors(one, texts))
    assert meta["seed"] == 0 and meta["loss"].startswith("MultipleNegativesRankingLoss")
    assert meta["sizes"]["pairs"] == len(pairs) and meta["sizes"]["dim"] == 8


def test_unchanged_data_trains_nothing(tmp_path, monkeypatch):
    pairs = workspace_pairs(WORKSPACE)
    folder, _, trained = ensure_model(pairs, TINY, root=tmp_path)
    assert trained

    def refuse(*args, **kwargs):
        raise AssertionError("trained again on unchanged data")

    monkeypatch.setattr(train_embed, "train", refuse)
    again, meta, trained = ensure_model(pairs, TINY, root=tmp_path)
    assert (again, trained) == (folder, False)
    assert json.loads((folder / META_FILE).read_text())["fingerprint"] == meta["fingerprint"]
    with pytest.raises(AssertionError, match="trained again"):  # new data: a new model
        ensure_model(pairs[:-1], TINY, root=tmp_path)


def test_too_few_pairs():
    with pytest.raises(DataError, match="at least 2 text pairs, got 1"):
        train_embed.train([("a", "b")], TINY)


# --- selection ----------------------------------------------------------------------


def test_trained_model_loads_by_path_and_by_setting(tmp_path, models_dir, monkeypatch):
    with pytest.raises(ModelError, match="embeddings train"):
        latest_trained()
    folder, _, _ = train_workspace(None, TINY, rows=WORKSPACE)
    monkeypatch.setenv("MATCHMAKER_EMBEDDING_MODEL", str(folder))
    by_path = load_embedder()
    assert by_path.dim == 8 and by_path.model_id.startswith(folder.name)
    monkeypatch.setenv("MATCHMAKER_EMBEDDING_MODEL", "trained")
    assert load_embedder().path == folder
    vec = by_path.encode(["采购正极材料"])
    assert vec.shape == (1, 8) and np.linalg.norm(vec) == pytest.approx(1.0, abs=1e-5)


def test_recommender_uses_the_trained_model_on_a_chinese_workspace(
    sqlite_store, models_dir, monkeypatch
):
    monkeypatch.setattr(train_embed, "TrainParams", lambda: TINY)
    sqlite_store.upsert(WORKSPACE)
    rec = Recommender(sqlite_store)  # setting empty, workspace mostly Chinese
    folder = next(models_dir.joinpath("embeddings").iterdir())
    assert rec.embedder.model_id.startswith(folder.name) and rec.embedder.dim == 8
    assert {s.partner_id for s in rec.recommend("B", "suppliers", k=2)} == {"A"}


# --- the command --------------------------------------------------------------------


def test_embeddings_train_command(sqlite_store, models_dir):
    sqlite_store.upsert(WORKSPACE)
    runner = CliRunner()
    args = ["--db", sqlite_store.url, "embeddings", "train", "--dim", "8", "--epochs", "1"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("trained ") and "9 pairs" in first.stdout
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and again.stdout.startswith("unchanged data: nothing trained")
    (folder,) = list((models_dir / "embeddings").iterdir())
    meta = json.loads((folder / META_FILE).read_text())
    assert meta["source"] == "workspace" and meta["params"]["dim"] == 8
