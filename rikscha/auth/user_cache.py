"""Who is asking: the session's user and a token's owner, remembered while no account changed.

Every page and every API call starts by loading the user and their roles (a query and an ORM
object with its role rows: about a third of a free-times request). Read-only requests (GET, HEAD,
OPTIONS) reuse what an earlier request of this process loaded, keyed by the roster counter of
`planning_changes`: database triggers bump it in the same transaction as every write to `users`,
`user_roles` and `api_tokens` (and to the drivers' roster), whoever writes. So a role taken away,
an account deactivated, a password changed (its session version) or a token revoked is seen by the
next request of every worker, exactly as a fresh query would see it. The counter is read before
the user, in the same statement as the planning counter that pages read anyway.

Requests that write always load the user fresh: they act on the user's behalf.

What is kept is plain data (the user's columns and role names), never an ORM object: each
request gets its own instance, attached to its own session as if loaded by a query, so lazy
relationships and identity-map lookups behave as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from rikscha.auth.models import User, UserRole
from rikscha.database import reads_only
from rikscha.extensions import db
from rikscha.lru import LruMap

USERS_KEPT = 512  # (user or token) × counter version, per process


@dataclass(frozen=True)
class _Account:
    columns: dict
    roles: tuple[str, ...]


_accounts: LruMap[_Account] = LruMap(USERS_KEPT)


def remembered_user(kind: str, key: object, load: Callable[[], User | None]) -> User | None:
    """`load()` (a user with roles, or None), reused across read-only requests while the roster
    counter stands. `kind` and `key` say what identifies the user ("id" and an id, "token" and a
    token's digest). Nobody (None) is not remembered: a wrong token or id is asked again."""
    if not reads_only():
        return load()
    # Imported here: the counters live with the planning data, which imports the accounts' models.
    from rikscha.rides.plan_cache import ROSTER_COUNTER, database_key, version_for_request

    version = version_for_request(ROSTER_COUNTER)
    if version is None:
        return load()
    cache_key = (database_key(), version, kind, key)
    account = _accounts.get(cache_key)
    if account is not None:
        return _attached(account)
    user = load()
    if user is not None:
        _accounts.put(cache_key, _remembered(user))
    return user


def _remembered(user: User) -> _Account:
    columns = {attribute.key: getattr(user, attribute.key) for attribute in inspect(User).column_attrs}
    return _Account(columns=columns, roles=tuple(row.role for row in user.role_rows))


def _attached(account: _Account) -> User:
    """A User in this request's session, as a query would have loaded it (no SQL)."""
    existing = db.session.identity_map.get(db.session.identity_key(User, account.columns["id"]))
    if existing is not None:  # the request already has this user: keep one instance
        return existing
    user = User(**account.columns)
    role_rows = [UserRole(user_id=user.id, role=role) for role in account.roles]
    for row in role_rows:
        make_transient_to_detached(row)
    make_transient_to_detached(user)
    set_committed_value(user, "role_rows", role_rows)
    db.session.add(user)  # detached → persistent, no SQL; cascades to the role rows
    return user
