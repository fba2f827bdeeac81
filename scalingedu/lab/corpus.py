"""The lab's text: the Python standard library's own source code, read from this installation at run time.

Every Python installation carries its standard library as ``.py`` files (about 30 MB on CPython 3.11 with its test
suite), so the lab has tens of millions of characters of real, varied text (code, comments, docstrings, English)
without downloading anything or copying text into this repository. A sweep run never sees a character twice
(except in the repetition experiment, which repeats on purpose).

Characters: the 95 printable ASCII characters, the newline, and one ``OTHER`` symbol for everything else (tabs,
carriage returns and each byte of a non-ASCII character), 97 symbols in all.

Split: each file goes wholly to validation or to training, decided by a hash of its path relative to the standard
library (about 5 % of files validate). The split depends only on file names, so it is the same on every run and
every machine with the same Python.

Provenance: :func:`Corpus.hash` is the SHA-256 of the encoded training and validation text. Two Pythons (3.11.7 and
3.12.1, say) have different standard libraries, hence different corpora and losses that cannot be compared;
:func:`check_corpus` turns a mismatch into a :class:`CorpusMismatchError` that explains this, instead of letting
results from two corpora be mixed silently.
"""
from __future__ import annotations

import functools
import hashlib
import platform
import sysconfig
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

NEWLINE_ID = 0
FIRST_PRINTABLE, LAST_PRINTABLE = 32, 126
OTHER_ID = 1 + LAST_PRINTABLE - FIRST_PRINTABLE + 1      # 96: after the newline and the 95 printable characters
VOCAB_SIZE = OTHER_ID + 1                                  # 97 symbols
VALIDATION_PERCENT = 5
"""Files whose path hashes (CRC-32) to a value below this percentage are held out for validation."""
ENCODING_VERSION = "ascii97-v1"
"""Changes whenever the encoding or the split changes, so that an old hash cannot match by accident."""


def _byte_table() -> np.ndarray:
    table = np.full(256, OTHER_ID, dtype=np.uint8)
    table[ord("\n")] = NEWLINE_ID
    printable = np.arange(FIRST_PRINTABLE, LAST_PRINTABLE + 1)
    table[printable] = 1 + printable - FIRST_PRINTABLE
    return table


_BYTE_TO_ID = _byte_table()
_ID_TO_CHAR = np.array(["\n"] + [chr(c) for c in range(FIRST_PRINTABLE, LAST_PRINTABLE + 1)] + ["\u00bf"])


def encode(text: str | bytes) -> np.ndarray:
    """Token ids (uint8, 0 to 96) of ``text``: one per byte of its UTF-8 encoding."""
    if isinstance(text, str):
        text = text.encode("utf-8")
    if not isinstance(text, (bytes, bytearray)):
        raise TypeError(f"text must be str or bytes, not {type(text).__name__}")
    return _BYTE_TO_ID[np.frombuffer(bytes(text), dtype=np.uint8)]


def decode(ids) -> str:
    """The text of token ids (``OTHER`` shows as an inverted question mark)."""
    array = np.asarray(ids)
    if array.size and (array.min() < 0 or array.max() >= VOCAB_SIZE):
        raise ValueError(f"ids must lie in [0, {VOCAB_SIZE - 1}] (got values from {array.min()} to {array.max()})")
    return "".join(_ID_TO_CHAR[array.astype(np.int64)])


def standard_library_dir() -> Path:
    """Where this Python keeps its standard library's source."""
    return Path(sysconfig.get_paths()["stdlib"])


def is_validation_file(relative_path: str) -> bool:
    """The split: a file validates when the CRC-32 of its relative path (with '/') falls in the lowest 5 %."""
    return zlib.crc32(relative_path.encode("utf-8")) % 100 < VALIDATION_PERCENT


@dataclass(frozen=True, eq=False)
class Corpus:
    """Encoded training and validation text (uint8 token ids), where they came from and their hash."""

    train: np.ndarray
    validation: np.ndarray
    source: str
    files: int
    python: str

    @functools.cached_property
    def hash(self) -> str:
        """SHA-256 (hex) of the encoding version, the training text and the validation text."""
        digest = hashlib.sha256(ENCODING_VERSION.encode())
        digest.update(len(self.train).to_bytes(8, "little"))
        digest.update(self.train.tobytes())
        digest.update(self.validation.tobytes())
        return digest.hexdigest()

    @property
    def short_hash(self) -> str:
        return self.hash[:12]

    def describe(self) -> str:
        return (f"Python {self.python} standard library at {self.source}: {self.files} files, "
                f"{len(self.train) / 1e6:.1f}M training and {len(self.validation) / 1e6:.2f}M validation "
                f"characters, hash {self.short_hash}")


@functools.lru_cache(maxsize=2)
def load_corpus(directory: str | None = None) -> Corpus:
    """Read and encode every ``.py`` file of the standard library (or of ``directory``), split by file.

    Files are read in sorted order of their relative paths; ``site-packages`` (installed third-party code, which
    differs between environments) is skipped. The result is cached per process: reading takes about a second.
    """
    root = standard_library_dir() if directory is None else Path(directory)
    if not root.is_dir():
        raise ValueError(f"directory {str(root)!r} is not a directory; give the folder of a Python standard library")
    paths = sorted((p for p in root.rglob("*.py") if "site-packages" not in p.relative_to(root).parts),
                   key=lambda p: p.relative_to(root).as_posix())
    train_parts, validation_parts = [], []
    for path in paths:
        relative = path.relative_to(root).as_posix()
        try:
            data = path.read_bytes()
        except OSError:        # an unreadable file would make the corpus depend on permissions: skip it
            continue
        (validation_parts if is_validation_file(relative) else train_parts).append(data)
    if not train_parts or not validation_parts:
        raise ValueError(f"directory {str(root)!r} holds too few .py files for a training and a validation split "
                         f"({len(paths)} found)")
    train = encode(b"".join(train_parts))
    validation = encode(b"".join(validation_parts))
    for array in (train, validation):
        array.setflags(write=False)
    return Corpus(train=train, validation=validation, source=str(root), files=len(paths),
                  python=platform.python_version())


class CorpusMismatchError(ValueError):
    """Results were produced on a different corpus than the one this Python provides."""


def check_corpus(expected_hash: str, corpus: Corpus | None = None, *, made_with: str = "") -> Corpus:
    """Return this Python's corpus if its hash is ``expected_hash``; otherwise explain why that matters and raise.

    Losses depend on the text a model is trained and validated on. A different Python version (or a patched
    standard library) gives a different corpus, so its losses are not comparable with ``expected_hash``'s.
    """
    if not isinstance(expected_hash, str) or not expected_hash:
        raise TypeError(f"expected_hash must be a non-empty hex string, not {expected_hash!r}")
    corpus = load_corpus() if corpus is None else corpus
    if corpus.hash != expected_hash:
        origin = f" (made with {made_with})" if made_with else ""
        raise CorpusMismatchError(
            f"corpus mismatch: the results were made on corpus {expected_hash[:12]}{origin}, but this Python's "
            f"corpus is {corpus.short_hash} ({corpus.describe()}). The lab trains on the standard library of the "
            "Python that runs it, and each Python version ships different source files, so losses measured on "
            "the two corpora are not comparable and must not be mixed in one fit. Either run the whole sweep "
            "again here (scalingedu sweep --out FILE.csv) or analyse the shipped results on their own.")
    return corpus
