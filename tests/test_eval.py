"""`hrdocs eval` end to end on the fixture corpus: hashing embedder, real Chroma, all baselines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.config import Settings
from eval.run import run_eval
from eval.validate_gold import load_gold, validate

FIXTURES = Path(__file__).parent / "fixtures" / "corpus"
REVISION = "tallberg-revision-2022"
POLICY = "tallberg-personalpolicy-2019"


def _q(
    qid: str, lang: str, kind: str, question: str, *evidence: tuple[str, str, str], **extra: object
) -> dict:
    return {
        "id": qid,
        "split": extra.pop("split", "test"),
        "lang": lang,
        "persona": "politician",
        "kind": kind,
        "question": question,
        "answerable": bool(evidence),
        "evidence": [{"doc": d, "section": s, "quote": q} for d, s, q in evidence],
        **extra,
    }


GOLD = [
    _q(
        "q001",
        "sv",
        "section",
        "Genomförs avslutningssamtal systematiskt i kommunen?",
        (REVISION, "2 Avslutningssamtal", "Avslutningssamtal genomförs inte systematiskt"),
    ),
    # Deliberately perfect: the question is the evidence sentence itself.
    _q(
        "q002",
        "sv",
        "fact",
        "Varje medarbetare har rätt till friskvårdsbidrag om 2000 kronor per år",
        (POLICY, "2 Friskvård", "Varje medarbetare har rätt till friskvårdsbidrag om 2000 kronor per år"),
    ),
    _q(
        "q003",
        "en",
        "fact",
        "What was the personalomsättningen in Tallberg in 2021?",
        (REVISION, "1 Sammanfattning", "Personalomsättningen var 14 procent år 2021"),
    ),
    _q("q004", "sv", "unanswerable", "Hur många parkeringsplatser har stadshuset?"),
    _q(
        "q005",
        "sv",
        "followup",
        "Och vad rekommenderade de?",
        (REVISION, "3 Rekommendationer", "Införa en gemensam mall för avslutningssamtal"),
        history=[
            {
                "question": "Vad sa granskningen om avslutningssamtal?",
                "answer": "De genomförs inte systematiskt.",
            }
        ],
    ),
    # Another split: left out when the test split is asked for.
    _q(
        "q006",
        "sv",
        "fact",
        "Hur mycket är friskvårdsbidraget?",
        (POLICY, "2 Friskvård", "friskvårdsbidrag om 2000 kronor per år"),
        split="dev",
    ),
]


@pytest.fixture
def gold_file(tmp_path: Path) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in GOLD) + "\n", encoding="utf-8")
    return path


def test_the_test_gold_set_is_sound(gold_file: Path) -> None:
    assert validate(load_gold(gold_file), FIXTURES) == []


def test_eval_scores_ours_and_every_baseline_and_writes_the_reports(
    settings: Settings, gold_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    assert run_eval(settings, questions_path=gold_file, split="test", out_dir=out) == 0

    for name in ("eval.md", "eval.json", "eval.png"):
        assert (out / name).stat().st_size > 0
    report = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    assert report["questions"]["n"] == 5  # the dev question is not in the test split
    assert set(report["systems"]) == {"ours", "langchain", "dense", "bm25"}
    for system in report["systems"].values():
        for scope in (system["all"], *system["by_lang"].values(), *system["by_kind"].values()):
            for key, value in scope.items():
                if key not in ("n", "n_answerable"):
                    assert 0.0 <= value <= 1.0, (key, value)
    for name in ("langchain", "dense", "bm25"):  # baselines never abstain
        assert report["systems"][name]["all"]["abstention_accuracy"] == 0.0
    assert set(report["systems"]["ours"]["by_lang"]) == {"sv", "en"}

    perfect = next(p for p in report["per_question"] if p["id"] == "q002")
    assert perfect["systems"]["ours"]["first_relevant"] == 1
    assert perfect["systems"]["bm25"]["first_relevant"] == 1
    assert perfect["systems"]["langchain"]["first_relevant"] == 1
    assert report["systems"]["ours"]["by_kind"]["fact"]["recall@5"] > 0

    printed = capsys.readouterr().out
    assert "| system |" in printed and "recall@5" in printed and "MRR" in printed
    assert "Ours / baseline" in printed and "Missed at rank 5" in printed
    assert "median ms" in printed
    assert "--split test" in report["command"]


def test_eval_without_baselines_prints_json(
    settings: Settings, gold_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    assert run_eval(settings, questions_path=gold_file, out_dir=out, baselines=False, as_json=True) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed["systems"]) == {"ours"}
    assert printed["questions"]["n"] == 6
    assert printed["ratios_ours_over"] == {}
