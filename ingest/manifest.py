"""Document metadata: from corpus/manifest.toml where a file has an entry, inferred otherwise.

A document dropped into a folder without a manifest entry still ingests: its title comes from
the file's own title or first heading (else the file name), its date from the text where it is
plainly written, its municipality from "X kommun", its type from words such as "protokoll".
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import CorpusError
from assistant.types import DocumentMeta

MANIFEST_NAME = "manifest.toml"
_KNOWN_FIELDS = {"file", "doc_id", "title", "municipality", "type", "date", "author", "access_group"}

_MONTHS = {
    "januari": 1,
    "februari": 2,
    "mars": 3,
    "april": 4,
    "maj": 5,
    "juni": 6,
    "juli": 7,
    "augusti": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "december": 12,
}
_ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-([01]\d)-([0-3]\d)\b")
_SWEDISH_DATE = re.compile(r"\b([0-3]?\d)\s+(" + "|".join(_MONTHS) + r")\s+((?:19|20)\d\d)\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_MUNICIPALITY = re.compile(r"\b([A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ][a-zåäöé]+)?)\s+(kommun|stad)\b")
# First match wins: the more specific kinds come first.
_TYPES = [
    ("uppföljande granskning", "uppföljande granskning"),
    ("svar på revision", "svar på revisionsrapport"),
    ("revisionsrapport", "revisionsrapport"),
    ("granskning av", "revisionsrapport"),
    ("interpellation", "interpellation"),
    ("protokoll", "protokoll"),
    ("kallelse", "kallelse"),
    ("tjänsteskrivelse", "tjänsteskrivelse"),
    ("kommunkompassen", "utvärdering"),
    ("policy", "policy"),
    ("riktlinje", "riktlinje"),
    ("budget", "budget"),
    ("årsredovisning", "årsredovisning"),
    ("delårsrapport", "delårsrapport"),
    ("verksamhetsplan", "plan"),
    ("plan", "plan"),
    ("yttrande", "yttrande"),
    ("motion", "motion"),
]


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    file: str
    fields: dict[str, str]


def load_manifest(folder: Path) -> dict[str, dict[str, str]]:
    """File name -> its manifest fields, for the manifest.toml in `folder` (or {} without one)."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: not valid TOML ({exc})") from exc
    entries: dict[str, dict[str, str]] = {}
    for n, raw in enumerate(data.get("document", []), 1):
        if not isinstance(raw, dict) or not isinstance(raw.get("file"), str):
            raise CorpusError(f'{path}: [[document]] number {n} needs a file = "..." field')
        unknown = set(raw) - _KNOWN_FIELDS
        if unknown:
            raise CorpusError(f"{path}: [[document]] {raw['file']!r} has unknown fields {sorted(unknown)}")
        entries[raw["file"]] = {k: str(v) for k, v in raw.items()}
    return entries


def slugify(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:80] or "document"


def document_meta(path: Path, text: str, title_hint: str, entry: dict[str, str] | None) -> DocumentMeta:
    """Metadata for one document: the manifest's fields, and inferred values for the rest."""
    entry = entry or {}
    head = text[:4000]
    return DocumentMeta(
        doc_id=entry.get("doc_id") or slugify(path.stem),
        title=entry.get("title") or infer_title(text, title_hint, path),
        municipality=entry.get("municipality") or infer_municipality(head),
        doc_type=entry.get("type") or infer_type(f"{path.stem.replace('_', ' ')}\n{head[:1500]}"),
        date=entry.get("date") or infer_date(head, path.stem),
        author=entry.get("author", ""),
        source=str(path),
        access_group=entry.get("access_group", ""),
    )


def infer_title(text: str, title_hint: str, path: Path) -> str:
    hint = " ".join(title_hint.split())
    if 3 <= len(hint) <= 200 and not re.fullmatch(
        r"[\w-]+\.(docx?|pdf)|untitled|microsoft word.*", hint, re.I
    ):
        return hint
    for line in text.splitlines()[:40]:
        line = line.strip().lstrip("#").strip()
        # The first line that reads like a title: words, not a date, a page number or a logo line.
        if 8 <= len(line) <= 150 and sum(ch.isalpha() for ch in line) >= 0.6 * len(line.replace(" ", "")):
            return line
    return re.sub(r"[_-]+", " ", path.stem).strip().capitalize() or path.name


def infer_date(head: str, stem: str = "") -> str:
    """The first plainly written date (ISO or "12 mars 2023"), else a year in the file name."""
    iso = _ISO_DATE.search(head)
    swedish = _SWEDISH_DATE.search(head)
    candidates = []
    if iso:
        candidates.append((iso.start(), f"{iso[1]}-{iso[2]}-{iso[3]}"))
    if swedish:
        day, month, year = int(swedish[1]), _MONTHS[swedish[2].lower()], swedish[3]
        candidates.append((swedish.start(), f"{year}-{month:02d}-{day:02d}"))
    if candidates:
        return min(candidates)[1]
    year = _YEAR.search(stem)
    return year[1] if year else ""


def infer_municipality(head: str) -> str:
    found = Counter(f"{m[1]} {m[2]}" for m in _MUNICIPALITY.finditer(head))
    return found.most_common(1)[0][0] if found else ""


def infer_type(head: str) -> str:
    lowered = head.lower()
    for cue, kind in _TYPES:
        if cue in lowered:
            return kind
    return ""
