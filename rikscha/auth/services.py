"""Account operations: passwords, login throttling, registration, user management, tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import joinedload

from rikscha.audit.services import record_event
from rikscha.auth.models import ApiToken, LoginFailure, User
from rikscha.auth.roles import Role
from rikscha.auth.user_cache import remembered_user
from rikscha.domain import Conflict, DomainError
from rikscha.extensions import db
from rikscha.unique import saved_unless_taken

MIN_PASSWORD_LENGTH = 10
# Verified against when the e-mail is unknown, so both paths cost the same time.
_DUMMY_HASH_PASSWORD = "not-a-real-password"


class LoginThrottled(DomainError):
    code = "login_throttled"
    status = 429


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401


class EmailTaken(Conflict):
    code = "email_taken"
    field = "email"


class WeakPassword(DomainError):
    code = "weak_password"
    field = "password"


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
        parallelism=1,
    )


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    """argon2id hash of `password`."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword()
    return _hasher().hash(password)


def password_matches(user: User, password: str) -> bool:
    try:
        return _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def recent_failures(email: str, now: datetime) -> int:
    window = timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    return db.session.scalar(
        select(func.count(LoginFailure.id)).where(
            LoginFailure.email == normalize_email(email), LoginFailure.at > now - window
        )
    )


def authenticate(email: str, password: str, now: datetime) -> User:
    """The active user with these credentials, or InvalidCredentials / LoginThrottled.

    Failures are stored in the database, so the limit holds across all server processes.
    A failure is recorded even for unknown e-mails so that probing for accounts is limited too.
    """
    email = normalize_email(email)
    if recent_failures(email, now) >= current_app.config["LOGIN_FAILURE_LIMIT"]:
        raise LoginThrottled()
    user = find_user_by_email(email)
    if user is None:
        _hasher().hash(_DUMMY_HASH_PASSWORD)
        ok = False
    else:
        ok = password_matches(user, password) and user.active
    if not ok:
        db.session.add(LoginFailure(email=email, at=now))
        raise InvalidCredentials()
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    roles,
    phone: str = "",
    language: str = "de",
    actor: User | None = None,
    must_change_password: bool = False,
    consent_at: datetime | None = None,
) -> User:
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise EmailTaken()
    user = User(
        email=email,
        name=name.strip(),
        phone=phone.strip(),
        password_hash=hash_password(password),
        language=language,
        must_change_password=must_change_password,
        consent_at=consent_at,
        role_rows=[],
    )
    user.set_roles(roles)
    with saved_unless_taken(EmailTaken()):
        db.session.add(user)
    record_event(actor or user, "create", "user", user.id, f"roles={','.join(user.roles)}")
    return user


def register_resident(*, email: str, name: str, password: str, phone: str, now: datetime) -> User:
    """Self-registration: always and only the resident role, with the consent time recorded."""
    return create_user(
        email=email,
        name=name,
        password=password,
        phone=phone,
        roles=[Role.RESIDENT],
        consent_at=now,
    )


def update_user(user: User, *, actor: User, name: str, email: str, phone: str, roles, active: bool):
    email = normalize_email(email)
    other = find_user_by_email(email)
    if other is not None and other.id != user.id:
        raise EmailTaken()
    if user.id == actor.id and (not active or Role.COORDINATOR not in set(roles)):
        # Locking oneself out would leave the office without anyone able to fix it.
        raise DomainError("cannot_demote_self", field="roles")
    before = (user.roles, user.active)
    with saved_unless_taken(EmailTaken()):
        user.name, user.email, user.phone = name.strip(), email, phone.strip()
        user.set_roles(roles)
        if user.active and not active:
            user.session_version += 1
        user.active = active
    record_event(
        actor,
        "update",
        "user",
        user.id,
        f"roles {','.join(before[0])}->{','.join(user.roles)}; active {before[1]}->{active}",
    )


def change_password(user: User, *, current: str, new: str) -> None:
    if not password_matches(user, current):
        raise DomainError("wrong_password", field="current_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1
    record_event(user, "change_password", "user", user.id)


def _readable_password() -> str:
    # Read out over the phone, so no look-alike characters and in short groups.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


def invite_user(*, email: str, name: str, phone: str, roles, active: bool, actor: User) -> tuple[User, str]:
    """A user created by the office, with a temporary password to pass on (changed at first login)."""
    password = _readable_password()
    user = create_user(
        email=email,
        name=name,
        phone=phone,
        roles=roles,
        password=password,
        actor=actor,
        must_change_password=True,
    )
    user.active = active
    return user, password


def set_temporary_password(user: User, *, actor: User) -> str:
    """A new random password the coordinator passes on; the user must change it at next login."""
    password = _readable_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.session_version += 1
    record_event(actor, "temporary_password", "user", user.id)
    return password


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, label: str = "") -> tuple[ApiToken, str]:
    """A new bearer token; the plain value is returned once and only its hash is stored."""
    plain = "rk_" + secrets.token_urlsafe(32)
    token = ApiToken(user=user, label=label.strip()[:80], token_hash=_token_digest(plain), prefix=plain[:10])
    db.session.add(token)
    db.session.flush()
    record_event(user, "create", "api_token", token.id)
    return token, plain


# Built once: every API request runs it, and building a statement costs more than executing it.
_TOKEN_OWNER = (
    select(User)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None), User.active.is_(True))
    .options(joinedload(User.role_rows))  # every API route checks them
)
# The same for the session's user on every page (see rikscha.create_app's user loader).
_USER_WITH_ROLES = select(User).where(User.id == bindparam("user_id")).options(joinedload(User.role_rows))


def user_for_token(plain: str) -> User | None:
    """The active owner of a valid, unrevoked token (GET requests stay read-only: no write here)."""
    digest = _token_digest(plain)
    return remembered_user(
        "token",
        digest,
        lambda: db.session.execute(_TOKEN_OWNER, {"digest": digest}).unique().scalar_one_or_none(),
    )


def user_with_roles(user_id: int) -> User | None:
    """A user and their roles in one query (or none: see rikscha.auth.user_cache)."""
    return remembered_user(
        "id",
        user_id,
        lambda: db.session.execute(_USER_WITH_ROLES, {"user_id": user_id}).unique().scalar_one_or_none(),
    )


def revoke_token(token: ApiToken, *, actor: User, now: datetime) -> None:
    token.revoked_at = now
    record_event(actor, "revoke", "api_token", token.id)
