"""Load test of the running web app while documents are being ingested into the same index.

    .venv/bin/python scripts/load_test.py                      # 20 clients, 300 s, real model
    .venv/bin/python scripts/load_test.py --duration 30 --clients 5 --embedder hashing   # a smoke run
    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:7860 --user anna --password ...

Without --url the script starts everything itself, in a temporary folder:

1. `chroma run` (a Chroma server): an embedded Chroma folder must never be opened by two
   processes, and here the app and the ingester are two processes;
2. `hrdocs serve` with HRDOCS_CHROMA_URL pointing at it (it ingests the bundled corpus first,
   since the server starts empty);
3. N client threads, each with its own `gradio_client.Client`, asking the gold-set questions
   (eval/questions.jsonl) through the app's "/ask" endpoint in a loop for D seconds;
4. one ingester thread running `hrdocs ingest <folder>` again and again on generated documents,
   changing some of them before every run, so that replacements happen while clients ask.

With --url the clients ask an app that is already running; the ingester runs only if
--chroma-url names the Chroma server that app uses (and HRDOCS_EMBEDDER etc. match its settings).

Reports total requests, errors (any exception or an empty answer: must be 0), p50/p95/p99
latency, throughput, the ingest runs, and `hrdocs check` at the end; writes
scripts/load_test_results.json. Exits 1 when there were errors or the index is inconsistent.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_OUT = Path(__file__).resolve().parent / "load_test_results.json"

_WORDS = (
    "kommunen nämnden personal medarbetare chef arbetsmiljö rekrytering kompetens lön avslutningssamtal "
    "sjukfrånvaro uppföljning rutin policy granskning revisorerna bedömning styrning ansvar handlingsplan "
    "arbetsgivare förvaltningen utbildning introduktion schema bemanning vikarier omsättning riskbedömning"
).split()


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes] | None, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"load_test: {what} exited with {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"load_test: {what} did not answer at {url} within {timeout_s:.0f} s")


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def load_questions(path: Path) -> list[str]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            questions.append(str(json.loads(line)["question"]))
    if not questions:
        raise SystemExit(f"load_test: no questions in {path}")
    return questions


# -- generated documents for the ingester --------------------------------------------------------


def _paragraph(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(2, 5)):
        sentences.append(" ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 14))).capitalize() + ".")
    return " ".join(sentences)


def make_document(rng: random.Random, n: int) -> str:
    lines = [f"Lasttest rapport {n}", ""]
    for s in range(1, rng.randint(2, 4) + 1):
        lines += [f"{s} Avsnitt om {rng.choice(_WORDS)}", "", _paragraph(rng), ""]
    return "\n".join(lines)


# -- the two kinds of load ----------------------------------------------------------------------


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ingests: list[dict[str, object]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def client_loop(
    n: int, url: str, auth: tuple[str, str] | None, questions: list[str], until: float, results: Results
) -> None:
    from gradio_client import Client

    try:
        client = Client(url, auth=auth, verbose=False, download_files=False, analytics_enabled=False)
    except Exception as exc:  # one client that cannot connect is an error, not a crash of the test
        with results.lock:
            results.errors.append(f"client {n}: cannot connect: {type(exc).__name__}: {exc}")
        return
    i = n  # clients start at different questions
    while time.monotonic() < until:
        question = questions[i % len(questions)]
        i += 1
        start = time.perf_counter()
        try:
            answer = client.predict(question, api_name="/ask")
            ok = isinstance(answer, str) and answer.strip() != ""
            problem = "" if ok else f"empty answer to {question!r}"
        except Exception as exc:  # reported below with the question that caused it
            problem = f"{type(exc).__name__}: {str(exc)[:200]} (question {question!r})"
        took = time.perf_counter() - start
        with results.lock:
            if problem:
                results.errors.append(f"client {n}: {problem}")
            else:
                results.latencies.append(took)


def ingest_loop(env: dict[str, str], folder: Path, until: float, results: Results, seed: int) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(12):
        (folder / f"last-{n:02d}.txt").write_text(make_document(rng, n), encoding="utf-8")
    run = 0
    while time.monotonic() < until:
        for path in sorted(folder.iterdir()):
            if rng.random() < 0.4:
                path.write_text(make_document(rng, rng.randrange(10**6)), encoding="utf-8")
        start = time.perf_counter()
        out = subprocess.run(
            [str(BIN / "hrdocs"), "ingest", str(folder), "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        record: dict[str, object] = {"run": run, "seconds": round(time.perf_counter() - start, 2)}
        run += 1
        if out.returncode == 0:
            record.update(json.loads(out.stdout.strip().splitlines()[-1]))
        else:
            record["error"] = (out.stderr.strip().splitlines() or ["(no output)"])[-1]
            with results.lock:
                results.errors.append(f"ingest run {run}: exit {out.returncode}: {record['error']}")
        with results.lock:
            results.ingests.append(record)


# -- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load")
    parser.add_argument("--url", help="an app that is already running (else one is started)")
    parser.add_argument("--chroma-url", help="with --url: the Chroma server the app uses, for the ingester")
    parser.add_argument("--user", help="login, when the app has one")
    parser.add_argument("--password", default=os.environ.get("HRDOCS_LOAD_TEST_PASSWORD"))
    parser.add_argument(
        "--embedder",
        default=os.environ.get("HRDOCS_EMBEDDER", "bundled"),
        help="for the started app and the ingester (hashing: no model, a smoke run)",
    )
    parser.add_argument("--no-ingest", action="store_true", help="clients only")
    parser.add_argument("--questions", type=Path, default=REPO / "eval" / "questions.jsonl")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--startup-timeout", type=float, default=900.0, help="for the app to come up")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.user and not args.password:
        parser.error("--user needs --password (or HRDOCS_LOAD_TEST_PASSWORD)")
    auth = (args.user, args.password) if args.user else None
    questions = load_questions(args.questions)

    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    work = Path(tempfile.mkdtemp(prefix="hrdocs-load-"))
    passed = False
    chroma: subprocess.Popen[bytes] | None = None
    app: subprocess.Popen[bytes] | None = None
    env = {
        **os.environ,
        "HRDOCS_EMBEDDER": args.embedder,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "PYTHONPATH": str(REPO),
    }
    try:
        if args.url:
            url = args.url.rstrip("/")
            chroma_url = args.chroma_url or ""
        else:
            chroma_port, app_port = free_port(), free_port()
            chroma_url = f"http://127.0.0.1:{chroma_port}"
            chroma_log = (work / "chroma.log").open("wb")
            chroma = subprocess.Popen(
                [
                    str(BIN / "chroma"),
                    "run",
                    "--path",
                    str(work / "chroma"),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(chroma_port),
                ],
                stdout=chroma_log,
                stderr=subprocess.STDOUT,
            )
            wait_http(f"{chroma_url}/api/v2/heartbeat", chroma, 60, "chroma run")
            _say(f"load_test: Chroma server at {chroma_url} (data in {work / 'chroma'})")
            env.update(
                HRDOCS_CHROMA_URL=chroma_url,
                HRDOCS_INDEX_DIR=str(work / "unused-index"),
                HRDOCS_FEEDBACK_DB=str(work / "feedback.sqlite"),
                HRDOCS_UPLOAD_DIR=str(work / "uploads"),
            )
            url = f"http://127.0.0.1:{app_port}"
            app_log = (work / "app.log").open("wb")
            cmd = [str(BIN / "hrdocs"), "serve", "--host", "127.0.0.1", "--port", str(app_port)]
            app = subprocess.Popen(cmd, env=env, stdout=app_log, stderr=subprocess.STDOUT, cwd=REPO)
            _say(f"load_test: starting the app ({' '.join(cmd[1:])}); log in {work / 'app.log'}")
            start = time.monotonic()
            wait_http(f"{url}/", app, args.startup_timeout, "hrdocs serve")
            _say(f"load_test: app ready at {url} after {time.monotonic() - start:.0f} s")
        if chroma_url:
            env["HRDOCS_CHROMA_URL"] = chroma_url

        results = Results()
        until = time.monotonic() + args.duration
        threads = [
            threading.Thread(target=client_loop, args=(n, url, auth, questions, until, results), daemon=True)
            for n in range(args.clients)
        ]
        ingesting = not args.no_ingest and bool(chroma_url)
        if not args.no_ingest and not chroma_url:
            _say("load_test: no ingester (with --url, give --chroma-url to ingest while clients ask)")
        if ingesting:
            threads.append(
                threading.Thread(
                    target=ingest_loop, args=(env, work / "docs", until, results, args.seed), daemon=True
                )
            )
        _say(
            f"load_test: {args.clients} clients for {args.duration:.0f} s"
            + (" while ingesting" if ingesting else "")
        )
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.duration + 600)
        elapsed = time.perf_counter() - began

        check: dict[str, object] = {}
        if chroma_url:
            out = subprocess.run(
                [str(BIN / "hrdocs"), "check", "--json"], env=env, capture_output=True, text=True, check=False
            )
            check = json.loads(out.stdout) if out.stdout.strip() else {"ok": False, "error": out.stderr}
        lat = results.latencies
        report = {
            "url": url,
            "clients": args.clients,
            "duration_s": round(elapsed, 1),
            "embedder": args.embedder,
            "requests": len(lat) + len([e for e in results.errors if e.startswith("client")]),
            "ok": len(lat),
            "errors": len(results.errors),
            # AppError: the app raised (its log has the traceback); CancelledError, ConnectError, ...:
            # the client lost its connection to the app.
            "error_kinds": dict(Counter(e.split(": ")[1] for e in results.errors if ": " in e)),
            "error_samples": results.errors[:20],
            "latency_s": {
                "p50": round(percentile(lat, 50), 3),
                "p95": round(percentile(lat, 95), 3),
                "p99": round(percentile(lat, 99), 3),
                "max": round(max(lat, default=0.0), 3),
                "mean": round(statistics.fmean(lat), 3) if lat else 0.0,
            },
            "throughput_rps": round(len(lat) / elapsed, 2) if elapsed else 0.0,
            "ingest_runs": len(results.ingests),
            "ingest_seconds_p50": round(
                percentile([float(str(r["seconds"])) for r in results.ingests], 50), 2
            ),
            "ingests": results.ingests,
            "index_check": check,
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(
            f"{report['requests']} requests from {args.clients} clients in {elapsed:.0f} s: "
            f"{report['errors']} errors; latency p50 {report['latency_s']['p50']:.2f} s, "
            f"p95 {report['latency_s']['p95']:.2f} s, max {report['latency_s']['max']:.2f} s; "
            f"{report['throughput_rps']} requests/s; {len(results.ingests)} ingest runs meanwhile; "
            f"index check {'ok' if check.get('ok') else check or 'not run'}; written to {args.out}"
        )
        for sample in results.errors[:5]:
            print(f"  error: {sample}")
        consistent = check.get("ok", True) if check else True
        passed = not results.errors and bool(lat) and consistent
        return 0 if passed else 1
    except BaseException:
        passed = False
        raise
    finally:
        stop(app)
        stop(chroma)
        if passed:
            shutil.rmtree(work, ignore_errors=True)
        else:
            _say(f"load_test: logs and data kept in {work}")


if __name__ == "__main__":
    raise SystemExit(main())
