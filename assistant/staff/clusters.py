"""Common questions: group logged questions by meaning (sentence embeddings from the project's embedder,
agglomerative clustering with a cosine distance threshold from scikit-learn), then describe each group:
size, trend, a typical example and how well the assistant answers it.

Pure computation on entries and vectors; the caller embeds (off the event loop) and renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from assistant.staff.log import LogEntry

TREND_DAYS = 7


@dataclass
class Cluster:
    entries: list[LogEntry]
    example: LogEntry
    recent: int  # questions in the last TREND_DAYS days
    before: int  # questions in the TREND_DAYS days before that

    @property
    def size(self) -> int:
        return len(self.entries)

    @property
    def answered_well(self) -> float:
        """Share of the group's questions answered (not refused) without a 👎."""
        good = sum(1 for e in self.entries if not e.refused and "down" not in e.ratings)
        return good / self.size

    @property
    def open_ids(self) -> list[str]:
        return [e.message_id for e in self.entries if e.review_status == "open"]

    @property
    def trend(self) -> str:
        if self.recent > self.before:
            return "↑"
        return "↓" if self.recent < self.before else "→"


def labels(vectors: np.ndarray, distance: float) -> np.ndarray:
    """A cluster label per vector: questions closer than `distance` (cosine, average linkage) group."""
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=int)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=distance, metric="cosine", linkage="average"
    )
    return model.fit_predict(vectors)


def common_questions(
    entries: list[LogEntry], vectors: np.ndarray, *, distance: float, today: date, min_size: int = 2
) -> list[Cluster]:
    """Groups of similar questions with at least `min_size` members, largest first."""
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels(vectors, distance)):
        groups.setdefault(int(label), []).append(index)
    clusters = []
    recent_start, before_start = (
        today - timedelta(days=TREND_DAYS - 1),
        today - timedelta(days=2 * TREND_DAYS - 1),
    )
    for members in groups.values():
        if len(members) < min_size:
            continue
        centre = vectors[members].mean(axis=0)
        example = members[int(np.argmax(vectors[members] @ centre))]
        group = [entries[i] for i in members]
        days = [e.created_at.date() for e in group]
        clusters.append(
            Cluster(
                entries=group,
                example=entries[example],
                recent=sum(d >= recent_start for d in days),
                before=sum(before_start <= d < recent_start for d in days),
            )
        )
    clusters.sort(key=lambda c: (-c.size, c.example.question))
    return clusters
