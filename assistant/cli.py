"""`assistant`: serve the API, ask questions, run the evaluation."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.models import Answer, Conversation
from assistant.platform.logs import configure_logging

out = Console()
err = Console(stderr=True)


def ensure_ingested(settings: Settings) -> None:
    """Ingest what `ingest` would (the sources file, else the corpus folders) when the store has never been
    filled (first start)."""
    if settings.chroma_url:  # shared store: ingest if nothing is published in the server yet
        from assistant.search.stores import open_store

        if open_store(settings).snapshot().generation:
            return
    elif (settings.index_path / "CURRENT").exists():
        return
    from ingest.cli import ingest_configured, print_run

    listed = settings.sources_file if settings.sources_file and settings.sources_file.exists() else None
    what = str(listed) if listed else ", ".join(str(p) for p in settings.corpus_dirs)
    err.print(f"First start: ingesting {what}")
    print_run(ingest_configured(settings), verbose=False)


def _deps(settings: Settings):
    from assistant.core.answer import build_deps

    ensure_ingested(settings)
    return build_deps(settings)


def answer_json(result: Answer, **extra) -> dict:
    data = result.model_dump(
        mode="json", include={"answer", "refused", "confidence", "citations", "retrieved"}
    )
    for citation in data["citations"]:
        citation.pop("kind", None)
    data["retrieved"] = [{k: r[k] for k in ("chunk_id", "score", "title", "text")} for r in data["retrieved"]]
    return {**extra, **data}


def print_answer(result: Answer) -> None:
    style = "yellow" if result.refused else "bold"
    out.print(result.answer, style=style, highlight=False, markup=False)
    for n, c in enumerate(result.citations, 1):
        out.print(
            f"[{n}] {c.title}"
            + (f" — {c.section}" if c.section else "")
            + (f" ({c.published})" if c.published else ""),
            style="cyan",
            highlight=False,
            markup=False,
        )
        out.print(f"    {c.source}", style="dim", highlight=False, markup=False)
    out.print(f"confidence {result.confidence:.2f}", style="dim")


def cmd_ask(args, settings: Settings) -> int:
    from assistant.core.answer import answer
    from assistant.evaluation.run import load_questions

    deps = _deps(settings)
    if args.batch:
        for item in load_questions(Path(args.batch)):
            try:
                result = asyncio.run(answer(item.get("question"), Conversation(), deps=deps))
                line = answer_json(result, id=item.get("id"))
            except AssistantError as exc:
                line = {"id": item.get("id"), "error": {"code": exc.code, "message": exc.message}}
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        return 0
    if not args.question:
        raise AssistantError("Give a question, or --batch FILE.jsonl.", code="invalid_input")
    result = asyncio.run(answer(" ".join(args.question), Conversation(), deps=deps))
    if args.json:
        sys.stdout.write(json.dumps(answer_json(result), ensure_ascii=False) + "\n")
    else:
        print_answer(result)
    return 0


def _eval_runs(args, settings: Settings, items: list[dict]):
    from assistant.core.answer import build_deps
    from assistant.evaluation.compare import configs, settings_for
    from assistant.evaluation.report import Run
    from assistant.evaluation.run import evaluate

    if not args.compare:
        metrics, outcomes = asyncio.run(evaluate(items, _deps(settings)))
        return [Run("current", metrics, outcomes)]
    wanted = configs(args.compare)
    ensure_ingested(settings)
    runs = []
    for config in wanted:
        if config.needs_ingest:
            err.print(f"Re-ingesting into a temporary store for {config.name} …")
        with settings_for(settings, config) as config_settings:
            metrics, outcomes = asyncio.run(evaluate(items, build_deps(config_settings)))
        runs.append(Run(config.name, metrics, outcomes))
    return runs


def cmd_eval(args, settings: Settings) -> int:
    from assistant.evaluation.run import GATES, failures, load_questions, results

    items = [item for path in args.files for item in load_questions(Path(path))]
    runs = _eval_runs(args, settings, items)
    first = runs[0]
    if args.report is not None:
        from assistant.evaluation.report import write_report

        err.print(f"Report: {write_report(runs, list(args.files), Path(args.report))}")
    if args.json:
        data = {
            "metrics": first.metrics,
            "failures": failures(first.outcomes),
            "results": results(first.outcomes),
        }
        if len(runs) > 1:
            data["configs"] = [
                {
                    "name": r.name,
                    "metrics": r.metrics,
                    "failures": failures(r.outcomes),
                    "results": results(r.outcomes),
                }
                for r in runs
            ]
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        return 0
    table = Table("metric", *(r.name for r in runs), "gate", title="Evaluation")
    for name in first.metrics:
        gate = " ".join(str(g) for g in GATES[name]) if name in GATES else ""
        table.add_row(name, *(str(r.metrics[name]) for r in runs), gate)
    out.print(table)
    for run in runs:
        if args.per_question:
            _print_per_question(run)
        for f in failures(run.outcomes):
            label = f"[{run.name}] " if len(runs) > 1 else ""
            out.print(
                f"✗ {label}{f['id']} ({f['expect']}) {f['question']}",
                style="red",
                markup=False,
                highlight=False,
            )
            out.print(f"  → {f['answer'][:300]}", markup=False, highlight=False)
            if f["missing"]:
                out.print(f"  missing: {f['missing']}", markup=False, highlight=False)
    return 0


def _print_per_question(run) -> None:
    from assistant.evaluation.run import results

    table = Table(
        "id", "expect", "ok", "refused", "rank", "conf", "ms", "question", title=f"Per question: {run.name}"
    )
    for row in results(run.outcomes):
        table.add_row(
            row["id"],
            row["expect"],
            "✓" if row["ok"] else "✗",
            "yes" if row["refused"] else "",
            str(row["rank"] or "–"),
            f"{row['confidence']:.2f}",
            f"{row['ms']:.0f}",
            row["question"][:70],
        )
    out.print(table)


def cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    from assistant.platform.process import limit_malloc_arenas

    limit_malloc_arenas(settings.malloc_arenas)  # first: before ingest, the model and uvicorn start threads
    ensure_ingested(settings)
    host, port = args.host or settings.host, args.port or settings.port
    workers = args.workers or settings.workers
    deps = _preflight(settings, build_deps=workers <= 1)
    configure_logging(settings.log_level, settings.log_format)
    err.print(f"Serving on http://{host}:{port} with {workers} worker(s)  (API docs: /docs)")
    options = {
        "host": host,
        "port": port,
        "log_config": None,
        "access_log": False,
        "timeout_keep_alive": settings.keep_alive_seconds,
    }
    if workers <= 1:
        from assistant.app import create_app

        uvicorn.run(create_app(settings, deps=deps), **options)
        return 0
    with _worker_environment(settings):
        uvicorn.run("assistant.app:app_from_env", factory=True, workers=workers, **options)
    return 0


def _preflight(settings: Settings, *, build_deps: bool):
    """Open the database and the store before uvicorn starts, so an unusable data directory (read-only,
    missing store) is one clear line and exit 2 instead of a traceback from the app's lifespan.
    Returns the deps for a single-worker server to reuse (workers build their own)."""
    import os

    from assistant.errors import StoreError
    from assistant.platform.db import Database
    from assistant.search.stores import open_store

    data_dir = settings.data_dir
    if not settings.database_url and data_dir.exists() and not os.access(data_dir, os.W_OK):
        raise StoreError(  # SQLite writes the question log and its journal files there
            f"cannot write to the data directory {data_dir}: Permission denied (the question log "
            "assistant.db is written there; make it writable, or set DATABASE_URL)"
        )
    database = Database(settings.sqlalchemy_url)
    try:
        database.create_all()  # once here, so several workers do not race to create it
    finally:
        database.engine.dispose()
    if build_deps:
        from assistant.core.answer import build_deps as build

        return build(settings)
    open_store(settings).ping()
    return None


METRICS_DIR_PREFIX = "assistant-metrics-"


@contextmanager
def _worker_environment(settings: Settings) -> Iterator[None]:
    """Workers are new processes that read their settings from the environment (the one place we write
    it): pass on a `--data-dir` given on the command line, and a fresh directory where every worker keeps
    its Prometheus counters so `/metrics` can add them up. That directory is removed when the server
    stops; one left behind by a server that was killed (SIGKILL: nothing can run then) is removed by the
    next start, since its name carries the pid of a process that no longer exists."""
    import os
    import shutil
    import tempfile

    os.environ["ASSISTANT_DATA_DIR"] = str(settings.data_dir)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # the operator's own directory: theirs to manage
        yield
        return
    for stale in _dead_servers_metrics_dirs(Path(tempfile.gettempdir())):
        shutil.rmtree(stale, ignore_errors=True)
    metrics_dir = tempfile.mkdtemp(prefix=f"{METRICS_DIR_PREFIX}{os.getpid()}-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        yield
    finally:
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]
        shutil.rmtree(metrics_dir, ignore_errors=True)


def _dead_servers_metrics_dirs(temp: Path) -> list[Path]:
    """`assistant-metrics-<pid>-*` directories whose server process is gone."""
    import os

    stale = []
    for path in temp.glob(f"{METRICS_DIR_PREFIX}*-*"):
        pid = path.name.removeprefix(METRICS_DIR_PREFIX).split("-", 1)[0]
        if not pid.isdigit() or not path.is_dir():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            stale.append(path)
        except PermissionError:
            pass  # alive, another user's
    return stale


def cmd_ingest(args, settings: Settings) -> int:
    from ingest.cli import run_cli

    return run_cli(
        settings,
        args.targets,
        dry_run=args.dry_run,
        verbose=args.verbose,
        due=args.due,
        source_type=args.source_type,
    )


def cmd_slack(args, settings: Settings) -> int:
    from assistant.channels import slack
    from assistant.platform.process import limit_malloc_arenas

    limit_malloc_arenas(settings.malloc_arenas)
    err.print("Connecting to Slack over Socket Mode (Ctrl+C to stop)")
    slack.run_socket_mode(settings, lambda: _deps(settings))
    return 0


def _database(settings: Settings):
    from assistant.platform.db import Database

    db = Database(settings.sqlalchemy_url, user_hash_key=settings.user_hash_key)
    db.create_all()
    return db


def cmd_staff_add_user(args, settings: Settings) -> int:
    import getpass

    from assistant.regions import load_regions
    from assistant.staff.auth import add_user

    regions = load_regions(settings.regions_file)
    if args.region and args.region not in regions:
        raise AssistantError(f"Unknown region {args.region!r}; see the regions file.", code="invalid_input")
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    user = add_user(_database(settings), args.username, password, role=args.role, region=args.region)
    err.print(f"Saved {user.username} ({user.role}, {user.region or 'all regions'})")
    return 0


def cmd_purge(args, settings: Settings) -> int:
    from datetime import UTC, datetime, timedelta

    days = settings.log_retention_days if args.days is None else args.days
    deleted = _database(settings).purge(datetime.now(UTC) - timedelta(days=days))
    err.print(f"Deleted {deleted} logged questions older than {days} days.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Cited procurement-advice assistant.")
    parser.add_argument("--data-dir", type=Path, help="store location (default: setting data_dir)")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="ingest on first start, then serve the HTTP API and demo page")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, help="worker processes (default: setting workers)")
    serve.set_defaults(run=cmd_serve)
    slack = sub.add_parser("slack", help="answer in Slack over Socket Mode (needs SLACK_APP_TOKEN)")
    slack.set_defaults(run=cmd_slack)
    ask = sub.add_parser("ask", help="answer one question (or a batch) with sources")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument(
        "--batch", metavar="FILE.jsonl", help='answer {"id","question"} lines, one JSON line each'
    )
    ask.set_defaults(run=cmd_ask)
    ev = sub.add_parser("eval", help="run a question set and print the metrics and failures")
    ev.add_argument("files", nargs="+", metavar="FILE.jsonl")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--per-question", action="store_true", help="print a table row per question")
    ev.add_argument(
        "--compare",
        action="append",
        metavar="CONFIG",
        help="evaluate this configuration too, side by side: a preset (hybrid, dense, bm25, semantic-answer, "
        "lexical-answer) or setting=value,… (chunk_size/chunk_overlap/embedding_model re-ingest into a "
        "temporary store); give it twice to compare two configurations",
    )
    ev.add_argument(
        "--report",
        nargs="?",
        const="reports",
        metavar="DIR",
        help="write eval.md with plots (default reports/)",
    )
    ev.set_defaults(run=cmd_eval)
    ing = sub.add_parser("ingest", help="ingest folders, files and web sources (same as `ingest`)")
    from ingest.cli import add_arguments

    add_arguments(ing)
    ing.set_defaults(run=cmd_ingest)
    staff = sub.add_parser("staff", help="manage staff accounts of the /staff web app")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add-user", help="create a staff user (or reset their password)")
    add.add_argument("username")
    add.add_argument("--role", choices=["staff", "admin"], default="staff")
    add.add_argument("--region", help="region id (required for role staff), e.g. vestland")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(run=cmd_staff_add_user)
    purge = sub.add_parser("purge", help="delete logged questions older than the retention period")
    purge.add_argument("--days", type=int, help="override the setting log_retention_days")
    purge.set_defaults(run=cmd_purge)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging()
    try:
        settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
        return args.run(args, settings)
    except AssistantError as exc:
        err.print(f"error: {exc.message}", style="red", markup=False, highlight=False)
        return 2
    except KeyboardInterrupt:
        return 130
