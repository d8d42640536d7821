"""How the Bolt app is built: settings, not Bolt's own reading of the environment, decide its client."""

from __future__ import annotations

import logging

from conftest import make_settings

from assistant.channels.slack import build_bolt_app


def test_bolt_app_starts_without_the_token_unused_warning_even_with_slack_bot_token_set(
    tmp_path, monkeypatch, caplog
):
    # Bolt reads SLACK_BOT_TOKEN itself; where it is set (as in deploy/.env) a `client` argument made it warn.
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    settings = make_settings(
        tmp_path,
        slack_bot_token="xoxb-from-settings",
        slack_signing_secret="secret",
        slack_api_url="http://127.0.0.1:9/api/",
    )
    caplog.set_level(logging.DEBUG)
    app = build_bolt_app(settings, lambda: None)
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert app.client.token == "xoxb-from-settings"
    assert app.client.base_url == "http://127.0.0.1:9/api/"
