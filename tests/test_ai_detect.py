"""The AI-text scorer, its marker phrases, the policy, the host aggregate and the manifest stats."""

from __future__ import annotations

import json
import math
import re
import socket
from pathlib import Path

import apache_beam as beam
import pyarrow as pa
import pytest
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.util import assert_that, equal_to

from schemas.ai import HOSTS_SCHEMA, LEDGER_FIELDS
from transforms.ai_detect import (
    DEFAULT_MODEL_PATH,
    DROP_REASON,
    AiPolicyFn,
    AiScoreFn,
    AiScorer,
    HostAiScores,
    HostStats,
    apply_ai_policy,
    combine_score,
    crawl_before_chatgpt,
    find_markers,
    host_of,
    join_host_stats,
    ledger_stats,
    make_host_extractor,
    normalize_text,
)
from transforms.ai_training import load_examples, roc_auc
from transforms.batching import UnbatchDocs, batch_docs, for_each_doc
from transforms.document import WarcDoc, make_doc_id

REPO = Path(__file__).resolve().parents[1]
TEST_SPLIT = REPO / "data" / "ai_corpus" / "test"


@pytest.fixture(scope="module")
def scorer():
    return AiScorer.load(None)


def make_doc(
    offset: int,
    text: str | None = "some text",
    url: str | None = None,
    date: str | None = None,
    file_index: int = 0,
):
    path = f"/data/file-{file_index}.warc.gz"
    return WarcDoc(
        doc_id=make_doc_id(path, offset),
        warc_path=path,
        file_index=file_index,
        warc_offset=offset,
        url=url,
        warc_date=date,
        text=text,
    )


def scored(doc: WarcDoc, score: float, markers=()) -> WarcDoc:
    doc.attributes["ai"] = {"ai_score": score, "ai_model_score": score, "ai_markers": list(markers)}
    return doc


# ---------------------------------------------------------------- the shipped model


def test_shipped_model_loads_offline_and_is_small(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the detector tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    scorer = AiScorer.load(None)
    card = json.loads(Path(DEFAULT_MODEL_PATH).with_suffix(".json").read_text())
    assert re.fullmatch(r"ai-detector-v1-[0-9a-f]{8}", scorer.version)
    assert scorer.version == card["version"], "model card does not describe the shipped model file"
    assert 0.0 < scorer.threshold < 1.0
    assert Path(DEFAULT_MODEL_PATH).stat().st_size < 20 * 1024 * 1024


def test_scores_are_probabilities(scorer):
    texts = [
        "",
        "   \n\t ",
        "!!!",
        "Plain words about a garden shed and a leaking gutter.",
        "In today's fast-paced world, unlock the power of seamless innovation! " * 40,
        "日本語の文章です。買い物かごに入れる。",
        "line one\nline two\r\nline three",
        "\x00\ufffd emoji 🙂 and \u200b zero width",
    ]
    scores = scorer.score_texts(texts)
    model_scores = scorer.model_scores(texts)
    assert len(scores) == len(texts) == len(model_scores)
    for final, model in zip(scores, model_scores, strict=True):
        assert 0.0 <= model <= 1.0 and 0.0 <= final <= 1.0
        assert final >= model  # markers only ever raise the score
    assert scores[0] == 0.0 and scores[1] == 0.0  # nothing to score


def test_shipped_model_separates_the_held_out_split(scorer):
    if not TEST_SPLIT.is_dir():
        pytest.skip("data/ai_corpus/test is not present")
    examples = load_examples(TEST_SPLIT)
    auc = roc_auc([e.label for e in examples], scorer.model_scores([e.text for e in examples]))
    assert auc >= 0.9, f"held-out ROC AUC fell to {auc:.3f}"


# ---------------------------------------------------------------- text view and markers


def test_normalisation_hides_formatting_differences():
    bulleted = "- **Step One**: Open the Lid!\n- Step 2: close it"
    plain = "step one : open the lid !\nstep 0 : close it"
    assert (
        normalize_text(bulleted)
        == normalize_text(plain)
        == "step one : open the lid ! step 0 : close it"
    )
    assert normalize_text("ＡＢＣ　１２３") == "abc 000"  # NFKC folds full-width forms
    assert normalize_text("日本語") == "日 本 語"
    assert "\n" not in normalize_text("a\nb\r\nc")


def test_typographic_quotes_score_as_plain_ones(scorer):
    # WordPress and word processors turn ' and " into these when a page is published; the
    # model once read ’ as a sign of human writing (the machine-written corpus had none).
    plain = "It's the \"best\" tool, isn't it? Don't miss 'Turbo' or « Super » 5'10\" tall."
    curly = "It’s the “best” tool, isn‘t it? Don’t miss ‚Turbo‛ or «\u00a0Super\u00a0» 5′10″ tall."
    assert normalize_text(curly) == normalize_text(plain.replace("« Super »", '"Super"'))
    assert normalize_text("„Gut“ ‹x› ʼn") == normalize_text("\"Gut\" 'x' 'n")
    texts = [
        "Honestly, it's the best tool I've used and I don't regret buying it. You'll love it.",
        "Elle m'a dit qu'il n'y avait « rien » à faire, et c'est vrai.",
    ]
    typeset = [t.replace("'", "\u2019").replace("« ", "«\u202f") for t in texts]
    assert scorer.model_scores(typeset) == scorer.model_scores(texts)
    assert normalize_text("「引用」") == "「 引 用 」"  # Japanese brackets are not folded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("As an AI language model, I cannot browse.", ["as an ai language model"]),
        (
            "Certainly! Here’s a product description. I hope this helps!",
            ["certainly! here's", "i hope this helps"],
        ),
        (
            "En tant que modèle de langage, je ne peux pas. Excellente question !",
            ["en tant que modèle de langage", "excellente question!"],
        ),
        (
            "Als KI-Sprachmodell habe ich keine Meinung. Ich hoffe, das hilft dir weiter.",
            ["als ki-sprachmodell", "ich hoffe, das hilft dir weiter"],
        ),
        (
            "¡Claro! Aquí tienes la receta. Espero que te sirva de ayuda.",
            ["¡claro! aquí tienes", "espero que te sirva de ayuda"],
        ),
        ("Como modelo de lenguaje, no tengo opiniones.", ["como modelo de lenguaje"]),
        ("AIアシスタントとして、お答えします。", ["aiアシスタントとして"]),
        ("Prices may have changed since my last knowledge update.", []),
        ("as of my last knowledge update in 2021", ["as of my last knowledge update"]),
        ("The AI in this game is weak and the hope is gone; this helps nobody.", []),
        # whole words only: "has an AI assistant" holds "as an ai assistant"
        ("Every new phone has an AI assistant, I think, as Samsung showed.", []),
        ("Whereas an AI model, I mean GPT, is trained as we know.", []),
        ("私はAIアシスタントとして、お答えします。", ["aiアシスタントとして"]),
        # people write these about others; an assistant writes them about itself
        ("Copilot works as an AI assistant for developers.", []),
        ("As an AI assistant, I cannot browse.", ["as an ai assistant"]),
        ("As a large language model I do not have opinions.", ["as a large language model"]),
        ("Als künstliche Intelligenz bezeichnet man Systeme, die lernen.", []),
        ("Als künstliche Intelligenz habe ich keine Meinung.", ["als künstliche intelligenz"]),
        ("Mein Wissensstand ist, dass der Laden montags zu hat.", []),
        ("Mein Wissensstand reicht bis 2021.", ["mein wissensstand"]),
        ("Es lo que se conoce como inteligencia artificial.", []),
        ("Como modelo de lenguaje de IA, no tengo opiniones.", ["como modelo de lenguaje"]),
        # the model's qualifier, a dash or another first person between phrase and self
        ("As an AI assistant developed by OpenAI, I cannot browse.", ["as an ai assistant"]),
        ("As an AI model, my responses are limited.", ["as an ai model"]),
        ("As an AI model — I should note — I can't.", ["as an ai model"]),
        ("En tant que modèle de langage IA, je ne peux pas.", ["en tant que modèle de langage"]),
        ("En tant que modèle de langage, il m'est impossible.", ["en tant que modèle de langage"]),
        ("Als KI-Sprachmodell von OpenAI habe ich keine.", ["als ki-sprachmodell"]),
        ("Als KI-Sprachmodell ist es mir nicht möglich.", ["als ki-sprachmodell"]),
        ("Como modelo de linguagem de IA, não tenho.", ["como modelo de linguagem"]),
        ("Come modello linguistico AI, non ho opinioni.", ["come modello linguistico"]),
        ("Mein Wissensstand ist auf September 2021 begrenzt.", ["mein wissensstand"]),
        # ... but not across a line, nor after words that are not a qualifier
        ("The product is marketed as an AI assistant\nI like it.", []),
        ("It is sold as an AI model by the company and my boss likes it.", []),
        ("Notre chatbot en tant qu'assistant IA du service client.", []),
        ("En tant qu'IA, j'ai des limites.", ["en tant qu'ia"]),
        # a page quoting an assistant, or naming its button, is not the assistant
        ('The bot replied: "As an AI language model, I cannot help."', []),
        ("Sites left «\u00a0as an AI language model\u00a0» in their product pages", []),
        ('Press the "Regenerate response" button.', []),
        ("It's 'as an AI language model' all the way down.", []),
        ('He said "no". As an AI language model, I cannot.', ["as an ai language model"]),
        # "non" and "não" are negations, not a first person
        ("Il sistema è usato come modello linguistico non supervisionato.", []),
        ("O BERT funciona como modelo de linguagem não supervisionado.", []),
        # after a product's name the phrase says what the product is
        ("Our company uses Claude as an AI assistant, my team loves it.", []),
        ("Usamos BERT como modelo de lenguaje, mi equipo lo usa.", []),
        ("Wir nutzen BERT als Sprachmodell, meine Kollegen auch.", []),
        ("I'm sorry, but as an AI assistant, I can't do that.", ["as an ai assistant"]),
        ("However, as an AI model, I cannot.", ["as an ai model"]),
        # a knowledge update is dated; a blog's or a plugin's is not the assistant's
        ("Mein Wissensstand ist begrenzt, was Autos betrifft.", []),
        ("Mi última actualización del blog fue en 2019.", []),
        ("La version 2.3 est ma dernière mise à jour du plugin.", []),
        ("En mi última actualización del blog hablé de gatos.", []),
        ("Hasta mi última actualización en 2021, no había datos.", ["mi última actualización"]),
        ("Según mi última actualización de conocimientos, no.", ["mi última actualización"]),
        ("À ma dernière mise à jour en septembre 2021, oui.", ["ma dernière mise à jour"]),
        ("Selon ma dernière mise à jour des connaissances, non.", ["ma dernière mise à jour"]),
        # short forms, spacing and invisible characters
        ("As an AI, I do not have feelings.", ["as an ai"]),
        ("As a language model, I cannot browse.", ["as a language model"]),
        ("Como IA, no tengo opiniones.", ["como ia"]),
        ("Als KI kann ich das nicht beurteilen.", ["als ki"]),
        ("Certainly!  Here's the plan.", ["certainly! here's"]),
        ("As an AI\u200b language model, I cannot.", ["as an ai language model"]),
        ("Als KI\u2011Sprachmodell habe ich keine Meinung.", ["als ki-sprachmodell"]),
        # review of those rules: clauses open after "that" and symbols, not in "as well as"
        ("Please note that as an AI model, I cannot browse.", ["as an ai model"]),
        ("Ten en cuenta que como modelo de lenguaje, no tengo.", ["como modelo de lenguaje"]),
        ("• As an AI model, I cannot.", ["as an ai model"]),
        ("**Disclaimer** As an AI model, I cannot.", ["as an ai model"]),
        ("We played a friend as well as an AI, my kids love it.", []),
        ("Fine-tuned as a classifier as well as a language model, my tests show.", []),
        # German "als" is also "when"; the assistant's verb comes first
        ("Als KI meine Texte zu schreiben begann, war ich skeptisch.", []),
        # inch marks are not quotation marks
        ("He is 6'2\" tall. As an AI language model, I cannot.", ["as an ai language model"]),
        # the knowledge's date, in more of the assistant's words; a blog's update is not it
        ("Hasta la fecha de mi última actualización en 2021, no.", ["mi última actualización"]),
        ("D'après ma dernière mise à jour, non.", ["ma dernière mise à jour"]),
        ("Desde mi última actualización, he añadido fotos.", []),
        ("Depuis ma dernière mise à jour, j'ai ajouté des photos.", []),
        ("En mi última actualización de WordPress hubo un error.", []),
        ("Come modello linguistico, non dispongo di dati.", ["come modello linguistico"]),
        ("Como modelo de linguagem, não consigo.", ["como modelo de linguagem"]),
        # second review: a symbol inside a sentence, or a connective without the comma,
        # does not open the assistant's clause
        ("We use ChatGPT® as an AI assistant, my team loves it.", []),
        ("I tried Claude 🤖 as an AI assistant, my kids liked it.", []),
        ("It's strange that as an AI model my dog ignores me.", []),
        ("🤖 As an AI model, I cannot.", ["as an ai model"]),
        # a quotation must close after the phrase; a title closed before it does not hide it
        ('"Windows 11" is great. As an AI, I don\'t use computers.', ["as an ai"]),
        ('12" pizzas. He wrote "As an AI language model, I can\'t" in it.', []),
        # leads people use for their own blog's updates, dated or not; "de" before a date
        ("Lors de ma dernière mise à jour, j'ai ajouté des photos.", []),
        ("Desde mi última actualización en enero, he añadido nuevas fotos.", []),
        ("Depuis ma dernière mise à jour en janvier, j'ai ajouté trois recettes.", []),
        # a quotation is read on its line (a paragraph of extracted text): one closing on the
        # next is not seen, and a stray quote does not hide the lines after it
        (
            'The bot replied: "As an AI language model, I cannot\nhelp.", it said',
            ["as an ai language model"],
        ),
        (
            '"Sure. As an AI language model, I cannot browse.\nUsers said "great".',
            ["as an ai language model"],
        ),
        # a hyphen is not the assistant's dash
        ("and as an AI developed by co-op I must say", []),
        ("Hasta mi última actualización de septiembre de 2021, no.", ["mi última actualización"]),
        ("Selon ma dernière mise à jour d'octobre 2023, non.", ["ma dernière mise à jour"]),
    ],
)
def test_marker_phrases(text, expected):
    assert find_markers(text) == expected


def test_markers_raise_the_score_by_strength():
    assert combine_score(0.2, []) == pytest.approx(0.2)
    weak = combine_score(0.2, ["i hope this helps"])
    strong = combine_score(0.2, ["as an ai language model"])
    both = combine_score(0.2, ["i hope this helps", "as an ai language model"])
    assert 0.2 < weak < strong < both <= 1.0
    assert combine_score(1.0, ["i hope this helps"]) == 1.0


@pytest.mark.parametrize(
    ("warc_date", "expected"),
    [
        ("2014-01-26T20:06:24Z", True),
        ("2008-10-294T05:21:46-0700", True),  # ClueWeb09's malformed day
        ("2022-11-29T23:59:59Z", True),
        ("2022-11-30T00:00:00Z", False),
        ("2022-11-29T23:00:00-0800", False),  # 30 November 07:00 in UTC
        ("2022-11-30T01:00:00+0200", True),  # 29 November 23:00 in UTC
        ("2024-05", False),
        ("0000-01-01T00:00:00Z", None),  # a placeholder, not a date (the corpus date is null)
        ("2016-10", True),
        (None, None),
        ("yesterday", None),
        ("2022-13-01", None),
    ],
)
def test_crawl_before_chatgpt(warc_date, expected):
    assert crawl_before_chatgpt(warc_date) is expected


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.example.co.uk/a/b?c=1", "example.co.uk"),
        ("http://blog.shop.example.com:8080/", "example.com"),
        ("https://Example.ORG./x", "example.org"),
        ("http://127.0.0.1/index.html", "127.0.0.1"),
        ("http://localhost:8000/", "localhost"),
        ("mailto:someone@example.com", None),
        (None, None),
        # shared hosting: each user's site is a host of its own (the list's private part)
        ("https://alice.github.io/post", "alice.github.io"),
        ("https://www.bob.blogspot.com/2019/01/x.html", "bob.blogspot.com"),
        ("https://x.netlify.app/", "x.netlify.app"),
        # ... as far as the list knows them: wordpress.com is not in it
        ("https://carol.wordpress.com/", "wordpress.com"),
        ("https://github.io/", "github.io"),
    ],
)
def test_host_key_is_the_registered_domain(url, host):
    assert host_of(url, make_host_extractor()) == host


# ---------------------------------------------------------------- policy


def test_policy_drops_exactly_the_documents_above_the_threshold():
    scores = [0.0, 0.2, 0.5, 0.50001, 0.7, 0.99, 1.0]
    docs = [scored(make_doc(i), s) for i, s in enumerate(scores)]
    already = scored(make_doc(99), 0.95)
    already.drop("filters:gopher_repetition")
    unscored = make_doc(100, text=None)
    for doc in [*docs, already, unscored]:
        apply_ai_policy(doc, "drop", 0.5)
    assert [d.alive for d in docs] == [s <= 0.5 for s in scores]
    assert {d.drop_reason for d in docs if not d.alive} == {DROP_REASON}
    assert [d.attributes["ai"]["ai_above_threshold"] for d in docs] == [s > 0.5 for s in scores]
    assert already.drop_reason == "filters:gopher_repetition"  # the first reason stays
    assert unscored.alive and "ai" not in unscored.attributes


def test_tag_only_policy_never_drops():
    docs = [scored(make_doc(i), s) for i, s in enumerate([0.1, 0.9, 1.0])]
    out = [next(iter(AiPolicyFn("tag-only", 0.5).process(d))) for d in docs]
    assert all(d.alive for d in out)
    assert [d.attributes["ai"]["ai_above_threshold"] for d in out] == [False, True, True]


def test_policy_rejects_bad_settings():
    with pytest.raises(ValueError, match="ai-policy"):
        AiPolicyFn("delete", 0.5)
    with pytest.raises(ValueError, match="ai-threshold"):
        AiPolicyFn("drop", 1.5)
    shipped = json.loads(Path(DEFAULT_MODEL_PATH).with_suffix(".json").read_text())["threshold"]
    assert AiPolicyFn("drop")._threshold == shipped  # default: the shipped model's threshold


def test_policy_default_threshold_follows_the_model(tmp_path):
    model = tmp_path / "ai_detector-x.ftz"
    model.write_bytes(b"")
    model.with_suffix(".json").write_text(json.dumps({"threshold": 0.123}))
    assert AiPolicyFn("drop", None, str(model))._threshold == 0.123
    assert AiPolicyFn("drop", 0.9, str(model))._threshold == 0.9


# ---------------------------------------------------------------- Beam


def test_score_fn_scores_alive_documents_in_batches(scorer):
    version = scorer.version  # the check below is pickled; the model itself cannot be
    human = (
        "The bus to the station leaves at ten past, but on Sundays it only runs every two hours."
    )
    chatty = "Certainly! Here's a quick overview. As an AI language model, I hope this helps!"
    dead = make_doc(3, "dropped earlier")
    dead.drop("not_html")
    docs = [
        make_doc(0, human, date="2014-01-26T20:06:24Z"),
        make_doc(1, chatty, date="2024-05-01T00:00:00Z"),
        make_doc(2, None),
        dead,
        make_doc(4, human + " Again.", date=None),
    ]
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        out = (
            pipeline
            | beam.Create(docs)
            | batch_docs(max_docs=2)
            | for_each_doc(AiScoreFn(None))
            | UnbatchDocs()
            | beam.Map(lambda d: (d.warc_offset, d.attributes.get("ai")))
        )

        def check(rows):
            by_offset = dict(rows)
            assert sorted(by_offset) == [0, 1, 2, 3, 4]
            assert by_offset[2] is None and by_offset[3] is None
            for offset in (0, 1, 4):
                attrs = by_offset[offset]
                assert set(attrs) == {
                    "ai_score",
                    "ai_model_score",
                    "ai_markers",
                    "ai_model_version",
                    "crawl_before_chatgpt",
                }
                assert attrs["ai_model_version"] == version
                assert 0.0 <= attrs["ai_model_score"] <= attrs["ai_score"] <= 1.0
            assert by_offset[1]["ai_markers"] == [
                "certainly! here's",
                "as an ai language model",
                "i hope this helps",
            ]
            assert by_offset[1]["ai_score"] > 0.9
            assert by_offset[0]["ai_markers"] == []
            assert [by_offset[o]["crawl_before_chatgpt"] for o in (0, 1, 4)] == [True, False, None]

        assert_that(out, check)


class CountingGroup:
    """A re-iterable group that counts the values read (the runner's state-backed iterable)."""

    def __init__(self, values):
        self.values, self.read = values, 0

    def __iter__(self):
        for value in self.values:
            self.read += 1
            yield value


def test_host_join_reads_the_group_as_a_stream():
    stats = HostStats(doc_count=4, score_sum=2.0)
    docs = [("docs", ((0, g), f"d{g}", 0.5, False, False)) for g in range(4)]
    for values in (docs + [("stats", stats)], [("stats", stats)] + docs):
        group = CountingGroup(values)
        joins = join_host_stats(("example.com", group))
        first = next(joins)
        assert first == ((0, 0), ("d0", "example.com", 0.5, 4))
        # First pass: up to the stats value. Second pass: up to the first document (after
        # the stats when they come first). The rest of the group is not read ahead.
        stats_at = [tag for tag, _ in values].index("stats") + 1
        assert group.read == stats_at + (2 if stats_at == 1 else 1)
        assert [j[1][0] for j in joins] == ["d1", "d2", "d3"]
    # a host without stats (none of its documents was scored) joins nothing
    assert list(join_host_stats(("example.com", CountingGroup(docs)))) == []


def test_host_aggregate_means_and_join():
    rows = [
        # (offset, file_index, url, score, markers)
        (0, 0, "https://a.example.com/1", 0.2, []),
        (1, 1, "https://b.example.com/2", 0.4, ["i hope this helps"]),
        (2, 0, "https://www.example.com/3", 0.9, []),
        (3, 2, "http://other.org/x", 0.1, []),
        (4, 2, "http://10.0.0.1/x", 0.6, []),
        (5, 1, None, 0.8, []),  # no URL: no host, no join
    ]
    docs = []
    for offset, file_index, url, score, markers in rows:
        doc = scored(make_doc(offset, url=url, file_index=file_index), score, markers)
        doc.attributes["ai"]["ai_above_threshold"] = score > 0.5
        docs.append(doc)
    ids = {offset: doc.doc_id for (offset, *_), doc in zip(rows, docs, strict=True)}
    mean = (0.2 + 0.4 + 0.9) / 3
    with beam.Pipeline(runner=FnApiRunner()) as pipeline:
        joins, host_rows = pipeline | beam.Create(docs) | HostAiScores()
        assert_that(
            joins
            | "RoundJoins"
            >> beam.Map(lambda kv: (kv[0], (kv[1][0], kv[1][1], round(kv[1][2], 9), kv[1][3]))),
            equal_to(
                [
                    # keyed by the document's write key: (file_index, record group)
                    ((0, 0), (ids[0], "example.com", round(mean, 9), 3)),
                    ((1, 0), (ids[1], "example.com", round(mean, 9), 3)),
                    ((0, 0), (ids[2], "example.com", round(mean, 9), 3)),
                    ((2, 0), (ids[3], "other.org", 0.1, 1)),
                    ((2, 0), (ids[4], "10.0.0.1", 0.6, 1)),
                ]
            ),
            label="joins",
        )

        def check_rows(rows_out):
            by_host = {r["host"]: r for r in rows_out}
            assert set(by_host) == {"example.com", "other.org", "10.0.0.1"}
            example = by_host["example.com"]
            assert example["doc_count"] == 3
            assert math.isclose(example["ai_score_mean"], mean)
            assert example["ai_score_max"] == 0.9
            assert example["docs_above_threshold"] == 1
            assert example["docs_with_markers"] == 1
            pa.Table.from_pylist(rows_out, schema=HOSTS_SCHEMA)  # rows match the schema

        assert_that(host_rows, check_rows, label="rows")


# ---------------------------------------------------------------- manifest


def ledger_table(rows: list[dict]) -> pa.Table:
    schema = pa.schema([pa.field("drop_reason", pa.string()), *LEDGER_FIELDS])
    return pa.Table.from_pylist(rows, schema=schema)


def test_ledger_stats_histogram_and_counts():
    rows = [
        {
            "ai_score": 0.0,
            "ai_above_threshold": False,
            "ai_model_version": "v-a",
            "crawl_before_chatgpt": True,
        },
        {
            "ai_score": 0.05,
            "ai_above_threshold": False,
            "ai_model_version": "v-a",
            "ai_markers": [],
        },
        {"ai_score": 0.1, "ai_above_threshold": False, "ai_model_version": "v-a"},
        {
            "ai_score": 0.55,
            "ai_above_threshold": True,
            "ai_model_version": "v-a",
            "drop_reason": DROP_REASON,
        },
        {
            "ai_score": 0.99,
            "ai_above_threshold": True,
            "ai_model_version": "v-a",
            "ai_markers": ["i hope this helps"],
        },
        {
            "ai_score": 1.0,
            "ai_above_threshold": True,
            "ai_model_version": "v-b",
            "crawl_before_chatgpt": False,
        },
        {"drop_reason": "not_html"},  # never scored
    ]
    stats = ledger_stats(ledger_table(rows))
    histogram = stats["score_histogram"]
    assert list(histogram) == [f"{i / 10:.1f}-{(i + 1) / 10:.1f}" for i in range(10)]
    assert histogram["0.0-0.1"] == 2 and histogram["0.1-0.2"] == 1
    assert histogram["0.5-0.6"] == 1 and histogram["0.9-1.0"] == 2
    assert sum(histogram.values()) == 6
    assert stats["counts"] == {
        "scored": 6,
        "above_threshold": 3,
        "dropped": 1,
        "with_markers": 1,
        "crawl_before_chatgpt": 1,
    }
    assert stats["model_version"] == {"v-a": 5, "v-b": 1}


def test_ledger_stats_are_additive_over_shards():
    rows = [
        {"ai_score": i / 17, "ai_above_threshold": i % 3 == 0, "ai_model_version": "v"}
        for i in range(18)
    ]

    def add(a, b):
        return {k: add(a[k], b[k]) if isinstance(a[k], dict) else a[k] + b[k] for k in a} | {
            k: b[k] for k in b if k not in a
        }

    whole = ledger_stats(ledger_table(rows))
    assert add(ledger_stats(ledger_table(rows[:7])), ledger_stats(ledger_table(rows[7:]))) == whole
    assert ledger_stats(pa.table({"doc_id": ["x"]})) == {}


def test_lone_surrogates_are_scored_not_raised(scorer):
    """fastText takes UTF-8: a lone surrogate (from JSON's "\\ud800", or a decoder's
    surrogateescape) was a TypeError that failed the whole batch."""
    assert normalize_text("abc \ud800 def \udcff") == "abc ? def ?"
    texts = ["abc \ud800 def", "an ordinary sentence about the weather in spring", "\udfff"]
    scores = scorer.score_documents(texts)
    assert len(scores) == 3 and all(0.0 <= s.ai_score <= 1.0 for s in scores)
    # Valid text is unchanged by the replacement: same score alone or next to the others.
    assert scorer.score_documents(texts[1:2])[0] == scores[1]


def test_every_first_person_rule_names_a_marker_phrase():
    # A typo in a _SELF_AFTER key would silently switch off its guard.
    from transforms.ai_detect import _AFTER, _LEAD, _SELF_AFTER, MARKER_PHRASES

    phrases = {phrase for phrase, _ in MARKER_PHRASES}
    assert set(_SELF_AFTER) | set(_AFTER) | set(_LEAD) <= phrases
