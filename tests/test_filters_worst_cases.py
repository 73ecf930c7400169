"""Memory of the filter and MinHash stages on the worst pages found for them: these run in
the worker itself, outside the extraction child's time and memory caps, so a page that
extracts in a second must not cost a worker gigabytes. Each case runs in a fresh interpreter and reports
how much its peak RSS grew."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_MEASURE = """
import random, resource, sys
sys.path.insert(0, {root!r})
from transforms.filters.config import default_filter_config
from transforms.filters.gopher import GopherRepetitionFilter
from transforms.filters.text_units import TextUnits
rng = random.Random(1)
words = "the of and to in is was for on that with as by at from it an".split()
prose = " ".join(rng.choice(words) for _ in range(750))
text = {text}
units = TextUnits(text)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
{work}
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def _grown_mb(text: str, work: str) -> int:
    code = _MEASURE.format(root=str(ROOT), text=text, work=work)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def test_one_five_megabyte_word_is_tokenized_in_little_memory():
    """The token pattern repeated an alternation greedily, keeping a backtracking point per
    character: 570 MB for one 5 MB run of letters (or digits, or "a-a-a-...")."""
    assert _grown_mb('prose + "\\n" + "e" * 5_000_000', "units.tokens") < 100
    assert _grown_mb('prose + "\\n" + "a-" * 2_500_000', "units.tokens") < 100


def test_a_five_megabyte_symbol_flood_stays_within_a_few_hundred_megabytes():
    """5M one-character tokens behind a short English text (identified as English, so it
    reaches the filters): all ten n-gram orders kept as int64 arrays plus every repeated
    position as a Python int made the repetition rules cost 880 MB; now 350 MB."""
    work = (
        "units.tokens\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        'GopherRepetitionFilter(default_filter_config()["gopher_repetition"]).check(units)'
    )
    assert _grown_mb('prose + "\\n" + "!" * 5_000_000', work) < 550


def test_one_five_megabyte_document_is_minhashed_in_bounded_memory():
    """A document larger than a signing chunk was permuted whole: 112 x 4 bytes a shingle,
    1.2 GB for "a a a ..." of 5 MB (reachable when a filters config lifts the word limit)."""
    work = "from transforms.minhash import MinHasher\nMinHasher().sign([text])"
    assert _grown_mb('"a " * 2_500_000', work) < 500
