"""Scale benchmark: retrieval latency and memory at 1k → 10k → 100k chunks (synthetic, generated).

Synthetic chunks: ~90 words drawn from the real corpus vocabulary (with its word frequencies) plus generated
pseudo-words (names, codes), so the vocabulary keeps growing with the corpus as real text does (Heaps' law).
Their vectors come from the shipped `HashEmbedder` at the model's dimension (384) — the documented fast
embedder: it costs seconds where the real model would take hours for 100k chunks. Queries are embedded with
the real packaged model, every one a new text (no cache hits), some with typos, so a measured query pays
everything a real one does: model embedding, Chroma HNSW search, BM25, typo/compound resolution, fusion.

Each size is built into its own temp store, then measured in a fresh subprocess (so its peak RSS is that of
a process serving the index, not of the generator).

Run: python benchmarks/bench_scale.py [--sizes 1000 10000 100000] [--queries 200]
Writes benchmarks/results/scale.json and benchmarks/results/scale.png.
Goals at 100k: retrieval p95 ≤ 50 ms, RSS ≤ 1.5 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.models import Chunk  # noqa: E402
from assistant.search.embeddings import HashEmbedder  # noqa: E402
from assistant.search.store import DocumentEntry, Store, embedding_text  # noqa: E402

QUESTIONS = [
    "Hvor mye skal klima og miljø vektes?",
    "Hva er den nasjonale terskelverdien?",
    "Kan vi kreve Svanemerket i konkurransen?",
    "Hvem kan hjelpe meg med miljøkrav?",
    "What does section 5 of the procurement act require?",
    "Hva er livssykluskostnader?",
    "Når lanserte regjeringen handlingsplanen?",
    "Hva sa Riksrevisjonen om klimakrav i anskaffelser?",
    "Hva er terskelverdin for bygg og anlegg?",  # typo
    "Hvilke krav stilles til lønns- og arbeidsvilkår?",
    "Gjelder kravene om rene kjøretøy for kommunene?",
    "Hvordan dokumenterer leverandøren miljøsertifisering?",
]
CHUNK_WORDS = 90
BATCH = 5000


def vocabulary(corpus: Path) -> tuple[list[str], list[int]]:
    words = Counter(
        w for p in sorted(corpus.glob("*.md")) for w in re.findall(r"\w+", p.read_text(encoding="utf-8"))
    )
    return list(words), list(words.values())


def pseudo_word(rng: random.Random) -> str:
    syllables = ["ka", "ve", "tor", "lin", "sk", "mo", "ran", "de", "fjo", "berg", "stad", "heim", "vik"]
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) + str(rng.randint(0, 99))


def synthetic_chunks(n: int, corpus: Path, seed: int = 7) -> list[Chunk]:
    rng = random.Random(seed)
    words, weights = vocabulary(corpus)
    chunks = []
    for i in range(n):
        body = rng.choices(words, weights, k=CHUNK_WORDS)
        for j in rng.sample(range(CHUNK_WORDS), 6):
            body[j] = pseudo_word(rng)
        text = " ".join(body) + "."
        chunks.append(
            Chunk(
                chunk_id=f"syn-{n}-{i:06d}",
                doc_id=f"synthetic/doc-{i // 20:05d}.md",
                text=text,
                title=f"Syntetisk dokument {i // 20}",
                section=f"Del {i % 20}",
                source=f"synthetic/doc-{i // 20:05d}.md",
                position=i % 20,
            )
        )
    return chunks


def build(settings: Settings, n: int, corpus: Path) -> dict:
    started = time.perf_counter()
    chunks = synthetic_chunks(n, corpus)
    texts = [embedding_text(c) for c in chunks]
    embedder = HashEmbedder(dimension=384)
    store = Store(settings)
    for start in range(0, n, BATCH):
        store.add_vectors(chunks[start : start + BATCH], embedder.embed(texts[start : start + BATCH]))
    documents: dict[str, DocumentEntry] = {}
    for c in chunks:
        entry = documents.setdefault(
            c.doc_id,
            DocumentEntry(c.doc_id, "synthetic", c.doc_id, c.title, c.source, c.kind, "nb", None, None),
        )
        entry.chunk_ids.append(c.chunk_id)
    store.publish(chunks, list(documents.values()), texts)
    return {"chunks": n, "build_seconds": round(time.perf_counter() - started, 1)}


def measure(data_dir: Path, queries: int) -> dict:
    """Runs in its own process: load the index, warm up, time `Retriever.search` on new query texts."""
    from assistant.core.answer import build_deps
    from assistant.evaluation.run import percentile

    settings = Settings(_env_file=None, data_dir=data_dir, chroma_url=None, database_url=None)
    started = time.perf_counter()
    deps = build_deps(settings)
    retriever = deps.retriever
    retriever.store.snapshot()
    retriever.embedder.embed(["oppvarming"])
    load_seconds = time.perf_counter() - started
    for q in QUESTIONS:  # warm-up: first query of each kind pays one-off costs
        retriever.search(q)
    timings, embed_timings = [], []
    for i in range(queries):
        q = f"{QUESTIONS[i % len(QUESTIONS)]} ({i})"  # a new text: no query-embedding cache hit
        started = time.perf_counter()
        retriever.embedder.embed_queries([q + " x"])
        embed_timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        retriever.search(q)
        timings.append(time.perf_counter() - started)
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "load_seconds": round(load_seconds, 2),
        "retrieval_p50_ms": round(percentile(timings, 50) * 1000, 2),
        "retrieval_p95_ms": round(percentile(timings, 95) * 1000, 2),
        "query_embedding_p50_ms": round(percentile(embed_timings, 50) * 1000, 2),
        "peak_rss_mib": round(rss_mib, 1),
        "load_average_1m": round(os.getloadavg()[0], 1),  # the machine is shared: context for the ms
    }


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["chunks"] for r in results]
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(sizes, [r["retrieval_p50_ms"] for r in results], "o-", label="retrieval p50")
    ax.plot(sizes, [r["retrieval_p95_ms"] for r in results], "s-", label="retrieval p95")
    ax.plot(sizes, [r["query_embedding_p50_ms"] for r in results], "^--", label="query embedding alone (p50)")
    ax.axhline(50, color="red", linestyle=":", label="p95 goal (50 ms)")
    ax.set_xscale("log")
    ax.set_xlabel("chunks in the index")
    ax.set_ylabel("ms")
    ax.set_title("Retrieval latency as the index grows")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # internal: the measuring subprocess
    parser.add_argument("--out", default="scale", help="result file stem in benchmarks/results/")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.queries)))
        return
    results = []
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix=f"scale-{n}-") as tmp:
            settings = Settings(_env_file=None, data_dir=Path(tmp), chroma_url=None, database_url=None)
            row = build(settings, n, args.corpus)
            measured = subprocess.run(
                [sys.executable, __file__, "--measure", tmp, "--queries", str(args.queries)],
                capture_output=True,
                text=True,
                check=True,
            )
            row.update(json.loads(measured.stdout.strip().splitlines()[-1]))
        print(json.dumps(row), flush=True)
        results.append(row)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.out}.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, out / f"{args.out}.png")
    biggest = results[-1]
    print(
        f"at {biggest['chunks']} chunks: retrieval p95 {biggest['retrieval_p95_ms']} ms (goal ≤ 50), "
        f"peak RSS {biggest['peak_rss_mib']} MiB (goal ≤ 1536)"
    )


if __name__ == "__main__":
    main()
