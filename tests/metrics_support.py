"""Reading `/metrics` in tests with prometheus-client's own parser (not our code). The counters are
process-wide, so tests compare a value before and after the behaviour they check."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

ANSWERS = "assistant_answers_total"
REFUSALS = "assistant_refusals_total"
ANSWER_LATENCY_COUNT = "assistant_answer_duration_seconds_count"


def channel_counts(client, channel: str) -> dict[str, float]:
    """Answers, refusals and timed answers of one channel, as `GET /metrics` shows them now."""
    response = client.get("/metrics")
    assert response.status_code == 200
    wanted = {ANSWERS: 0.0, REFUSALS: 0.0, ANSWER_LATENCY_COUNT: 0.0}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name in wanted and sample.labels == {"channel": channel}:
                wanted[sample.name] = sample.value
    return wanted


def raised_by(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before[name] for name in before}
