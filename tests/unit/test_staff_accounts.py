"""Staff accounts, logins and sessions (`assistant.staff.auth`) on a real SQLite database, without the web
app: what `add_user` refuses and why, who may log in, what a session holds and when it ends, provider users,
the CSRF comparison and region visibility. Written against mutmut survivors that the slower web tests did
not reach (docs/testing.md); the web side of the same rules is in tests/integration/test_staff_sessions.py."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select, update

from assistant.errors import InputError
from assistant.platform.db import Database
from assistant.staff import auth
from assistant.staff.oidc import Access, Identity
from assistant.staff.records import StaffSessionRow, StaffUserRow

PASSWORD = "riktig-passord-123"
ISSUER = "https://login.example/tenant/v2.0"


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'staff.db'}")
    database.create_all()
    yield database
    database.engine.dispose()


def refused(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(InputError) as caught:
        call(*args, **kwargs)
    return caught.value.code, caught.value.message


def session_rows(db: Database) -> list[StaffSessionRow]:
    with db.session() as s:
        return list(s.scalars(select(StaffSessionRow)))


def test_add_user_refuses_bad_names_short_passwords_unknown_roles_and_staff_without_a_region(db):
    """Kills the bounds (64, 10), `or` → `and`, the prefix check, and the codes and messages of each refusal."""
    name = ("invalid_username", "The username must be 1–64 characters and not start with oidc-.")
    assert refused(auth.add_user, db, "   ", PASSWORD, role="staff", region="Vestland") == name
    assert refused(auth.add_user, db, "x" * 65, PASSWORD, role="staff", region="Vestland") == name
    assert refused(auth.add_user, db, "oidc-kari", PASSWORD, role="staff", region="Vestland") == name
    assert auth.add_user(db, "y" * 64, PASSWORD, role="admin", region=None).username == "y" * 64
    assert refused(auth.add_user, db, "kari", "a" * 9, role="staff", region="Vestland") == (
        "weak_password",
        "The password must be at least 10 characters.",
    )
    assert auth.add_user(db, "kari", "a" * 10, role="staff", region="Vestland").role == "staff"
    assert refused(auth.add_user, db, "ola", PASSWORD, role="boss", region="Vestland") == (
        "invalid_role",
        "The role must be one of staff, admin.",
    )
    assert refused(auth.add_user, db, "ola", PASSWORD, role="staff", region=" ") == (
        "missing_region",
        "A staff user needs a region.",
    )


def test_add_user_stores_the_region_id_and_replaces_an_existing_local_user(db):
    """Kills `username.strip()` dropped, the region stored unfolded, and a second add making a second row."""
    first = auth.add_user(db, "  kari ", PASSWORD, role="staff", region="Møre og Romsdal")
    assert (first.username, first.role, first.region) == ("kari", "staff", "more-og-romsdal")
    assert (first.name, first.subject, first.issuer, first.is_local) == ("kari", "local:kari", None, True)
    again = auth.add_user(db, "kari", "nytt-passord-456", role="admin", region=None)
    assert (again.id, again.role, again.region) == (first.id, "admin", None)
    assert [u.username for u in auth.list_users(db)] == ["kari"]
    assert auth.log_in(db, "kari", PASSWORD, hours=1) is None
    assert auth.log_in(db, "kari", "nytt-passord-456", hours=1) is not None


def test_a_provider_users_name_cannot_be_taken_by_a_local_user(db):
    """Kills the `username_taken` refusal for a name held by a provider user (its code and message)."""
    _, login = auth.sign_in_provider_user(db, identity("sub-1"), id_token="id-token", hours=1)
    assert refused(auth.add_user, db, login.user.username[:64], PASSWORD, role="admin", region=None) == (
        "invalid_username",
        "The username must be 1–64 characters and not start with oidc-.",
    )
    with db.session() as s, s.begin():  # a provider row whose name has no prefix (an older database)
        s.execute(update(StaffUserRow).values(username="kari"))
    assert refused(auth.add_user, db, "kari", PASSWORD, role="admin", region=None) == (
        "username_taken",
        "That username is taken.",
    )


def test_log_in_needs_the_right_password_of_a_local_user_and_starts_a_session(db):
    """Kills `checkpw` on the wrong values, `or` → `and`, the provider user's missing password treated as a
    password (also `row = None` → `""`, which the password of the stand-in hash, "-", then gets past), and a
    session started without its hash, user, CSRF token or expiry."""
    kari = auth.add_user(db, "kari", PASSWORD, role="staff", region="Vestland")
    assert auth.log_in(db, "kari", "feil-passord-123", hours=2) is None
    assert auth.log_in(db, "nobody", PASSWORD, hours=2) is None
    before = datetime.now(UTC)
    token, login = auth.log_in(db, " kari ", PASSWORD, hours=2)
    assert login.user == kari and login.id_token is None and len(login.csrf_token) >= 32
    (row,) = session_rows(db)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert (row.user_id, row.csrf_token, row.id_token) == (kari.id, login.csrf_token, None)
    expires = row.expires_at.replace(tzinfo=UTC)
    assert before + timedelta(hours=2) <= expires <= datetime.now(UTC) + timedelta(hours=2)
    _, provider = auth.sign_in_provider_user(db, identity("sub-1"), id_token="id", hours=1)
    assert auth.log_in(db, provider.user.username, "", hours=1) is None  # no password: never a local login
    assert auth.log_in(db, provider.user.username, "-", hours=1) is None  # nor the stand-in hash's password


def test_current_finds_the_login_until_it_expires_and_log_out_ends_it(db):
    """Kills the expiry comparison, the naive-datetime repair, `local` ignored, and `log_out` deleting
    nothing or every session."""
    kari = auth.add_user(db, "kari", PASSWORD, role="staff", region="Vestland")
    token, login = auth.log_in(db, "kari", PASSWORD, hours=1)
    other, _ = auth.log_in(db, "kari", PASSWORD, hours=1)
    assert auth.current(db, token) == login
    assert auth.current(db, None) is None and auth.current(db, "") is None and auth.current(db, "x") is None
    assert auth.current(db, token, local=False) is None  # a local user when only the provider may sign in
    with db.session() as s, s.begin():
        s.execute(
            update(StaffSessionRow)
            .where(StaffSessionRow.token_hash == hashlib.sha256(token.encode()).hexdigest())
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=5))
        )
    assert auth.current(db, token) is None
    assert auth.current(db, other).user == kari
    auth.log_out(db, None)
    auth.log_out(db, other)
    assert auth.current(db, other) is None


def test_a_new_login_sweeps_expired_sessions_and_keeps_live_ones(db):
    """Kills the sweep removed, or sweeping live sessions (`<` → `>`)."""
    auth.add_user(db, "kari", PASSWORD, role="staff", region="Vestland")
    old, _ = auth.log_in(db, "kari", PASSWORD, hours=1)
    live, _ = auth.log_in(db, "kari", PASSWORD, hours=1)
    with db.session() as s, s.begin():
        s.execute(
            update(StaffSessionRow)
            .where(StaffSessionRow.token_hash == hashlib.sha256(old.encode()).hexdigest())
            .values(expires_at=datetime.now(UTC) - timedelta(hours=1))
        )
    newest, _ = auth.log_in(db, "kari", PASSWORD, hours=1)
    hashes = {r.token_hash for r in session_rows(db)}
    assert hashes == {hashlib.sha256(t.encode()).hexdigest() for t in (live, newest)}


def identity(
    subject: str, *, name: str = "Kari Nordmann", role: str = "staff", region: str | None = "vestland"
):
    return Identity(ISSUER, subject, name, Access(role, region))


def test_a_provider_user_is_created_once_updated_at_each_sign_in_and_keeps_the_id_token(db):
    """Kills the provider user's name, subject, issuer, role or region not stored or not updated, its
    username not derived from issuer and subject, the ID token not kept with the session, the time of the
    sign-in not stored (`now = None`), and the message of the no-access `ValueError`."""
    token, first = auth.sign_in_provider_user(db, identity("sub-1"), id_token="id-1", hours=1)
    key = hashlib.sha256(f"{ISSUER}\nsub-1".encode()).hexdigest()
    assert first.user.username == f"oidc-{key[:32]}"
    assert (first.user.name, first.user.subject, first.user.issuer) == ("Kari Nordmann", "sub-1", ISSUER)
    assert (first.user.role, first.user.region, first.user.is_local, first.id_token) == (
        "staff",
        "vestland",
        False,
        "id-1",
    )
    assert first.user.actor.subject == "sub-1" and first.user.actor.issuer == ISSUER
    assert auth.current(db, token, local=False) == first
    changed = identity("sub-1", name="Kari N. Hansen", role="admin", region=None)
    _, second = auth.sign_in_provider_user(db, changed, id_token="id-2", hours=1)
    assert second.user.id == first.user.id
    assert (second.user.name, second.user.role, second.user.region, second.id_token) == (
        "Kari N. Hansen",
        "admin",
        None,
        "id-2",
    )
    _, someone = auth.sign_in_provider_user(db, identity("sub-2", name=""), id_token="id-3", hours=1)
    assert someone.user.id != first.user.id and someone.user.name == someone.user.username
    assert len(auth.list_users(db)) == 2
    with db.session() as s:
        signed_in = s.get(StaffUserRow, first.user.id).last_sign_in
    assert signed_in is not None and abs(signed_in.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(
        minutes=5
    )
    with pytest.raises(ValueError, match=r"^a provider user without access cannot sign in$"):
        auth.sign_in_provider_user(db, Identity(ISSUER, "sub-3", "Ola", None), id_token="x", hours=1)


def test_csrf_needs_the_sessions_own_token_and_staff_see_only_their_region(db):
    """Kills `csrf_ok` accepting an empty or a different token, and `may_see` letting staff see other regions
    or no region."""
    auth.add_user(db, "kari", PASSWORD, role="staff", region="Vestland")
    auth.add_user(db, "admin", PASSWORD, role="admin", region=None)
    _, staff = auth.log_in(db, "kari", PASSWORD, hours=1)
    _, admin = auth.log_in(db, "admin", PASSWORD, hours=1)
    assert auth.csrf_ok(staff, staff.csrf_token)
    assert not auth.csrf_ok(staff, "") and not auth.csrf_ok(staff, None)
    assert not auth.csrf_ok(staff, admin.csrf_token)
    assert staff.user.may_see("Vestland") and staff.user.may_see("vestland")
    assert not staff.user.may_see("Nordland") and not staff.user.may_see(None)
    assert not staff.user.is_admin and admin.user.is_admin
    assert admin.user.may_see("Nordland") and admin.user.may_see(None)


def test_a_name_created_by_another_request_between_the_check_and_the_insert_is_refused_as_taken(db):
    """Kills the concurrent-creation branch's message and code changed or dropped: the name is inserted by a
    second connection just before this request's INSERT (the check found no row), so the unique constraint
    refuses it."""
    raced: list[str] = []

    def other_request_first(conn, cursor, statement, parameters, context, executemany):
        if not raced and statement.lstrip().upper().startswith("INSERT INTO STAFF_USERS"):
            raced.append(statement)
            with db.engine.connect() as other, other.begin():
                other.execute(insert(StaffUserRow).values(username="kari", role="staff", region="vestland"))

    event.listen(db.engine, "before_cursor_execute", other_request_first)
    assert refused(auth.add_user, db, "kari", PASSWORD, role="staff", region="Vestland") == (
        "username_taken",
        "That username is taken.",
    )
    assert raced  # the race happened where it was meant to
