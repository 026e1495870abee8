"""Declaring API endpoints once: the route, its roles and its OpenAPI description."""

from __future__ import annotations

from dataclasses import dataclass, field

from rikscha.auth.roles import Role, public, roles_required


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    summary: str
    roles: tuple[str, ...] | None  # None: public
    form: type | None = None
    query: tuple[tuple[str, str, str], ...] = ()  # (name, type, description)
    responses: dict = field(default_factory=dict)
    tag: str = "misc"


OPERATIONS: list[Operation] = []


def api_route(
    rule: str,
    method: str,
    *,
    summary: str,
    roles: tuple[Role, ...] | None = (),
    form: type | None = None,
    query: tuple[tuple[str, str, str], ...] = (),
    responses: dict | None = None,
    tag: str = "misc",
):
    """Register an API view on the `api` blueprint with its role rule and OpenAPI entry.

    `roles=None` makes the endpoint public; `()` means any authenticated user.
    """
    from rikscha.api import bp

    def decorator(view):
        guarded = public(view) if roles is None else roles_required(*roles)(view)
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=guarded, methods=[method])
        OPERATIONS.append(
            Operation(
                path=rule,
                method=method.lower(),
                summary=summary,
                roles=None if roles is None else tuple(str(r) for r in roles),
                form=form,
                query=query,
                responses=responses or {},
                tag=tag,
            )
        )
        return guarded

    return decorator
