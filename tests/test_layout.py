"""The layout is the data flow: assistant/ is the core and imports nothing from the layers above."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "assistant"


def test_assistant_imports_nothing_from_ingest_ui_or_eval() -> None:
    offenders = []
    for path in sorted(CORE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"ingest", "ui", "eval"}]
    assert offenders == []


def test_help_is_instant_because_heavy_imports_are_lazy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, ui.cli; ui.cli.build_parser(); "
        "print(sorted(m for m in ('torch','chromadb','gradio') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=CORE.parent
    ).stdout.strip()
    assert out == "[]"
