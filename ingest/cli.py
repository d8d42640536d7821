"""`ingest PATH...`: the command-line face of the ingest pipeline (progress bar, plan, summary line)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.platform.logs import configure_logging
from ingest.pipeline import Report, run

console = Console(stderr=True, soft_wrap=True)  # one line per file error, greppable


def ingest_with_progress(settings: Settings, paths: list[Path], *, dry_run: bool = False) -> Report:
    """Run the pipeline with a progress bar for the embedding step (also used by `assistant serve`)."""
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("Embedding chunks", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return run(settings, paths, dry_run=dry_run, progress=update)


def print_report(report: Report, *, verbose: bool) -> None:
    plan = report.plan
    if report.dry_run or verbose:
        for label, ids in (("add", plan.added), ("update", plan.updated), ("remove", plan.removed)):
            for doc_id in ids:
                console.print(f"  {label:<7} {doc_id}")
        console.print(f"  {len(plan.to_embed)} chunks to embed")
    for path, reason in plan.errors:
        console.print(f"[red]error[/red] {escape(path)}: {escape(reason)}")
    prefix = "dry run: " if report.dry_run else ""
    console.print(prefix + report.summary())


def run_cli(settings: Settings, paths: list[Path], *, dry_run: bool = False, verbose: bool = False) -> int:
    """Ingest with progress and summary; exit status 1 if any file could not be read, 2 on failure."""
    try:
        report = ingest_with_progress(settings, paths or list(settings.corpus_dirs), dry_run=dry_run)
    except AssistantError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        return 2
    except KeyboardInterrupt:
        console.print("interrupted: the previously published index is still in use")
        return 130
    print_report(report, verbose=verbose)
    return 1 if report.plan.errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ingest", description="Ingest documents into the store.")
    parser.add_argument("paths", nargs="*", type=Path, help="folders or files (default: the corpus folders)")
    parser.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    parser.add_argument("--data-dir", type=Path, help="store location (default: setting data_dir)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every changed document")
    args = parser.parse_args(argv)
    configure_logging()
    try:
        settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    except ValueError as exc:
        console.print(f"[red]error:[/red] invalid settings: {exc}")
        return 2
    return run_cli(settings, args.paths, dry_run=args.dry_run, verbose=args.verbose)
