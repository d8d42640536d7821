"""Staff accounts and logins: bcrypt password hashes, server-side sessions, CSRF tokens, roles.

A login creates a random session token; the browser gets it in an HttpOnly, SameSite=Lax cookie (Secure on
https) and the database keeps only its SHA-256, with the session's CSRF token and expiry. Every form
carries the CSRF token and every POST is checked against it. Roles: `staff` sees its own region, `admin`
sees all regions and manages users. No HTTP here beyond reading and setting the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import bcrypt
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from assistant.errors import InputError
from assistant.platform.db import Database
from assistant.regions import region_id
from assistant.staff.records import StaffSessionRow, StaffUserRow

ROLES = ("staff", "admin")
COOKIE = "staff_session"
MIN_PASSWORD = 10


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    role: str
    region: str | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_see(self, region: str | None) -> bool:
        """Admins see every region; staff only their own."""
        return self.is_admin or (region is not None and region_id(region) == self.region)


@dataclass(frozen=True)
class Login:
    user: StaffUser
    csrf_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: StaffUserRow) -> StaffUser:
    return StaffUser(row.id, row.username, row.role, row.region)


def add_user(db: Database, username: str, password: str, *, role: str, region: str | None) -> StaffUser:
    """Create a staff account (or replace the password, role and region of an existing one)."""
    username = username.strip()
    if not username or len(username) > 64:
        raise InputError("The username must be 1–64 characters.", code="invalid_username")
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
            row.password_hash, row.role, row.region = hashed, role, region_id(region)
            s.flush()
            return _user(row)
    except IntegrityError as exc:  # two concurrent creations of one name
        raise InputError("That username is taken.", code="username_taken") from exc


def list_users(db: Database) -> list[StaffUser]:
    with db.session() as s:
        return [_user(r) for r in s.scalars(select(StaffUserRow).order_by(StaffUserRow.username))]


def log_in(db: Database, username: str, password: str, *, hours: int) -> tuple[str, Login] | None:
    """(cookie token, login) for the right password, else None (same work either way)."""
    with db.session() as s:
        row = s.scalar(select(StaffUserRow).where(StaffUserRow.username == username.strip()))
    stored = row.password_hash.encode() if row else bcrypt.hashpw(b"-", bcrypt.gensalt())
    if not bcrypt.checkpw(password.encode(), stored) or row is None:
        return None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with db.session() as s, s.begin():
        s.execute(delete(StaffSessionRow).where(StaffSessionRow.expires_at < now))
        s.add(
            StaffSessionRow(
                token_hash=_digest(token),
                user_id=row.id,
                csrf_token=csrf,
                expires_at=now + timedelta(hours=hours),
            )
        )
    return token, Login(_user(row), csrf)


def current(db: Database, token: str | None) -> Login | None:
    """The login behind a session cookie, if it exists and has not expired."""
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
        return Login(_user(row), session.csrf_token) if row else None


def log_out(db: Database, token: str | None) -> None:
    if token:
        with db.session() as s, s.begin():
            s.execute(delete(StaffSessionRow).where(StaffSessionRow.token_hash == _digest(token)))


def csrf_ok(login: Login, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(login.csrf_token, submitted or "")
