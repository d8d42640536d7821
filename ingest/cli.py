"""`ingest [PATH | URL]...`: the command-line face of the ingest pipeline (progress bar, plan, one line per
problem, summary line). Paths are folders or files; URLs are web pages, sitemaps or (`--type site`) site
prefixes; no arguments refresh every configured source; `--due` only those due (docs/sources.md).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.platform.logs import configure_logging
from ingest.pipeline import Report, run
from ingest.web.job import RunReport, run_targets

console = Console(stderr=True, soft_wrap=True)  # one line per file error, greppable


@contextmanager
def progress_bar() -> Iterator[Callable[[int, int], None]]:
    """A progress bar for the embedding step; yields the pipeline's progress callback."""
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

        yield update


def ingest_with_progress(settings: Settings, paths: list[Path], *, dry_run: bool = False) -> Report:
    """Run the pipeline on folders and files with a progress bar for the embedding step."""
    with progress_bar() as update:
        return run(settings, paths, dry_run=dry_run, progress=update)


def ingest_configured(settings: Settings) -> RunReport:
    """`ingest` without arguments, with a progress bar (also `assistant serve`'s first start)."""
    with progress_bar() as update:
        return run_targets(settings, [], progress=update)


def print_report(report: Report, *, verbose: bool, summary: str | None = None) -> None:
    plan = report.plan
    if report.dry_run or verbose:
        for label, ids in (("add", plan.added), ("update", plan.updated), ("remove", plan.removed)):
            for doc_id in ids:
                console.print(f"  {label:<7} {doc_id}")
        console.print(f"  {len(plan.to_embed)} chunks to embed")
    for note in plan.notes:
        console.print(f"[yellow]scope[/yellow] {escape(note)}")
    for path, reason in plan.errors:
        console.print(f"[red]error[/red] {escape(path)}: {escape(reason)}")
    prefix = "dry run: " if report.dry_run else ""
    console.print(prefix + (summary or report.summary()))


def print_run(result: RunReport, *, verbose: bool) -> None:
    for action, url, reason in result.notes:
        console.print(f"[yellow]{action}[/yellow] {escape(url)}: {escape(reason)}")
    print_report(result.report, verbose=verbose, summary=result.summary())


def run_cli(
    settings: Settings,
    targets: list[str | Path],
    *,
    dry_run: bool = False,
    verbose: bool = False,
    due: bool = False,
    source_type: str | None = None,
) -> int:
    """Ingest with progress and summary; exit status 1 if any file or page could not be read, 2 on failure."""
    try:
        with progress_bar() as update:
            result = run_targets(
                settings,
                [str(t) for t in targets],
                due=due,
                source_type=source_type,
                dry_run=dry_run,
                progress=update,
            )
    except AssistantError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        return 2
    except KeyboardInterrupt:
        console.print("interrupted: the previously published index is still in use")
        return 130
    print_run(result, verbose=verbose)
    return 1 if result.errors else 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments `ingest` and `assistant ingest` share."""
    parser.add_argument(
        "targets",
        nargs="*",
        metavar="PATH|URL",
        help="folders, files, or web pages / sitemaps / site prefixes (default: every configured source)",
    )
    parser.add_argument("--due", action="store_true", help="only the sources due for a refresh (for cron)")
    parser.add_argument(
        "--type",
        dest="source_type",
        choices=["page", "sitemap", "site"],
        help="what the URLs are (default: sitemap for …sitemap….xml, else page)",
    )
    parser.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every changed document")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ingest", description="Ingest documents into the store.")
    add_arguments(parser)
    parser.add_argument("--data-dir", type=Path, help="store location (default: setting data_dir)")
    args = parser.parse_args(argv)
    configure_logging()
    try:
        settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    except ValueError as exc:
        console.print(f"[red]error:[/red] invalid settings: {exc}")
        return 2
    return run_cli(
        settings,
        args.targets,
        dry_run=args.dry_run,
        verbose=args.verbose,
        due=args.due,
        source_type=args.source_type,
    )
