"""`quotebot ask` beyond plain questions: --claim, --format markdown, and the JSON of a real (fake-model) engine."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from quotebot.bot.cli.program import main
from quotebot.index import Answer
from quotebot.index.answer.engine import QuoteEngine
from quotebot.index.build import build_index, chunk_document, open_engine
from quotebot.index.ingest.files import load_corpus
from quotebot.index.text import split_sentences
from tests.bot.discord_fakes import STATEMENT, FakeEngine, passage
from tests.fakes import ROOT, SEED, FakeEmbedder

CLAIM = "China said providers must not install backdoors."
BACKDOORS = STATEMENT.index("ICT products"), STATEMENT.index(" Countries")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeEngine:
    """Make the CLI answer from a fake engine that quotes the statement with its second sentence highlighted."""
    engine = FakeEngine(lambda q, k: Answer(q, True, (passage(highlight=BACKDOORS),), confidence=0.9134))
    monkeypatch.setattr("quotebot.bot.cli.program._engine", lambda settings, quiet: engine)
    return engine


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command line; return the exit code, stdout and stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_claim_ranks_passages_for_the_claim(fake: FakeEngine, capsys) -> None:
    code, out, _ = run(capsys, "ask", "--claim", CLAIM, "--top-k", "2")
    assert code == 0
    assert (fake.calls, fake.claims) == ([(CLAIM, 2)], [True])
    assert out.startswith("Passages that bear on the claim:\n\n> States should take measures")
    assert out.rstrip().endswith("· strong match (0.90)")  # one number a quote


def test_claim_nothing_addresses(fake: FakeEngine, capsys) -> None:
    fake.respond = lambda q, k: Answer(q, False, ())
    code, out, _ = run(capsys, "ask", "--claim", "The moon is made of cheese.")
    assert (code, out) == (0, "No passage in the corpus addresses this claim.\n")


def test_claim_as_json(fake: FakeEngine, capsys) -> None:
    code, out, _ = run(capsys, "ask", "--json", "--claim", CLAIM)
    answer = json.loads(out)
    assert code == 0 and fake.claims == [True]
    assert list(answer) == ["question", "answered", "confidence", "passages"]
    assert (answer["question"], answer["answered"], answer["confidence"]) == (CLAIM, True, 0.913)
    assert answer["passages"][0]["highlight"] == list(BACKDOORS) and answer["passages"][0]["also_in"] == []


def test_claim_as_the_discord_message(fake: FakeEngine, capsys) -> None:
    code, out, _ = run(capsys, "ask", "--claim", CLAIM, "--format", "discord", "--json")
    payload = json.loads(out)
    assert code == 0 and fake.claims == [True]
    assert payload["content"] == f"**Claim:** {CLAIM}"
    assert payload["embeds"][0]["footer"]["text"] == "strong match (0.90) · passage 1 of 1"


def test_claim_as_markdown(fake: FakeEngine, capsys) -> None:
    code, out, _ = run(capsys, "ask", "--claim", CLAIM, "--format", "markdown")
    sentence = STATEMENT[BACKDOORS[0] : BACKDOORS[1]].strip()
    assert code == 0 and out.startswith("Passages that bear on the claim:\n\n> States should")
    assert f"**{sentence}**" in out


def test_a_question_is_not_a_claim(fake: FakeEngine, capsys) -> None:
    code, out, _ = run(capsys, "ask", "Should providers install backdoors?", "--format", "markdown")
    assert code == 0 and fake.claims == [False]
    assert out.startswith("> States should") and "bear on the claim" not in out


def test_batch_of_claims_is_one_json_line_each(fake: FakeEngine, capsys, monkeypatch) -> None:
    fake.respond = lambda q, k: Answer(q, "moon" not in q, (passage(),))
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{CLAIM}\nThe moon is made of cheese.\n"))
    code, out, _ = run(capsys, "ask", "--json", "--batch", "-", "--claim")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and fake.claims == [True, True]
    assert [(r["question"], r["answered"]) for r in records] == [(CLAIM, True), ("The moon is made of cheese.", False)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", "Q?", "--claim", CLAIM], "not both"),
        (["ask", "Q?", "--claim"], "not both"),
        (["ask", "--claim"], "no claim given"),
        (["ask", "--claim", "   "], "no claim given"),
        (["ask", "--json", "--batch", "-", "--claim", CLAIM], "give --claim without text"),
        (["ask", "--batch", "-", "--claim"], "--batch goes with --json"),
    ],
)
def test_claim_misuse_is_one_line_and_exit_2(argv: list[str], message: str, fake: FakeEngine, capsys) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and fake.calls == []
    assert err.startswith("quotebot: error: ") and message in err and err.count("\n") == 1


@pytest.fixture
def seed_engine(seed_corpus: Path, tmp_path: Path, fake_embedder: FakeEmbedder, monkeypatch) -> QuoteEngine:
    """Make the CLI answer from the real engine on the seed, with the fake embedder."""
    build_index(seed_corpus, tmp_path / "index", fake_embedder)
    engine = open_engine(seed_corpus, tmp_path / "index", fake_embedder, rebuild=False)
    monkeypatch.setattr("quotebot.bot.cli.program._engine", lambda settings, quiet: engine)
    return engine


@pytest.mark.parametrize("mode", [[], ["--claim"]])
def test_json_highlight_is_a_sentence_of_its_passage(mode: list[str], seed_engine: QuoteEngine, capsys) -> None:
    text = "ICT products and services providers should not install backdoors in their products."
    code, out, _ = run(capsys, "ask", "--json", "--top-k", "3", *mode, text)
    answer = json.loads(out)
    assert code == 0 and answer["passages"]
    assert answer["confidence"] is None or 0.0 <= answer["confidence"] <= 1.0
    for shown in answer["passages"]:
        start, end = shown["highlight"]
        assert 0 <= start < end <= len(shown["text"])
        assert (start, end) in split_sentences(shown["text"])
        assert all(set(c) == {"source", "title", "date", "paragraph", "start", "end"} for c in shown["also_in"])


def test_seed_claims_are_half_true_and_cite_seed_paragraphs() -> None:
    claims = [json.loads(line) for line in (ROOT / "tests/data/seed_claims.jsonl").read_text("utf-8").splitlines()]
    (document,) = load_corpus(SEED.parent)
    chunks = chunk_document(document, chunk_tokens=200, count_tokens=lambda text: len(text.split()))
    paragraphs = {n for c in chunks for n in range(c.paragraph, c.last_paragraph + 1)}
    assert len(claims) >= 10 and all(list(c) == ["claim", "true", "paragraph"] for c in claims)
    assert sum(c["true"] for c in claims) * 2 == len(claims)
    assert all(c["paragraph"] in paragraphs for c in claims if c["true"])  # a true claim rests on a paragraph
    assert all(c["paragraph"] is None or c["paragraph"] in paragraphs for c in claims)


def test_a_claim_s_differences_are_offsets_into_the_quote(seed_engine: QuoteEngine, capsys) -> None:
    claim = "China says the consensus of the 2013 GGE report should be upheld."
    code, out, _ = run(capsys, "ask", "--json", "--claim", claim)
    shown = json.loads(out)["passages"][0]
    assert code == 0 and "2015 GGE report" in shown["text"]
    [difference] = shown["differences"]
    assert difference == {
        "kind": "date", "start": difference["start"], "end": difference["end"], "text": "2015",
        "claim": "2013", "claim_start": claim.index("2013"), "claim_end": claim.index("2013") + 4,
    }  # fmt: skip
    assert shown["text"][difference["start"] : difference["end"]] == "2015"
    code, out, _ = run(capsys, "ask", "--claim", claim)
    assert "\n  ≠ states a different date: “2015”, where the claim says “2013”" in out


def test_a_supported_claim_says_nothing_of_differences(seed_engine: QuoteEngine, capsys) -> None:
    claim = "China says the consensus of the 2015 GGE report should be upheld."
    code, out, _ = run(capsys, "ask", "--json", "--claim", claim)
    assert code == 0 and "2015 GGE report" in json.loads(out)["passages"][0]["text"]
    assert all(p["differences"] == [] for p in json.loads(out)["passages"])


def test_a_question_never_has_differences(seed_engine: QuoteEngine, capsys) -> None:
    code, out, _ = run(capsys, "ask", "--json", "Which GGE report should be upheld, 2013?")
    assert code == 0 and all(p["differences"] == [] for p in json.loads(out)["passages"])
