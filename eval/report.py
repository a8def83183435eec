"""What `hrdocs eval` and `hrdocs bench` share: the machine, timings, memory, Markdown and charts.

Figures are printed and written, never asserted: timings depend on the machine, so the reports
say which machine and which command produced them.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = Path(__file__).resolve().parent / "reports"
_SECRET_WORDS = ("KEY", "TOKEN", "PASSWORD", "SECRET")


def machine_info() -> dict[str, Any]:
    """CPU count, memory, platform: enough to tell whether two reports are comparable."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 0
    return {
        "cpu_count": os.cpu_count() or 0,
        "cpus_usable": usable,
        "cpu_model": _cpu_model(),
        "ram_gb": round(_total_ram_bytes() / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": _load_average(),
    }


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine_line(m: Mapping[str, Any]) -> str:
    return (
        f"{m['cpus_usable']} usable CPUs ({m['cpu_count']} online, {m['cpu_model'] or 'unknown model'}), "
        f"{m['ram_gb']} GB RAM, {m['platform']}, Python {m['python']}"
        + (f"; load average {m['load_average']} at the start" if m.get("load_average") else "")
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _total_ram_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def command_line(verb: str, args: Sequence[str]) -> str:
    """The `hrdocs` command that reproduces this run, with the HRDOCS_* variables it ran under.

    Variables that look like secrets (API keys) are left out.
    """
    env = [
        f"{k}={shlex.quote(v)}"
        for k, v in sorted(os.environ.items())
        if k.startswith("HRDOCS_") and v and not any(w in k for w in _SECRET_WORDS)
    ]
    return " ".join([*env, "hrdocs", verb, *(shlex.quote(a) for a in args)])


def today() -> str:
    return time.strftime("%Y-%m-%d %H:%M %Z")


# -- timings and memory ---------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def latency_ms(seconds: Sequence[float]) -> dict[str, float]:
    """Median, p95 and mean of durations given in seconds, in milliseconds."""
    if not seconds:
        return {"n": 0, "median_ms": 0.0, "p95_ms": 0.0, "mean_ms": 0.0}
    return {
        "n": len(seconds),
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "p95_ms": round(percentile(seconds, 95) * 1000, 2),
        "mean_ms": round(statistics.fmean(seconds) * 1000, 2),
    }


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss where /proc is missing)."""
    kb = _status_kb("VmHWM")
    if kb is None:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if sys.platform == "darwin":  # bytes there, kilobytes on Linux
            kb //= 1024
    return round(kb / 1024, 1)


def rss_mb() -> float:
    kb = _status_kb("VmRSS")
    return round(kb / 1024, 1) if kb is not None else peak_rss_mb()


def reset_peak_rss() -> bool:
    """Start VmHWM afresh from the current RSS (Linux >= 4.0), so the next peak is one phase's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def dir_size_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# -- output ---------------------------------------------------------------------------------------


def fmt(value: Any, digits: int = 3) -> str:
    """A table cell: numbers rounded, missing values as an em dash."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend: files only, no display needed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def grouped_bars(
    path: Path,
    panels: Mapping[str, Mapping[str, Mapping[str, float | None]]],
    title: str,
) -> None:
    """One panel per metric; in each, groups (e.g. languages) of bars, one bar per system.

    Args:
        panels: metric -> system -> group -> value (None: not measured, drawn as no bar).
    """
    plt = pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.2), squeeze=False)
    for ax, (metric, by_system) in zip(axes[0], panels.items(), strict=True):
        systems = list(by_system)
        groups = list(dict.fromkeys(g for values in by_system.values() for g in values))
        width = 0.8 / max(len(systems), 1)
        for i, system in enumerate(systems):
            xs = [j + (i - (len(systems) - 1) / 2) * width for j in range(len(groups))]
            ys = [by_system[system].get(g) or 0.0 for g in groups]
            bars = ax.bar(xs, ys, width, label=system)
            ax.bar_label(bars, labels=[f"{y:.2f}" for y in ys], fontsize=7, padding=1)
        ax.set_xticks(range(len(groups)), groups)
        ax.set_ylim(0, 1.08)
        ax.set_title(metric)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4), fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
