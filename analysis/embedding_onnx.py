"""all-MiniLM-L6-v2 in ONNX Runtime: the same float32 vectors as sentence-transformers (cosine 1.000), loaded
in a fraction of the time (no torch is imported when scoring), and encoding as fast on a quiet machine, faster
under load (benchmarks/score_command.py).

The model's transformer is exported to ONNX once, from the installed model package, at its first use (a
notice says so on stderr; 5 to 30 s on two cores), and kept in Pulse's cache folder
(`pulse.settings.cache_folder`) under `onnx/<model name>/<hash of the model's files>.onnx`, so
that a changed model is exported again. Texts are tokenized with the model's own tokenizer.json (the
`tokenizers` package), truncated at the model's max_seq_length, padded to the longest text of a batch; the
token vectors are mean-pooled over the attention mask and L2-normalised, as sentence-transformers does. If the
export or ONNX Runtime fails, `onnx_encoder` says why in one line and returns None: the caller falls back to
sentence-transformers (analysis.embeddings)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pulse.files import written_atomically

ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17
BATCH_SIZE = 32


def model_files(location: Path) -> list[Path]:
    """Every file of the model folder, in a fixed order."""
    return sorted(path for path in location.rglob("*") if path.is_file())


def model_hash(location: Path) -> str:
    """The sha256 of the model folder's files (their names and contents)."""
    digest = hashlib.sha256()
    for path in model_files(location):
        digest.update(path.relative_to(location).as_posix().encode() + b"\0")
        with path.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()


def _files_stamp(location: Path) -> str:
    """A cheap key of the model folder (names, sizes, modification times): it lets a run skip hashing the
    model's 90 MB when the folder has not changed since the hash was taken."""
    stats = [
        (p.relative_to(location).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
        for p in model_files(location)
    ]
    return hashlib.sha256(repr((str(location), stats)).encode()).hexdigest()


def onnx_folder(cache: Path, model_name: str) -> Path:
    """Where the ONNX files of `model_name` are kept in the cache folder `cache`."""
    return cache / "onnx" / re.sub(r"[^\w.-]", "_", model_name)


def onnx_file(cache: Path, model_name: str, location: Path) -> Path:
    """The ONNX file of the model at `location`, named by the hash of its files (which is remembered, by the
    folder's stamp, in `hashes.json` beside it)."""
    folder = onnx_folder(cache, model_name)
    known: dict[str, str] = {}
    with contextlib.suppress(OSError, ValueError):
        known = json.loads((folder / "hashes.json").read_text(encoding="utf-8"))
    stamp = _files_stamp(location)
    digest = known.get(stamp)
    if digest is None:
        digest = model_hash(location)
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
            with written_atomically(folder / "hashes.json") as temporary:
                temporary.write_bytes(json.dumps({stamp: digest}).encode())
    return folder / f"{digest[:32]}.onnx"


def export_onnx(location: Path, target: Path) -> None:
    """Export the transformer of the sentence-transformers model at `location` to `target` (token vectors
    out; pooling and normalising stay in numpy). Imports torch; written atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)  # fails here, before torch loads, if it cannot write
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    transformer = SentenceTransformer(str(location), device="cpu")[0].auto_model

    class TokenVectors(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            output = self.transformer(  # type: ignore[operator]
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return output.last_hidden_state

    example = {name: torch.ones((2, 8), dtype=torch.int64) for name in ONNX_INPUTS}
    example["token_type_ids"] = torch.zeros((2, 8), dtype=torch.int64)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*ONNX_INPUTS, "token_vectors"]}
    with written_atomically(target) as temporary, torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on the model's code: nothing to act on
        torch.onnx.export(
            TokenVectors().eval(),
            tuple(example[name] for name in ONNX_INPUTS),
            str(temporary),
            input_names=list(ONNX_INPUTS),
            output_names=["token_vectors"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


class OnnxEncoder:
    """Unit-length float32 sentence vectors of a sentence-transformers model (a BERT-like transformer, mean
    pooling, normalising) from its ONNX file, tokenized with the model's tokenizer.json. `embed` orders texts by
    their tokens and hands them over BATCH_SIZE at a time (measured on BANKING77's queries and their sentences:
    about 30% faster than by characters, 64 at a time)."""

    batch_size = BATCH_SIZE

    def __init__(self, path: Path, location: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        settings = json.loads((location / "sentence_bert_config.json").read_text(encoding="utf-8"))
        pooling = json.loads((location / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        modules = json.loads((location / "modules.json").read_text(encoding="utf-8"))
        kinds = {module["type"].rsplit(".", 1)[-1] for module in modules}
        if not pooling.get("pooling_mode_mean_tokens") or kinds - {"Transformer", "Pooling", "Normalize"}:
            raise ValueError(f"not a mean-pooled transformer: {sorted(kinds)}")
        self.dimension = int(pooling["word_embedding_dimension"])
        self.tokenizer = Tokenizer.from_file(str(location / "tokenizer.json"))
        padding = self.tokenizer.padding or {"pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"}
        self.tokenizer.enable_truncation(max_length=int(settings["max_seq_length"]))
        self.counter = Tokenizer.from_str(self.tokenizer.to_str())  # the same, unpadded: lengths in tokens
        self.counter.no_padding()
        self.tokenizer.enable_padding(  # to the longest text of each batch (the file pads to a fixed 128)
            pad_id=padding["pad_id"], pad_type_id=padding["pad_type_id"], pad_token=padding["pad_token"]
        )
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def lengths(self, texts: Sequence[str]) -> list[int]:
        """Each text's length in tokens (what a batch is padded by)."""
        return [len(encoding.ids) for encoding in self.counter.encode_batch([text.strip() for text in texts])]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of `texts`, one batch (they are padded to the longest)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch([text.strip() for text in texts])
        inputs = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        (tokens,) = self.session.run(["token_vectors"], inputs)
        mask = inputs["attention_mask"][..., None].astype(np.float32)
        pooled = (tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def onnx_encoder(model_name: str, location: Path, cache: Path) -> OnnxEncoder | None:
    """The ONNX Runtime encoder of the model at `location`, its ONNX file exported into `cache` first if it is
    not there; None, after a one-line notice on stderr, when that fails (sentence-transformers then embeds)."""
    try:
        path = onnx_file(cache, model_name, location)
        if not path.is_file():
            print(
                f"Preparing {model_name} for ONNX Runtime, once (under a minute): {path}",
                file=sys.stderr,
                flush=True,
            )
            export_onnx(location, path)
        return OnnxEncoder(path, location)
    except Exception as error:  # any failure (no onnxruntime, a failed export, a damaged file) falls back
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        print(
            f"Note: {model_name} could not run in ONNX Runtime ({type(error).__name__}: {reason}); "
            "embedding with sentence-transformers instead (slower).",
            file=sys.stderr,
            flush=True,
        )
        return None
