"""The evaluation report: one Markdown file with matplotlib plots, written to a folder (default `reports/`).

Holds one or more configurations side by side: metrics against the quality gates, latency distribution,
the rank at which retrieval first holds every key fact, and the per-question results. matplotlib is optional
(`pip install "innkjopsassistent[eval]"`) and imported only here, only when a report is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from assistant.errors import ConfigError
from assistant.evaluation.run import GATES, Outcome, failed

RATE_METRICS = ["recall@5", "mrr", "accuracy", "refusal", "false_refusal", "citation_validity"]


@dataclass
class Run:
    """One evaluated configuration."""

    name: str
    metrics: dict[str, float]
    outcomes: list[Outcome]


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only, never a window
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ConfigError('Plots need matplotlib: pip install "innkjopsassistent[eval]"') from exc
    return plt


def plot_metrics(runs: list[Run], path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    width = 0.8 / len(runs)
    for i, run in enumerate(runs):
        xs = [x + i * width for x in range(len(RATE_METRICS))]
        ax.bar(xs, [run.metrics.get(m, 0.0) for m in RATE_METRICS], width, label=run.name)
    for x, metric in enumerate(RATE_METRICS):
        if metric in GATES:
            _, gate = GATES[metric]
            ax.hlines(gate, x - width / 2, x + 0.8 - width / 2, colors="black", linestyles="dashed")
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(RATE_METRICS))], RATE_METRICS)
    ax.set_ylim(0, 1.05)
    ax.set_title("Quality metrics (dashed: gate)")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_latency(runs: list[Run], path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    for run in runs:
        ms = sorted(o.seconds * 1000 for o in run.outcomes)
        share = [(i + 1) / len(ms) for i in range(len(ms))]
        ax.step(ms, share, where="post", label=f"{run.name} (p50 {run.metrics['p50_seconds'] * 1000:.0f} ms)")
    ax.set_xlabel("latency per question, ms")
    ax.set_ylabel("share of questions")
    ax.set_title("Latency distribution")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_ranks(runs: list[Run], path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.2))
    labels = ["1", "2", "3", "4", "5", "6–8", "none"]
    width = 0.8 / len(runs)
    for i, run in enumerate(runs):
        ranks = [o.rank for o in run.outcomes if o.expect == "answer"]
        counts = [sum(1 for r in ranks if r == k) for k in range(1, 6)]
        counts += [sum(1 for r in ranks if r and r > 5), sum(1 for r in ranks if r is None)]
        ax.bar([x + i * width for x in range(len(labels))], counts, width, label=run.name)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(labels))], labels)
    ax.set_xlabel("rank at which the retrieved chunks first hold every key fact")
    ax.set_ylabel("questions")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown(runs: list[Run], sources: list[str], images: dict[str, str]) -> str:
    names = [r.name for r in runs]
    lines = [
        "# Evaluation report",
        "",
        f"Generated {datetime.now():%Y-%m-%d %H:%M} from {', '.join(f'`{s}`' for s in sources)}; "
        f"configurations: {', '.join(f'`{n}`' for n in names)}.",
        "Metrics as defined in `assistant/evaluation/run.py`.",
        "",
        "| metric | " + " | ".join(names) + " | gate |",
        "|---|" + "---|" * len(names) + "---|",
    ]
    for metric in runs[0].metrics:
        gate = " ".join(str(g) for g in GATES[metric]) if metric in GATES else ""
        lines.append(
            f"| {metric} | " + " | ".join(_cell(r.metrics.get(metric)) for r in runs) + f" | {gate} |"
        )
    for title, image in images.items():
        lines += ["", f"## {title}", "", f"![{title}]({image})"]
    lines += ["", "## Per question", ""]
    head = "| id | expect | " + " | ".join(f"{n}: ok | rank | conf | ms" for n in names) + " | question |"
    lines += [head, "|---|---|" + "---|---|---|---|" * len(runs) + "---|"]
    for row in zip(*(r.outcomes for r in runs), strict=True):
        first = row[0]
        cells = [
            f"{_cell(not failed(o))} | {_cell(o.rank)} | {o.confidence:.2f} | {o.seconds * 1000:.0f}"
            for o in row
        ]
        lines.append(
            f"| {first.id} | {first.expect} | " + " | ".join(cells) + f" | {_cell(first.question)} |"
        )
    for run in runs:
        bad = [o for o in run.outcomes if failed(o)]
        lines += ["", f"## Failures: {run.name} ({len(bad)})", ""]
        for o in bad:
            lines.append(f"- **{o.id}** ({o.expect}) {_cell(o.question)} → {_cell(o.answer[:200])}")
            if o.missing:
                lines.append(f"  missing: {o.missing}")
    return "\n".join(lines) + "\n"


def write_report(runs: list[Run], sources: list[str], directory: Path) -> Path:
    """Write `eval.md` and its plots into the folder; returns the Markdown file's path."""
    directory.mkdir(parents=True, exist_ok=True)
    images = {
        "Metrics": "eval-metrics.png",
        "Latency": "eval-latency.png",
        "Retrieval rank": "eval-ranks.png",
    }
    plot_metrics(runs, directory / images["Metrics"])
    plot_latency(runs, directory / images["Latency"])
    plot_ranks(runs, directory / images["Retrieval rank"])
    path = directory / "eval.md"
    path.write_text(markdown(runs, sources, images), encoding="utf-8")
    return path
