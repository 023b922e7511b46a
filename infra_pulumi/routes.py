"""The REST API's shape in API Gateway: which resources exist and which methods are public.

Every request goes to the one API function (proxy integration). API Gateway
only decides who may get there: a method is public when `PUBLIC_ROUTES` names
it, and every other method needs a Cognito ID token. Each resource gets a
catch-all `ANY` behind the authorizer, so a path the public routes bring into
the tree (like `/shared`) still reaches the function rather than a gateway 403.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from resources.definitions import PUBLIC_ROUTES, RouteSpec

ROOT = "/"
#: Everything under the root that no more specific resource claims.
PROXY = "/{proxy+}"
ANY = "ANY"


@dataclass(frozen=True)
class GatewayMethod:
    method: str
    #: The resource's path template, e.g. `/shared/{token}`.
    path: str
    public: bool


def segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def matches(template: str, path: str) -> bool:
    """Whether a route template covers a path: `{name}` one segment, `{name+}` the rest."""
    wanted, given = segments(template), segments(path)
    for position, part in enumerate(wanted):
        if part.startswith("{") and part.endswith("+}"):
            return len(given) > position
        if position >= len(given):
            return False
        if not (part.startswith("{") and part.endswith("}")) and part != given[position]:
            return False
    return len(given) == len(wanted)


def resource_paths(routes: Iterable[RouteSpec] = PUBLIC_ROUTES) -> list[str]:
    """Every resource of the tree: the routes' paths and their parents, root first."""
    paths = {ROOT, PROXY}
    for route in routes:
        parts = segments(route.path)
        paths.update("/" + "/".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    return sorted(paths, key=lambda path: (len(segments(path)), path))


def parent_path(path: str) -> str:
    return "/" + "/".join(segments(path)[:-1])


def route_model(routes: Sequence[RouteSpec] = PUBLIC_ROUTES) -> list[GatewayMethod]:
    """The methods of every resource: what the public routes name there, and ANY behind auth."""
    model = []
    for path in resource_paths(routes):
        public = sorted({route.method for route in routes if matches(route.path, path)})
        model += [GatewayMethod(method, path, public=True) for method in public]
        if ANY not in public:
            model.append(GatewayMethod(ANY, path, public=False))
    return model
