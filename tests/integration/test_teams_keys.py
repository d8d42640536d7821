"""Teams: the Bot Framework signing keys are fetched again once they are a day old, so a key Microsoft has
rotated out stops being trusted (against the local fake of the Microsoft side; the fetch time is moved back,
not waited for). Written against a mutmut survivor: the age check removed, cached keys were trusted forever."""

from __future__ import annotations

import pytest
from teams_fake import FakeBotFramework, new_private_key

from assistant.channels import teams_auth
from assistant.errors import ChannelAuthError
from tests.conftest import make_settings

APP_ID = "00000000-0000-0000-0000-0000000000aa"


@pytest.fixture
def fake():
    fake = FakeBotFramework().start()
    yield fake
    fake.stop()


async def test_keys_older_than_a_day_are_fetched_again_so_a_rotated_out_key_is_refused(
    fake, tmp_path, monkeypatch
):
    settings = make_settings(tmp_path, microsoft_app_id=APP_ID, teams_openid_url=fake.openid_url)
    verifier = teams_auth.InboundVerifier(settings)
    activity = {"channelId": "msteams", "serviceUrl": fake.service_url}
    old_token = fake.connector_token(APP_ID)
    assert (await verifier.verify(f"Bearer {old_token}", activity))["aud"] == APP_ID

    fake.private_key = new_private_key()  # Microsoft rotates the key behind the same kid
    assert (await verifier.verify(f"Bearer {old_token}", activity))["aud"] == APP_ID  # cached: still today
    verifier._fetched_at -= teams_auth.KEYS_MAX_AGE_SECONDS + 1  # a day later (not the process clock)
    with pytest.raises(ChannelAuthError):
        await verifier.verify(f"Bearer {old_token}", activity)
    new_token = fake.connector_token(APP_ID)
    assert (await verifier.verify(f"Bearer {new_token}", activity))["aud"] == APP_ID
