"""A text model trained here, on the workspace's own material, that reads Chinese.

The bundled all-MiniLM-L6-v2 maps Chinese characters to ``[UNK]``; no Chinese model can be
downloaded. So :func:`train` builds one with the sentence-transformers training API:

* a tokenizer learned with the ``tokenizers`` library on the training texts
  (:func:`learn_tokenizer`): NFKC and lower case; runs of CJK characters are split from Latin
  words and digits, and a BPE vocabulary learned on them merges frequent characters into words
  of at most :data:`MAX_CJK_TOKEN` characters (锂电池, 正极), with single characters as the
  fallback; Latin words are learned the same way;
* a :class:`~sentence_transformers.sentence_transformer.modules.StaticEmbedding` (the mean of
  trained per-token vectors; measured against a small transformer in docs/benchmarks.md);
* :class:`~sentence_transformers.sentence_transformer.losses.MultipleNegativesRankingLoss` on
  pairs the data knows (:func:`matchmaker.recommend.workspace_model.workspace_pairs`;
  :func:`matchmaker.recommend.trained_links.chainkg_pairs` on the evaluation data), trained with
  :class:`~sentence_transformers.SentenceTransformerTrainer`, no duplicate texts in a batch.

Same seed and same pairs give the same model, byte for byte: Python, NumPy and torch are
seeded and training runs on one thread. :func:`ensure_model` keys a model by the fingerprint of
its pairs and parameters and writes it to ``<models_dir>/embeddings/<fingerprint>/`` (a normal
sentence-transformers folder) with :data:`META_FILE`; unchanged data trains nothing.

>>> tok = learn_tokenizer(["锂电池正极材料", "锂电池隔膜", "锂电池 battery", "battery"])
>>> tok.encode("锂电池正极 Battery!").tokens
['锂电池', '正', '极', 'bat', 'ter', 'y']
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from matchmaker.errors import DataError, ModelError
from matchmaker.recommend.embed import META_FILE, embeddings_dir

__all__ = [
    "CJK",
    "FORMAT",
    "TrainParams",
    "ensure_model",
    "fingerprint",
    "learn_tokenizer",
    "train",
]

FORMAT = 1  # bump when pair building or training changes what a fingerprint means
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK unified ideographs (+ ext. A, compat.)
MAX_CJK_TOKEN = 4  # longest token the tokenizer learns, in characters


@dataclass(frozen=True)
class TrainParams:
    """What a training run does besides its pairs (part of the fingerprint).

    Parameters
    ----------
    dim : int
        Length of each vector.
    epochs : int
        Passes over the pairs.
    batch_size : int
        Pairs per step (the other pairs of a batch are the in-batch negatives).
    learning_rate : float
        AdamW's peak learning rate (static embeddings learn fast: 0.1 and more is usual).
    vocab_size : int
        Largest tokenizer vocabulary.
    max_token : int
        Longest learned token, in characters (BPE's ``max_token_length``).
    scale : float
        MultipleNegativesRankingLoss's similarity scale (1 / temperature).
    seed : int
        Seeds tokenizer order, weight init, batch order.
    model : {"static", "transformer"}
        ``static``: a StaticEmbedding (the choice, see docs/benchmarks.md);
        ``transformer``: a 2-layer BERT of width ``dim`` trained from scratch, mean-pooled
        (``learning_rate`` about 1e-3 suits it).
    """

    dim: int = 256
    epochs: int = 3
    batch_size: int = 256
    learning_rate: float = 0.2
    vocab_size: int = 30000
    max_token: int = MAX_CJK_TOKEN
    scale: float = 20.0
    seed: int = 0
    model: str = "static"


# --- tokenizer and training -------------------------------------------------------


def learn_tokenizer(texts: Iterable[str], vocab_size: int = 30000, max_token: int = MAX_CJK_TOKEN):
    """A ``tokenizers`` BPE tokenizer learned on ``texts``, CJK-aware.

    Text is NFKC-normalised and lower-cased; anything that is not a letter or digit
    separates tokens and is dropped; runs of CJK characters are cut from Latin words and
    digits; BPE merges frequent neighbours into tokens of at most ``max_token`` characters
    (``tokenizers``' ``max_token_length``). Characters never seen in ``texts`` are
    dropped (no ``[UNK]`` vector pulls unrelated texts together).

    Returns
    -------
    tokenizers.Tokenizer
    """
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(r"[\W_]+"), behavior="removed"),
            pre_tokenizers.Split(Regex(f"[{CJK}]+"), behavior="isolated"),
            pre_tokenizers.Digits(individual_digits=False),
        ]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        max_token_length=max_token,
        show_progress=False,
    )
    tokenizer.train_from_iterator(sorted(set(texts)), trainer)
    return tokenizer


def _seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train(pairs: list[tuple[str, str]], params: TrainParams, texts=(), progress=False):
    """Train a StaticEmbedding model on ``(anchor, positive)`` pairs.

    Parameters
    ----------
    pairs : list of (str, str)
        Texts that belong together; the other positives of a batch are the negatives.
    params : TrainParams
    texts : iterable of str
        More texts the tokenizer learns from (besides the pairs').
    progress : bool
        Show the trainer's progress bar (tqdm).

    Returns
    -------
    (SentenceTransformer, dict)
        The model and its sizes (``pairs``, ``vocab``, ``dim``, ``steps``).

    Raises
    ------
    DataError
        When there are fewer than 2 pairs (nothing to contrast).
    """
    if len(pairs) < 2:
        raise DataError(
            f"training the text model needs at least 2 text pairs, got {len(pairs)}: "
            "the workspace has no items, segments or relations to learn from"
        )
    import torch
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.base.sampler import BatchSamplers
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: the same sums in the same order, run after run
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        _seed_everything(params.seed)
        corpus = [t for p in pairs for t in p] + list(texts)
        tokenizer = learn_tokenizer(corpus, params.vocab_size, params.max_token)
        if params.model == "static":
            modules = [StaticEmbedding(tokenizer, embedding_dim=params.dim)]
        elif params.model == "transformer":
            modules = _small_transformer(tokenizer, params.dim)
        else:
            raise DataError(f"model {params.model!r} is not allowed; use static or transformer")
        model = SentenceTransformer(modules=modules, device="cpu")
        data = Dataset.from_dict(
            {"anchor": [a for a, _ in pairs], "positive": [b for _, b in pairs]}
        )
        batch = min(params.batch_size, len(pairs))
        with tempfile.TemporaryDirectory(prefix="matchmaker-train-") as tmp:
            args = SentenceTransformerTrainingArguments(
                output_dir=tmp,
                num_train_epochs=params.epochs,
                per_device_train_batch_size=batch,
                learning_rate=params.learning_rate,
                warmup_steps=0.1,
                seed=params.seed,
                data_seed=params.seed,
                batch_sampler=BatchSamplers.NO_DUPLICATES,
                save_strategy="no",
                logging_strategy="no",
                report_to="none",
                disable_tqdm=not progress,
                use_cpu=True,
                dataloader_num_workers=0,
            )
            loss = MultipleNegativesRankingLoss(model, scale=params.scale)
            trainer = SentenceTransformerTrainer(
                model=model, args=args, train_dataset=data, loss=loss
            )
            with contextlib.redirect_stdout(sys.stderr):  # the trainer prints its logs
                trainer.train()
            steps = int(trainer.state.global_step)
    finally:
        torch.set_num_threads(threads)
    sizes = {"pairs": len(pairs), "vocab": tokenizer.get_vocab_size(), "dim": params.dim}
    return model, {**sizes, "steps": steps}


def _small_transformer(tokenizer, dim: int, layers: int = 2, length: int = 64) -> list:
    """A BERT of ``layers`` layers and width ``dim`` with random weights over ``tokenizer``,
    mean-pooled: the transformer alternative to StaticEmbedding."""
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer.add_special_tokens(special)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="[PAD]",
        unk_token="[UNK]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=length,
    )
    config = BertConfig(
        vocab_size=len(fast),
        hidden_size=dim,
        num_hidden_layers=layers,
        num_attention_heads=max(1, dim // 64),
        intermediate_size=2 * dim,
        max_position_embeddings=length,
    )
    with tempfile.TemporaryDirectory(prefix="matchmaker-bert-") as tmp:
        BertModel(config).save_pretrained(tmp)
        fast.save_pretrained(tmp)
        module = Transformer(tmp, max_seq_length=length)
    return [module, Pooling(dim, "mean")]


# --- the model folder -------------------------------------------------------------


def fingerprint(pairs: list[tuple[str, str]], params: TrainParams, texts=()) -> str:
    """SHA-256 (hex) of the pairs, the tokenizer's extra texts, the parameters and
    :data:`FORMAT`: equal fingerprints mean equal models."""
    values = asdict(params)
    if values["model"] == "static":  # the default adds nothing: older static models match
        del values["model"]
    digest = hashlib.sha256(json.dumps({"format": FORMAT, **values}).encode())
    for a, b in pairs:
        digest.update(f"\n{a}\t{b}".encode())
    digest.update(b"\n--texts")
    for t in sorted(set(texts)):
        digest.update(f"\n{t}".encode())
    return digest.hexdigest()


def ensure_model(
    pairs: list[tuple[str, str]],
    params: TrainParams | None = None,
    texts=(),
    root: Path | None = None,
    progress: bool = False,
    source: str = "",
) -> tuple[Path, dict, bool]:
    """The folder of the model trained on exactly these pairs: found, or trained and saved.

    Parameters
    ----------
    pairs, params, texts
        As for :func:`train`.
    root : Path, optional
        Parent folder; default :func:`embeddings_dir`.
    progress : bool
        Progress bar while training.
    source : str
        What the pairs came from, recorded in the metadata.

    Returns
    -------
    (Path, dict, bool)
        ``root/<fingerprint[:16]>``, its metadata (:data:`META_FILE`), and whether it was
        trained now (False: an existing model was reused).
    """
    params = params or TrainParams()
    fp = fingerprint(pairs, params, texts)
    root = Path(root) if root is not None else embeddings_dir()
    folder = root / fp[:16]
    meta_path = folder / META_FILE
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"trained model metadata {meta_path} is unreadable: {exc}") from exc
        if meta.get("fingerprint") == fp:
            return folder, meta, False
    t0 = time.time()
    model, sizes = train(pairs, params, texts, progress)
    seconds = round(time.time() - t0, 1)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{fp[:16]}-", dir=root))
    try:
        model.save(str(tmp))
        meta = {
            "fingerprint": fp,
            "format": FORMAT,
            "source": source,
            "seed": params.seed,
            "loss": f"MultipleNegativesRankingLoss(scale={params.scale})",
            "model": params.model,
            "params": asdict(params),
            "sizes": {**sizes, "texts": len(set(texts))},
            "training_seconds": seconds,
            "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
        }
        (tmp / META_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False))
        if folder.exists():  # a half-written folder of an earlier, interrupted run
            shutil.rmtree(folder)
        tmp.rename(folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder, meta, True
