"""The rules that turn a provider's claims into our access (assistant.staff.oidc): the mapping setting's
format, admin winning, one region per staff user, which claim values count, the name shown for a person, and
pending sign-ins being usable once and only before they expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from assistant.errors import ConfigError
from assistant.platform.db import Database
from assistant.regions import load_regions
from assistant.staff import oidc
from assistant.staff.records import StaffSignInRow

REGIONS = load_regions(None)


def test_the_mapping_takes_admin_and_staff_with_a_known_region_only():
    table = oidc.parse_access({"a": "admin", "v": "staff:Vestland", "n": " staff:nordland"}, REGIONS)
    assert table == {
        "a": oidc.Access("admin", None),
        "v": oidc.Access("staff", "vestland"),
        "n": oidc.Access("staff", "nordland"),
    }
    for grant in ("staff", "staff:atlantis", "admin:vestland", "owner", ""):
        with pytest.raises(ConfigError, match="staff_oidc_access"):
            oidc.parse_access({"g": grant}, REGIONS)


def test_admin_wins_one_region_is_kept_and_two_regions_are_refused():
    table = oidc.parse_access(
        {"a": "admin", "v": "staff:vestland", "v2": "staff:vestland", "n": "staff:nordland"}
    )
    assert oidc.access_for(["v", "a", "n"], table) == oidc.Access("admin", None)
    assert oidc.access_for(["v", "v2", "unmapped"], table) == oidc.Access("staff", "vestland")
    assert oidc.access_for(["unmapped"], table) is None
    assert oidc.access_for([], table) is None
    with pytest.raises(oidc.SignInRefused) as refused:
        oidc.access_for(["v", "n"], table)
    assert refused.value.code == "several_regions" and refused.value.status == 403
    assert refused.value.fields["regions"] == "nordland, vestland"


def test_claim_values_come_from_the_named_claims_as_strings_or_lists_of_strings():
    claims = {"groups": ["g1", 7, "g2"], "roles": "r1", "sub": "s", "other": ["x"], "wids": {"k": "v"}}
    assert oidc.claim_values(claims, ["groups", "roles", "wids", "missing"]) == ["g1", "g2", "r1"]
    assert oidc.claim_values(claims, ["sub"]) == ["s"]


def test_the_name_shown_is_the_name_then_login_then_email_then_the_start_of_the_subject():
    assert oidc.display_name({"name": " Kari ", "preferred_username": "kari@k.no"}) == "Kari"
    assert oidc.display_name({"name": "", "preferred_username": "kari@k.no"}) == "kari@k.no"
    assert oidc.display_name({"email": "kari@k.no", "sub": "x"}) == "kari@k.no"
    assert oidc.display_name({"sub": "NR8vTTPrM3T7rWf8dXxe"}) == "NR8vTTPrM3T7…"
    assert len(oidc.display_name({"name": "n" * 500})) == 200


def test_a_pending_sign_in_is_taken_once_and_not_after_it_expired(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'p.db'}")
    db.create_all()
    pending = oidc.PendingSignIn("state-1", "nonce", "verifier", "http://x/staff/oidc/callback", "/staff/log")
    oidc.save_pending(db, pending)
    assert oidc.take_pending(db, "state-2") is None
    assert oidc.take_pending(db, "state-1") == pending
    assert oidc.take_pending(db, "state-1") is None  # used
    oidc.save_pending(db, oidc.PendingSignIn("state-3", "n", "v", "u", "/staff"))
    with db.session() as s, s.begin():
        s.execute(update(StaffSignInRow).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert oidc.take_pending(db, "state-3") is None
    with db.session() as s:
        assert s.query(StaffSignInRow).count() == 0  # an expired one is removed too
    db.engine.dispose()
