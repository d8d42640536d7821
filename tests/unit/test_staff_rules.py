"""Unit tests of the staff service's rules: which questions need staff, region ids, clustering of similar
questions (real scikit-learn on vectors and on the real embedder's output), CSV cell safety, chart escaping,
and the packaged regions file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from assistant.config import Settings
from assistant.errors import InputError
from assistant.regions import load_regions, region_id
from assistant.staff import charts, clusters, export
from assistant.staff.log import LogEntry, overview, queue_reasons
from assistant.staff.web import staff_error

TODAY = date(2025, 3, 20)


def entry(question: str, *, days_ago: int = 0, refused: bool = False, ratings=(), status="open") -> LogEntry:
    return LogEntry(
        message_id=f"m-{question}-{days_ago}",
        conversation_id="c",
        created_at=datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time(), UTC),
        channel="web",
        region="vestland",
        question=question,
        answer="",
        refused=refused,
        confidence=0.5,
        latency_ms=10,
        citations=[],
        user_hash=None,
        review_status=status,
        ratings=list(ratings),
    )


@pytest.mark.parametrize(
    ("refused", "ratings", "escalated", "expected"),
    [
        (False, [], False, []),
        (False, ["up"], False, []),
        (True, [], False, ["refused"]),
        (False, ["up", "down"], False, ["down"]),
        (False, [], True, ["escalated"]),
        (True, ["down"], True, ["refused", "down", "escalated"]),
    ],
)
def test_a_question_needs_staff_when_refused_rated_down_or_escalated(refused, ratings, escalated, expected):
    assert queue_reasons(refused=refused, ratings=ratings, escalated=escalated) == expected


def test_region_ids_fold_names_case_and_norwegian_letters():
    assert region_id("Vestland") == region_id("vestland") == "vestland"
    assert region_id("Møre og Romsdal") == "more-og-romsdal"
    assert region_id("  Trøndelag ") == "trondelag"
    assert region_id("") is None and region_id(None) is None


def test_the_packaged_regions_are_todays_counties_plus_the_national_service():
    regions = load_regions()
    assert len(regions.ids) == 16 and regions.ids[-1] == "nasjonal"
    assert "Møre og Romsdal" in regions and regions.name("ostfold") == "Østfold"
    assert all(r.email for r in regions.all)


def test_clusters_group_close_vectors_and_leave_far_ones_alone():
    rng = np.random.default_rng(7)
    centres = np.eye(8)[:3]
    vectors = np.vstack([c + rng.normal(0, 0.05, (n, 8)) for c, n in zip(centres, (5, 3, 1), strict=True)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    items = [entry(f"q{i}", days_ago=i) for i in range(len(vectors))]
    found = clusters.common_questions(items, vectors, distance=0.25, today=TODAY)
    assert [c.size for c in found] == [5, 3]  # the lone question is not a "common question"
    assert {e.question for e in found[0].entries} == {"q0", "q1", "q2", "q3", "q4"}
    assert found[0].example in found[0].entries


def test_cluster_trend_quality_and_open_questions():
    vectors = np.array([[1.0, 0.0]] * 4)
    items = [
        entry("a", days_ago=1, refused=True),
        entry("b", days_ago=2, ratings=["down"], status="answered"),
        entry("c", days_ago=3),
        entry("d", days_ago=9),
    ]
    (cluster,) = clusters.common_questions(items, vectors, distance=0.25, today=TODAY)
    assert (cluster.recent, cluster.before, cluster.trend) == (3, 1, "↑")
    assert cluster.answered_well == pytest.approx(0.5)
    assert cluster.open_ids == ["m-a-1", "m-c-3", "m-d-9"]


@pytest.mark.slow
def test_real_embeddings_put_rephrasings_together():
    from assistant.search.embeddings import get_embedder

    questions = [
        "Hvor mye skal klima og miljø vektes?",
        "Hvor mye må klima og miljø vektes?",
        "Hvor mye må miljø vektes i en anbudskonkurranse?",
        "Hva er den nasjonale terskelverdien?",
        "Hvilken terskelverdi gjelder nasjonalt?",
        "Kan vi stille krav om fossilfrie anleggsmaskiner?",
    ]
    settings = Settings(_env_file=None)
    vectors = get_embedder(settings.embedding_model).embed_queries(questions)
    found = clusters.common_questions(
        [entry(q) for q in questions], vectors, distance=settings.cluster_distance, today=TODAY
    )
    groups = {frozenset(e.question for e in c.entries) for c in found}
    assert groups == {frozenset(questions[:3]), frozenset(questions[3:5])}


def test_overview_counts_per_day_and_rates():
    log = [entry("a"), entry("b", refused=True), entry("c", ratings=["down"]), entry("d", days_ago=1)]
    figures = overview(log, days=3, today=TODAY)
    assert figures.questions == [0, 1, 3]
    assert figures.refusal_rate[-1] == pytest.approx(1 / 3)
    assert figures.down_rate[-1] == pytest.approx(1 / 3)
    assert figures.by_channel == {"web": 4}
    assert figures.users_by_channel == {}  # the widget sends no user id


def test_overview_counts_distinct_hashed_users_per_channel():
    def asked(channel: str, user_hash: str | None, days_ago: int = 0) -> LogEntry:
        e = entry(f"{channel}-{user_hash}-{days_ago}", days_ago=days_ago)
        e.channel, e.user_hash = channel, user_hash
        return e

    log = [asked("slack", "h1"), asked("slack", "h1"), asked("slack", "h2"), asked("teams", "h1")]
    log += [asked("web", None), asked("slack", "h3", days_ago=10)]  # no id; outside the span
    figures = overview(log, days=3, today=TODAY)
    assert figures.users_by_channel == {"slack": 2, "teams": 1}


def test_csv_cells_that_look_like_formulas_are_neutralised():
    rows = export.to_csv([entry("=cmd|' /C calc'!A0"), entry("+1"), entry("Vanlig spørsmål")])
    assert "'=cmd" in rows and "\n'+1" not in rows and ",'+1," in rows and ",Vanlig spørsmål," in rows


def test_chart_labels_are_escaped():
    svg = str(charts.bar_chart("<script>", ["<b>"], [3]))
    assert "<script>" not in svg and "&lt;b&gt;" in svg


def test_a_form_refusal_is_told_in_bokmal_and_one_without_a_bokmal_text_keeps_its_own_message():
    """Kills `staff_error`'s fallback dropped or set to None (an error code without a text would crash the
    form's 422 page instead of naming the problem); the bokmål side is also checked on the users form."""
    weak = InputError("The password must be at least 10 characters.", code="weak_password")
    assert staff_error(weak) == "Passordet må ha minst 10 tegn."
    odd = InputError("The source registry is locked.", code="no_text_for_this_code")
    assert staff_error(odd) == "The source registry is locked."
