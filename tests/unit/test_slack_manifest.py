"""The Slack manifest asks for exactly what the app handles: its slash command, its events, one URL."""

from __future__ import annotations

from pathlib import Path

import yaml

from assistant.channels.slack import COMMAND, EVENTS_PATH

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "slack" / "manifest.yaml"


def test_manifest_matches_the_app():
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    settings, features = manifest["settings"], manifest["features"]
    assert [c["command"] for c in features["slash_commands"]] == [COMMAND]
    urls = [
        features["slash_commands"][0]["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert all(url.startswith("https://") and url.endswith(EVENTS_PATH) for url in urls)
    assert set(settings["event_subscriptions"]["bot_events"]) >= {
        "app_mention",
        "message.im",
        "assistant_thread_started",
    }
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "im:history", "assistant:write"} <= scopes
    assert settings["interactivity"]["is_enabled"] is True
    assert "assistant_view" in features
