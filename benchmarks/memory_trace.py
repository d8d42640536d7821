"""Memory probe for soaks: where does a long-running server's memory go?

    python benchmarks/memory_trace.py serve DIR [--no-tracemalloc] -- serve --port 8000 [...]   # load_chat runs this
    python benchmarks/memory_trace.py diff DIR [--first N] [--last M] [--top 25]

`serve` runs the `assistant` CLI in this process; the first SIGUSR1 turns `tracemalloc` on (so only what is
allocated from then on is traced), and each SIGUSR1 appends one JSON line
to DIR/stats.jsonl (RSS, glibc `mallinfo2` totals over all arenas, Python-traced bytes, thread and object
counts, the most numerous object types) and writes DIR/snapshot-NN.pickle. Comparing them tells the kinds of
growth apart: Python objects (traced bytes and a snapshot diff grow), native allocations (malloc's in-use
bytes grow, traced bytes do not), or allocator retention (RSS and malloc's *free* bytes grow, in-use flat).
Only meaningful with one server process (`--workers 1`): the signal reaches the process it is sent to.

`diff` prints that table for every stats line and the lines whose traced memory grew most between two
snapshots (by default the second — one minute into the load — and the last), by line and by traceback.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import signal
import sys
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path

FRAMES = 6


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def malloc_totals() -> dict[str, int]:
    """glibc's heap totals in KiB: `arena` (sbrk + arena heaps), `mmapped`, `in_use`, `free` (held)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
    except (OSError, AttributeError):
        return {}
    info = libc.mallinfo2()
    return {
        "arena": info.arena // 1024,
        "mmapped": info.hblkhd // 1024,
        "in_use": info.uordblks // 1024,
        "free": info.fordblks // 1024,
    }


def proc_status() -> dict[str, int]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "Threads"):
            fields[key] = int(value.split()[0])
    return fields


class _Dumper:
    """SIGUSR1 handler. The first signal starts tracemalloc, so only what is allocated after warm-up is
    traced (cheap, and exactly the growth); a signal that arrives during a dump is ignored."""

    def __init__(self, directory: Path, *, python: bool) -> None:
        self.directory = directory
        self.python = python
        self.count = 0
        self.busy = False

    def __call__(self, *_) -> None:
        if self.busy:
            return
        self.busy = True
        try:
            self._dump()
        finally:
            self.busy = False

    def _dump(self) -> None:
        if self.python and not tracemalloc.is_tracing():
            tracemalloc.start(FRAMES)
        self.count += 1
        traced, peak = tracemalloc.get_traced_memory()
        types = Counter(type(obj).__name__ for obj in gc.get_objects())
        line = {
            "n": self.count,
            "time": round(time.time(), 1),
            **proc_status(),
            "malloc_kib": malloc_totals(),
            "traced_kib": traced // 1024,
            "traced_peak_kib": peak // 1024,
            "python_threads": threading.active_count(),
            "gc_objects": sum(types.values()),
            "top_types": dict(types.most_common(15)),
        }
        with (self.directory / "stats.jsonl").open("a") as out:
            out.write(json.dumps(line) + "\n")
        if self.python:
            tracemalloc.take_snapshot().dump(str(self.directory / f"snapshot-{self.count:02d}.pickle"))


def serve(directory: Path, cli_args: list[str], *, python: bool) -> int:
    directory.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGUSR1, _Dumper(directory, python=python))
    from assistant.cli import main

    return main(cli_args)


def diff(directory: Path, first: int, last: int | None, top: int) -> None:
    stats = [json.loads(line) for line in (directory / "stats.jsonl").read_text().splitlines()]
    print(" n  rss_MiB anon_MiB threads traced_MiB malloc_in_use_MiB malloc_free_MiB mmapped_MiB gc_objects")
    for s in stats:
        m = s["malloc_kib"]
        print(
            f"{s['n']:2d} {s['VmRSS'] / 1024:8.1f} {s['RssAnon'] / 1024:8.1f} {s['Threads']:7d}"
            f" {s['traced_kib'] / 1024:10.1f} {m.get('in_use', 0) / 1024:17.1f} {m.get('free', 0) / 1024:15.1f}"
            f" {m.get('mmapped', 0) / 1024:11.1f} {s['gc_objects']:10d}"
        )
    if len(stats) >= 2:
        before, after = Counter(stats[first - 1]["top_types"]), Counter(stats[-1]["top_types"])
        print("\nobject types, change:", dict((after - before).most_common(10)))
    last = last or len(stats)
    if not (directory / f"snapshot-{last:02d}.pickle").exists():
        return  # recorded with --no-tracemalloc
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *")]
    old = tracemalloc.Snapshot.load(str(directory / f"snapshot-{first:02d}.pickle")).filter_traces(ignore)
    new = tracemalloc.Snapshot.load(str(directory / f"snapshot-{last:02d}.pickle")).filter_traces(ignore)
    print(f"\ntraced growth, snapshot {first} → {last}, by line:")
    for stat in new.compare_to(old, "lineno")[:top]:
        print(" ", stat)
    print(f"\ntraced growth, snapshot {first} → {last}, by traceback (top 5):")
    for stat in new.compare_to(old, "traceback")[:5]:
        print(f"  {stat.size_diff / 1024:+.1f} KiB, {stat.count_diff:+d} blocks")
        for frame in stat.traceback.format()[-2 * FRAMES :]:
            print("     ", frame)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="run the assistant CLI with tracemalloc; dump on SIGUSR1")
    run.add_argument("directory", type=Path)
    run.add_argument("--no-tracemalloc", action="store_true", help="process and malloc figures only")
    compare = commands.add_parser("diff", help="table of the dumps and the top growing lines")
    compare.add_argument("directory", type=Path)
    compare.add_argument(
        "--first", type=int, default=2, help="snapshot to compare from (1: start of the load)"
    )
    compare.add_argument("--last", type=int, help="snapshot to compare to (default: the last)")
    compare.add_argument("--top", type=int, default=25)
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)  # after --: the assistant CLI's own arguments
    args = parser.parse_args(argv[:split])
    if args.command == "serve":
        return serve(args.directory, argv[split + 1 :], python=not args.no_tracemalloc)
    diff(args.directory, args.first, args.last, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
