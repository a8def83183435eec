"""The audit log: masking of personal identity numbers, retention, concurrent writers, contents."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.audit_log import MASK, AuditLog, cited_doc_ids, luhn_ok, mask_personnummer
from assistant.config import Settings

REPO = Path(__file__).resolve().parent.parent
T0 = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)


def with_check_digit(nine: str) -> str:
    """The nine digits YYMMDDNNN followed by their Luhn check digit."""
    return nine + next(str(d) for d in range(10) if luhn_ok(nine + str(d)))


# -- masking -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "811218-9876",  # Skatteverket's example number
        "19811218-9876",
        "8112189876",
        "198112189876",
        "811218+9876",  # over 100 years old
        "811218–9876",  # an en dash, as word processors write it
        "811278-9873",  # a coordination number: day + 60
    ],
)
def test_valid_personal_identity_numbers_are_masked(text: str) -> None:
    assert luhn_ok(text.replace("-", "").replace("+", "").replace("–", "")[-10:])
    assert mask_personnummer(f"Gäller {text} rätt till ledighet?") == f"Gäller {MASK} rätt till ledighet?"


@pytest.mark.parametrize(
    "text",
    [
        "811218-9875",  # wrong check digit
        "19811218-9875",
        "2021-03-05",  # a date
        "§ 124",
        "enligt § 124 i protokollet 2021-03-05",
        "0322-616000",  # a telephone number
        "811318-9876",  # month 13
        "811200-9876",  # day 0
        "12345678901234",  # a longer run of digits
        "55811218-9876",  # 12 digits with an impossible century
        "Budget 2 500 000 kronor, 14 procent",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_personnummer(text) == text


def test_several_numbers_in_one_question_are_all_masked() -> None:
    a, b = with_check_digit("900101123"), with_check_digit("020229456")
    masked = mask_personnummer(f"Jämför {a} och 19{b[:6]}-{b[6:]}, beslut 2023-01-15 § 12.")
    assert masked == f"Jämför {MASK} och {MASK}, beslut 2023-01-15 § 12."


_dates = st.dates(min_value=datetime(1900, 1, 1).date(), max_value=datetime(2024, 12, 31).date())
_words = st.text(alphabet="abcdefghij åäö,.?", max_size=30)


@settings(max_examples=300, deadline=None, database=None)
@given(
    day=_dates,
    serial=st.integers(0, 999),
    sep=st.sampled_from(["-", "", "+"]),
    full=st.booleans(),
    before=_words,
    after=_words,
)
def test_any_valid_number_is_masked_and_any_wrong_check_digit_is_not(
    day, serial: int, sep: str, full: bool, before: str, after: str
) -> None:
    nine = f"{day:%y%m%d}{serial:03d}"
    good = with_check_digit(nine)
    prefix = f"{day:%Y}"[:2] if full else ""
    number = f"{prefix}{good[:6]}{sep}{good[6:]}"
    masked = mask_personnummer(f"{before} {number} {after}")
    assert masked == f"{before} {MASK} {after}"
    bad = f"{prefix}{good[:6]}{sep}{good[6:9]}{(int(good[9]) + 1) % 10}"
    assert mask_personnummer(f"{before} {bad} {after}") == f"{before} {bad} {after}"


# -- records and retention -----------------------------------------------------------------------


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_record_appends_one_masked_json_line(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit" / "log.jsonl", clock=Clock(T0))
    log.record("anna", "Har 811218-9876 rätt till friskvårdsbidrag?", ["tallberg-personalpolicy-2019"])
    lines = (tmp_path / "audit" / "log.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry == {
        "time": "2024-05-02T09:00:00+00:00",
        "user": "anna",
        "question": f"Har {MASK} rätt till friskvårdsbidrag?",
        "doc_ids": ["tallberg-personalpolicy-2019"],
    }
    assert "9876" not in lines[0]
    assert (tmp_path / "audit" / "log.jsonl").stat().st_mode & 0o077 == 0  # only the owner reads it


def test_prune_removes_entries_older_than_the_retention(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    for days_ago in (100, 31, 29, 1, 0):  # a log written over months (record() would prune it)
        entry = {"time": (T0 - timedelta(days=days_ago)).isoformat(), "user": "u", "doc_ids": []}
        with path.open("a", encoding="utf-8") as f:
            f.write(json.dumps({**entry, "question": f"{days_ago} days ago"}) + "\n")
    log = AuditLog(path, retention_days=30, clock=Clock(T0))
    assert log.prune(now=T0) == 2
    assert [e["question"] for e in log.entries()] == ["29 days ago", "1 days ago", "0 days ago"]
    assert log.prune(now=T0) == 0
    assert not (tmp_path / "log.jsonl.tmp").exists()


def test_record_prunes_by_itself_at_most_once_a_day(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    clock = Clock(T0)
    log = AuditLog(path, retention_days=10, clock=clock)
    log.record("u", "first", [])  # prunes (never pruned before): nothing to remove

    old = {"time": (T0 - timedelta(days=20)).isoformat(), "user": "u", "question": "old", "doc_ids": []}
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(old) + "\n")
    clock.now = T0 + timedelta(hours=23)
    log.record("u", "same day", [])
    assert "old" in [e["question"] for e in log.entries()]  # no second prune within a day

    # Another process (a new AuditLog) knows about the last prune too.
    clock.now = T0 + timedelta(hours=23, minutes=30)
    AuditLog(path, retention_days=10, clock=clock).record("u", "other process", [])
    assert "old" in [e["question"] for e in log.entries()]

    clock.now = T0 + timedelta(days=1, minutes=1)
    log.record("u", "next day", [])
    assert [e["question"] for e in log.entries()] == ["first", "same day", "other process", "next day"]


def test_torn_lines_do_not_glue_onto_the_next_entry_and_are_pruned(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    log = AuditLog(path, clock=Clock(T0))
    log.record("u", "before", [])
    with path.open("a", encoding="utf-8") as f:
        f.write('{"time": "2024-05-02T09:00:00+00:00", "user": "u", "quest')  # a writer killed here
    log.record("u", "after", [])
    assert [e["question"] for e in log.entries()] == ["before", "after"]
    assert log.prune(now=T0) == 1  # the torn line cannot be dated: it goes
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2


def test_retention_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        AuditLog(tmp_path / "log.jsonl", retention_days=0)


# -- concurrent writers --------------------------------------------------------------------------


def test_concurrent_writers_and_a_pruner_never_interleave_or_lose_entries(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    n_threads, per_thread = 8, 60
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer(t: int) -> None:
        log = AuditLog(path)  # one instance per thread: the file lock, not a shared object, protects
        try:
            for i in range(per_thread):
                log.record(f"user{t}", f"{t}:{i} " + "å" * (2000 + 37 * i), [f"doc-{t}", f"doc-{i}"])
        except BaseException as exc:  # reported below
            errors.append(exc)

    def pruner() -> None:
        log = AuditLog(path, retention_days=1)
        while not stop.is_set():
            log.prune()  # removes nothing (all entries are new) but rewrites nothing either

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(n_threads)]
    prune_thread = threading.Thread(target=pruner)
    prune_thread.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    prune_thread.join()
    assert not errors
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]  # every line is whole JSON
    assert len(entries) == n_threads * per_thread
    seen = {e["question"].split(" ")[0] for e in entries}
    assert seen == {f"{t}:{i}" for t in range(n_threads) for i in range(per_thread)}


def test_concurrent_processes_and_rewriting_prunes_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    script = (
        "import sys; from pathlib import Path; from assistant.audit_log import AuditLog\n"
        "log = AuditLog(Path(sys.argv[1]))\n"
        "for i in range(150): log.record('p' + sys.argv[2], f'{sys.argv[2]}:{i} ' + 'x' * 3000, ['d'])\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(path), str(p)], cwd=REPO) for p in range(3)]
    # Meanwhile: add an entry a year old, then prune it, again and again, so that the log is
    # rewritten (and replaced) while the processes append to it.
    past = AuditLog(path, clock=lambda: datetime.now(UTC) - timedelta(days=400))
    log = AuditLog(path)
    stale = pruned = 0
    while any(p.poll() is None for p in procs):
        past.record("x", "stale", [])
        stale += 1
        pruned += log.prune()
    assert all(p.wait() == 0 for p in procs)
    pruned += log.prune()
    # Every stale entry went, and only those. The writers may prune some themselves: `past`'s
    # record dates the last prune 400 days back, which makes the next writer's prune due.
    assert 0 < pruned <= stale
    entries = log.entries()
    assert not [e for e in entries if e["question"] == "stale"]
    questions = [e["question"].split(" ")[0] for e in entries]
    assert sorted(questions) == sorted(f"{p}:{i}" for p in range(3) for i in range(150))


# -- what the log holds for a real answer --------------------------------------------------------


@pytest.fixture
def hashing_assistant(settings: Settings):
    from assistant.build import make_assistant, make_embedder, make_store
    from ingest.pipeline import ingest

    ingest([settings.corpus_dir], make_store(settings), make_embedder(settings))
    return make_assistant(settings)


def test_the_log_holds_exactly_the_documents_the_answer_cited(tmp_path: Path, hashing_assistant) -> None:
    from assistant.types import Filters

    log = AuditLog(tmp_path / "log.jsonl")
    answer = hashing_assistant.ask(
        "Genomförs avslutningssamtal systematiskt? Fråga från 811218-9876", filters=Filters(groups=())
    )
    assert not answer.abstained and answer.citations
    log.record_answer("anna", answer)
    abstained = hashing_assistant.ask(
        "Hur många parkeringsplatser har stadshuset?", filters=Filters(groups=())
    )
    assert abstained.abstained and abstained.related  # it shows nearby passages, but cites none
    log.record_answer("bertil", abstained)

    first, second = log.entries()
    assert (
        first["doc_ids"] == cited_doc_ids(answer) == list(dict.fromkeys(c.doc_id for c in answer.citations))
    )
    assert "tallberg-revision-2022" in first["doc_ids"]
    assert "tallberg-lonekartlaggning-2023" not in first["doc_ids"]
    assert MASK in first["question"] and "9876" not in json.dumps(first)
    assert second["doc_ids"] == []
    assert set(first) == set(second) == {"time", "user", "question", "doc_ids"}
