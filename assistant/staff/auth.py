"""Staff accounts and logins: local users with bcrypt password hashes, users of the OpenID provider
(`assistant.staff.oidc` vouches for them), server-side sessions, CSRF tokens, roles.

A login creates a random session token; the browser gets it in an HttpOnly, SameSite=Lax cookie (Secure on
https) and the database keeps only its SHA-256, with the session's CSRF token and expiry (and for a provider
user the ID token, to sign out at the provider too). Every form carries the CSRF token and every POST is
checked against it. Roles: `staff` sees its own region, `admin` sees all regions and manages users. A provider
user's role and region are those its claims mapped to at the last sign-in. No HTTP here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import bcrypt
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from assistant.errors import InputError
from assistant.platform.db import Database
from assistant.regions import region_id
from assistant.staff.actions import Actor
from assistant.staff.records import StaffSessionRow, StaffUserRow

if TYPE_CHECKING:
    from assistant.staff.oidc import Identity

ROLES = ("staff", "admin")
COOKIE = "staff_session"
MIN_PASSWORD = 10
PROVIDER_PREFIX = "oidc-"  # usernames of provider users (never a local username, so the two cannot collide)


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    role: str
    region: str | None
    name: str = ""  # what the staff pages call them: the provider's name, or the username
    subject: str = ""  # the provider's subject, or `local:<username>`
    issuer: str | None = None  # None for a local user

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_local(self) -> bool:
        return self.issuer is None

    @property
    def actor(self) -> Actor:
        """The user as the author of a staff action."""
        return Actor(self.id, self.subject, self.name, self.issuer)

    def may_see(self, region: str | None) -> bool:
        """Admins see every region; staff only their own."""
        return self.is_admin or (region is not None and region_id(region) == self.region)


@dataclass(frozen=True)
class Login:
    user: StaffUser
    csrf_token: str
    id_token: str | None = None  # the provider's ID token of this sign-in (None for a local login)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: StaffUserRow) -> StaffUser:
    if row.issuer is None:
        return StaffUser(row.id, row.username, row.role, row.region, row.username, f"local:{row.username}")
    return StaffUser(
        row.id,
        row.username,
        row.role,
        row.region,
        row.display_name or row.username,
        row.subject or "",
        row.issuer,
    )


def add_user(db: Database, username: str, password: str, *, role: str, region: str | None) -> StaffUser:
    """Create a staff account (or replace the password, role and region of an existing one)."""
    username = username.strip()
    if not username or len(username) > 64 or username.startswith(PROVIDER_PREFIX):
        raise InputError(
            f"The username must be 1–64 characters and not start with {PROVIDER_PREFIX}.",
            code="invalid_username",
        )
    if len(password) < MIN_PASSWORD:
        raise InputError(f"The password must be at least {MIN_PASSWORD} characters.", code="weak_password")
    if role not in ROLES:
        raise InputError(f"The role must be one of {', '.join(ROLES)}.", code="invalid_role")
    if role == "staff" and not region_id(region):
        raise InputError("A staff user needs a region.", code="missing_region")
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()
    try:
        with db.session() as s, s.begin():
            row = s.scalar(select(StaffUserRow).where(StaffUserRow.username == username))
            if row is None:
                row = StaffUserRow(username=username)
                s.add(row)
            elif row.issuer is not None:
                raise InputError("That username is taken.", code="username_taken")
            row.password_hash, row.role, row.region = hashed, role, region_id(region)
            s.flush()
            return _user(row)
    except IntegrityError as exc:  # two concurrent creations of one name
        raise InputError("That username is taken.", code="username_taken") from exc


def list_users(db: Database) -> list[StaffUser]:
    with db.session() as s:
        return [_user(r) for r in s.scalars(select(StaffUserRow).order_by(StaffUserRow.username))]


def log_in(db: Database, username: str, password: str, *, hours: int) -> tuple[str, Login] | None:
    """(cookie token, login) for a local user's right password, else None (same work either way)."""
    with db.session() as s:
        row = s.scalar(select(StaffUserRow).where(StaffUserRow.username == username.strip()))
    if row is not None and row.password_hash is None:  # a provider user has no password here
        row = None
    stored = row.password_hash.encode() if row else bcrypt.hashpw(b"-", bcrypt.gensalt())
    if not bcrypt.checkpw(password.encode(), stored) or row is None:
        return None
    return _start_session(db, _user(row), hours=hours)


def sign_in_provider_user(
    db: Database, identity: Identity, *, id_token: str, hours: int
) -> tuple[str, Login]:
    """Create or update the provider's user (name, role and region as of this sign-in) and start a session."""
    if identity.access is None:
        raise ValueError("a provider user without access cannot sign in")
    now = datetime.now(UTC)
    mine = (StaffUserRow.issuer == identity.issuer) & (StaffUserRow.subject == identity.subject)
    for attempt in range(2):  # two first sign-ins of one person at once: the second finds the first's row
        try:
            with db.session() as s, s.begin():
                row = s.scalar(select(StaffUserRow).where(mine))
                if row is None:
                    key = hashlib.sha256(f"{identity.issuer}\n{identity.subject}".encode()).hexdigest()
                    row = StaffUserRow(username=f"{PROVIDER_PREFIX}{key[:32]}", password_hash=None)
                    row.issuer, row.subject = identity.issuer, identity.subject
                    s.add(row)
                row.display_name, row.last_sign_in = identity.name, now
                row.role, row.region = identity.access.role, identity.access.region
                s.flush()
                user = _user(row)
            break
        except IntegrityError:
            if attempt:
                raise
    return _start_session(db, user, hours=hours, id_token=id_token)


def _start_session(
    db: Database, user: StaffUser, *, hours: int, id_token: str | None = None
) -> tuple[str, Login]:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with db.session() as s, s.begin():
        s.execute(delete(StaffSessionRow).where(StaffSessionRow.expires_at < now))
        s.add(
            StaffSessionRow(
                token_hash=_digest(token),
                user_id=user.id,
                csrf_token=csrf,
                expires_at=now + timedelta(hours=hours),
                id_token=id_token,
            )
        )
    return token, Login(user, csrf, id_token)


def current(db: Database, token: str | None, *, local: bool = True) -> Login | None:
    """The login behind a session cookie, if it exists and has not expired (and, with `local` off, is not a
    local user's)."""
    if not token:
        return None
    with db.session() as s:
        session = s.get(StaffSessionRow, _digest(token))
        if session is None:
            return None
        expires = session.expires_at
        if expires.tzinfo is None:  # SQLite returns naive datetimes
            expires = expires.replace(tzinfo=UTC)
        if expires < datetime.now(UTC):
            return None
        row = s.get(StaffUserRow, session.user_id)
        if row is None or (not local and row.issuer is None):
            return None
        return Login(_user(row), session.csrf_token, session.id_token)


def log_out(db: Database, token: str | None) -> None:
    if token:
        with db.session() as s, s.begin():
            s.execute(delete(StaffSessionRow).where(StaffSessionRow.token_hash == _digest(token)))


def csrf_ok(login: Login, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(login.csrf_token, submitted or "")
