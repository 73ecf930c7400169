"""Training and evaluation of the AI-text detector, and the `ccprov ai` commands."""

from __future__ import annotations

import gzip
import itertools
import json
import random
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ai_cli import main as ai_main
from transforms.ai_detect import AiScorer
from transforms.ai_training import (
    DataError,
    best_f1_threshold,
    classification_metrics,
    evaluate_detector,
    load_examples,
    load_train_valid,
    roc_auc,
    train_detector,
)

TINY_GRID = {"dim": [8], "wordNgrams": [2], "minn_maxn": [(0, 0)], "epoch": [15], "lr": [0.3]}


def brute_force_auc(labels, scores):
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9, 1.0])),
        min_size=2,
        max_size=40,
    )
)
def test_roc_auc_matches_pairwise_definition(pairs):
    labels = [int(y) for y, _ in pairs]
    scores = [s for _, s in pairs]
    if len(set(labels)) < 2:
        assert roc_auc(labels, scores) != roc_auc(labels, scores)  # NaN without both classes
    else:
        assert roc_auc(labels, scores) == pytest.approx(brute_force_auc(labels, scores))


def test_metrics_and_confusion_matrix():
    labels = [1, 1, 1, 0, 0, 0, 0]
    scores = [0.9, 0.6, 0.4, 0.7, 0.3, 0.2, 0.5]
    m = classification_metrics(labels, scores, 0.5)  # ai when score > 0.5
    assert m["confusion"] == {"tp": 2, "fp": 1, "fn": 1, "tn": 3}
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 / 3)
    t = best_f1_threshold(labels, scores)
    assert classification_metrics(labels, scores, t)["f1"] >= m["f1"]
    strict = best_f1_threshold(labels, scores, max_fpr=0.0)  # may flag no human example
    assert classification_metrics(labels, scores, strict)["confusion"]["fp"] == 0
    assert strict >= 0.7


# ---------------------------------------------------------------- data loading


def write_jsonl(path, rows, gz=False):
    opener = gzip.open if gz else open
    with opener(path, "wt", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")


def test_loads_jsonl_gz_and_parquet_with_both_label_styles(tmp_path):
    write_jsonl(
        tmp_path / "a.jsonl.gz",
        [{"text": "one", "label": "ai", "lang": "en"}, {"text": "two", "label": "human"}],
        gz=True,
    )
    pq.write_table(
        pa.table({"text": ["three", "four", ""], "label": [1, 0, 1]}), tmp_path / "b.parquet"
    )
    examples = load_examples(tmp_path)
    assert [(e.text, e.label) for e in examples] == [
        ("one", 1),
        ("two", 0),
        ("three", 1),
        ("four", 0),
    ]
    assert examples[0].meta == {"lang": "en"}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"text": "x", "label": "robot"}], "label must be"),
        ([{"body": "x", "label": "ai"}], "needs 'text' and 'label'"),
    ],
)
def test_bad_records_are_data_errors(tmp_path, rows, message):
    write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(DataError, match=message):
        load_examples(tmp_path)


def test_lines_that_are_not_objects_and_cut_gzip_are_data_errors(tmp_path):
    """A JSON line `5` was a TypeError, a truncated .jsonl.gz an EOFError: tracebacks."""
    import gzip

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "int.jsonl").write_text('{"text": "x", "label": "ai"}\n5\n')
    with pytest.raises(DataError, match="int.jsonl:2: not a JSON object"):
        load_examples(tmp_path / "a")
    (tmp_path / "b").mkdir()
    whole = gzip.compress(b'{"text": "x", "label": "ai"}\n' * 2000)
    (tmp_path / "b" / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match="cut.jsonl.gz: after line"):
        load_examples(tmp_path / "b")


def test_seeded_split_without_subfolders_is_stable_and_stratified(tmp_path):
    write_jsonl(tmp_path / "d.jsonl", [{"text": f"doc {i}", "label": i % 2} for i in range(40)])
    train_a, valid_a = load_train_valid(tmp_path)
    train_b, valid_b = load_train_valid(tmp_path)
    assert [e.text for e in valid_a] == [e.text for e in valid_b]
    assert len(train_a) + len(valid_a) == 40
    assert sum(e.label for e in valid_a) == 3 and len(valid_a) == 6  # 15 % of each class


def test_seeded_split_keeps_a_group_on_one_side(tmp_path):
    """Neighbouring chunks of one page share a `group`; a random split put them on both sides."""
    rows = [{"text": f"doc {i}", "label": "human", "group": f"page{i // 5}"} for i in range(100)]
    rows += [{"text": f"gen {i}", "label": "ai", "group": f"gen{i}"} for i in range(40)]
    rows += [{"text": f"loose {i}", "label": "human"} for i in range(10)]  # no group: its own
    write_jsonl(tmp_path / "d.jsonl", rows)
    train, valid = load_train_valid(tmp_path)
    groups = [{e.meta.get("group") for e in side} - {None} for side in (train, valid)]
    assert not groups[0] & groups[1]
    assert len(train) + len(valid) == 150
    assert 15 <= sum(1 - e.label for e in valid) <= 21 and sum(e.label for e in valid) == 6
    assert [e.text for e in load_train_valid(tmp_path)[1]] == [e.text for e in valid]


def test_one_large_group_does_not_take_a_labels_whole_valid_side():
    """The first group drawn went to valid whatever its size."""
    from transforms.ai_training import Example, split_by_group

    def ex(i, label, group):
        return Example(f"t{i}", label, {"group": group})

    examples = [ex(i, 0, "huge") for i in range(80)]
    examples += [ex(100 + i, 0, f"small{i}") for i in range(20)]
    examples += [ex(200 + i, 1, f"ai{i}") for i in range(40)]
    for seed in range(20):
        train, valid = split_by_group(examples, seed)
        humans = [e for e in valid if e.label == 0]
        assert 1 <= len(humans) <= 15, (seed, len(humans))
        assert any(e.label == 0 for e in train) and any(e.label == 1 for e in train)
        assert 1 <= sum(e.label for e in valid) <= 6


# ---------------------------------------------------------------- train + eval round trip


def synthetic_corpus(seed: int, n: int) -> list[dict]:
    """Documents over one shared topic vocabulary; only the connective style differs by label."""
    rng = random.Random(seed)
    topics = "garden kettle invoice river bicycle server recipe ticket window battery harbour library".split()
    ai_style = [
        "furthermore",
        "moreover",
        "overall",
        "additionally",
        "ultimately",
        "essential",
        "seamless",
    ]
    human_style = ["anyway", "honestly", "dunno", "btw", "mind you", "mostly", "reckon"]
    rows = []
    for i in range(n):
        label = "ai" if i % 2 else "human"
        style = ai_style if label == "ai" else human_style
        words = [rng.choice(topics) for _ in range(40)] + [rng.choice(style) for _ in range(6)]
        rng.shuffle(words)
        rows.append(
            {"text": " ".join(words), "label": label, "lang": "en", "cliche_free": i % 4 == 1}
        )
    return rows


def test_train_then_eval_round_trip(tmp_path, capsys):
    data = tmp_path / "data"
    (data / "train").mkdir(parents=True)
    (data / "valid").mkdir()
    (tmp_path / "test").mkdir()
    write_jsonl(data / "train" / "train.jsonl", synthetic_corpus(1, 120))
    write_jsonl(data / "valid" / "valid.jsonl", synthetic_corpus(2, 40))
    write_jsonl(tmp_path / "test" / "test.jsonl", synthetic_corpus(3, 40))
    model = tmp_path / "ai_detector-v9.ftz"

    card = train_detector(data, model, grid=TINY_GRID, log=lambda _line: None)
    assert model.is_file() and model.with_suffix(".json").is_file()
    assert re.fullmatch(r"ai-detector-v9-[0-9a-f]{8}", card["version"])
    assert card["training_examples"] == {"ai": 60, "human": 60}
    assert 0.0 <= card["threshold"] <= 1.0
    assert card["validation"]["roc_auc"] > 0.95

    loaded = AiScorer.load(model)
    assert loaded.version == card["version"] and loaded.threshold == card["threshold"]
    report = evaluate_detector(model, tmp_path / "test")
    assert report["roc_auc"] > 0.95 and report["f1"] > 0.85
    assert report["examples"] == {"ai": 20, "human": 20}
    assert sum(report["confusion"].values()) == 40
    assert report["subsets"]["cliche_free_ai_vs_human"]["ai"] == 10

    assert ai_main(["eval", "--model", str(model), "--data", str(tmp_path / "test")]) == 0
    out = capsys.readouterr().out
    for label in ("ROC AUC", "precision", "recall", "F1", "actual ai", "actual human"):
        assert label in out
    assert ai_main(["eval", "--model", str(model), "--data", str(tmp_path / "test"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model_version"] == card["version"]


def test_training_is_reproducible(tmp_path):
    write_jsonl(tmp_path / "d.jsonl", synthetic_corpus(5, 80))
    a = train_detector(
        tmp_path / "d.jsonl",
        tmp_path / "a" / "m.ftz",
        grid=TINY_GRID,
        quantize=False,
        log=lambda _l: None,
    )
    b = train_detector(
        tmp_path / "d.jsonl",
        tmp_path / "b" / "m.ftz",
        grid=TINY_GRID,
        quantize=False,
        log=lambda _l: None,
    )
    assert a["version"] == b["version"]  # same bytes: the version embeds the file hash


# ---------------------------------------------------------------- CLI errors


@pytest.mark.parametrize(
    "argv",
    [
        ["eval", "--data", "/no/such/dir"],
        ["eval", "--model", "/no/such/model.ftz", "--data", "."],
        ["eval"],
        ["train", "--data", "/no/such/dir", "--out", "x.ftz"],
        ["frobnicate"],
        ["eval", "--data", ".", "--threshold", "2"],
    ],
)
def test_bad_arguments_are_one_line_errors(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(ai_main(argv))
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    err = [line for line in err if "apitools" not in line]  # Beam's import-time warning
    assert len(err) == 1 and "error:" in err[0] and "Traceback" not in err[0]


def test_eval_refuses_a_folder_that_holds_the_splits(tmp_path, capsys):
    """`eval --data data/ai_corpus` read the pools and train/valid/test: every text twice."""
    for name in ("train", "valid", "test"):
        (tmp_path / name).mkdir()
        write_jsonl(tmp_path / name / "d.jsonl", [{"text": "a b c", "label": "ai"}])
    assert ai_main(["eval", "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"--data {tmp_path / 'test'}" in err[0]


def test_a_remote_model_for_ai_eval_is_named_as_local_only(tmp_path, capsys):
    """`ccprov run --ai-model s3://...` works; `ai eval` said only "model file not found"."""
    write_jsonl(tmp_path / "d.jsonl", [{"text": "a b c", "label": "ai"}])
    assert ai_main(["eval", "--data", str(tmp_path), "--model", "s3://b/m.ftz"]) == 2
    assert "ccprov ai reads local files" in capsys.readouterr().err


def test_unlabelled_data_is_a_one_line_error(tmp_path, capsys):
    write_jsonl(tmp_path / "only_ai.jsonl", [{"text": "a b c", "label": "ai"}] * 3)
    assert (
        ai_main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "m.ftz"), "--quick"])
        == 2
    )
    assert "both 'ai' and 'human'" in capsys.readouterr().err


def test_training_refuses_an_out_its_card_would_overwrite(tmp_path, capsys):
    """The card goes to OUT with .json: `--out m.json` wrote the model, then the card over
    it, and said it had written the model."""
    write_jsonl(tmp_path / "data.jsonl", synthetic_corpus(1, 60))
    out = tmp_path / "m.json"
    assert (
        ai_main(["train", "--data", str(tmp_path / "data.jsonl"), "--out", str(out), "--quick"])
        == 2
    )
    err = capsys.readouterr().err
    assert "the model card is written as m.json" in err and err.count("\n") == 1
    assert not out.exists()


def test_an_out_that_cannot_be_written_is_refused_before_training(tmp_path, capsys):
    """Review of session 29: a file where --out's folder should be was found only after the
    training (9 s on a quick grid, hours on the full one), as a FileExistsError."""
    write_jsonl(tmp_path / "data.jsonl", synthetic_corpus(1, 60))
    (tmp_path / "afile").write_text("x")
    argv = ["train", "--data", str(tmp_path / "data.jsonl"), "--quick", "--out"]
    for out, problem in (
        (tmp_path / "afile" / "m.ftz", "is not a directory"),
        (tmp_path / "afile" / "deeper" / "m.ftz", "is not a directory"),
    ):
        assert ai_main([*argv, str(out)]) == 2
        err = capsys.readouterr().err
        assert problem in err and err.count("\n") == 1
        assert "AUC" not in err  # refused before any training round
    # A folder that does not exist yet is no problem: training makes it.
    from pipeline.ai_cli import _unwritable

    assert _unwritable(tmp_path / "new" / "deeper" / "m.ftz") is None
    assert not (tmp_path / "new").exists()  # the check itself writes nothing


@pytest.mark.parametrize("seed", ["2147483648", "-1"])
def test_a_seed_fasttext_cannot_take_is_one_line(seed, tmp_path, capsys):
    write_jsonl(tmp_path / "data.jsonl", synthetic_corpus(1, 60))
    argv = ["train", "--data", str(tmp_path / "data.jsonl"), "--out", str(tmp_path / "m.ftz")]
    assert ai_main([*argv, "--quick", "--seed", seed]) == 2
    err = capsys.readouterr().err
    assert "--seed must be within [0, 2147483647]" in err and err.count("\n") == 1


def test_groups_holding_both_labels_leave_each_side_both_labels():
    """Second review: valid came out with no AI example ([(0,0),(0,1),(0,3),(0,2),(1,0),
    (1,2),(0,0)] as (label, group)): every AI group had gone to train with a human group."""
    import itertools
    import random as rnd

    from transforms.ai_training import Example, split_by_group

    case = [(0, 0), (0, 1), (0, 3), (0, 2), (1, 0), (1, 2), (0, 0)]
    examples = [Example(f"t{i}", label, {"group": g}) for i, (label, g) in enumerate(case)]
    train, valid = split_by_group(examples)
    assert {e.label for e in train} == {e.label for e in valid} == {0, 1}
    rng = rnd.Random(5)
    for _ in range(2000):
        n = rng.randint(4, 12)
        data = [(rng.randint(0, 1), rng.randint(0, 4)) for _ in range(n)]
        examples = [Example(f"t{i}", lab, {"group": g}) for i, (lab, g) in enumerate(data)]
        train, valid = split_by_group(examples, rng.randint(0, 99))
        assert sorted(e.text for e in itertools.chain(train, valid)) == sorted(
            e.text for e in examples
        )
        groups = {g for _, g in data}
        possible = any(
            {lab for lab, g in data if g in side}
            == {0, 1}
            == {lab for lab, g in data if g not in side}
            for r in range(1, len(groups))
            for side in itertools.combinations(groups, r)
        )
        if possible:
            assert {e.label for e in train} == {0, 1}, data
            assert {e.label for e in valid} == {0, 1}, data
