"""What a REST handler gets (``Ctx``) and gives back (``Reply``), and the route table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ghcontract.errors import ApiError, not_found
from ghcontract.objects import Objects
from ghcontract.state import Issue, Pull, Repo, World

if TYPE_CHECKING:
    from ghcontract.server import ContractServer

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    server: ContractServer
    method: str
    template: str
    path: str
    params: dict[str, str]
    query_items: list[tuple[str, str]]
    body: Any
    login: str
    headers: dict[str, str] = field(default_factory=dict)  # extra response headers

    @property
    def world(self) -> World:
        return self.server.world

    @property
    def objects(self) -> Objects:
        return self.server.objects

    @property
    def query(self) -> dict[str, str]:
        return dict(self.query_items)

    def now(self) -> float:
        return self.server.world.clock()

    def fields(self) -> dict[str, Any]:
        """The JSON body as an object (GitHub's bodies here are objects)."""
        return self.body if isinstance(self.body, dict) else {}

    def repo(self) -> Repo:
        found: Repo | None = self.world.find_repo(self.params["owner"], self.params["repo"])
        if found is None:
            raise not_found()
        return found

    def issue(self, repo: Repo, key: str = "issue_number") -> Issue:
        found = repo.issues.get(int(self.params[key]))
        if found is None:
            raise not_found()
        return found

    def pull(self, repo: Repo) -> Pull:
        found = repo.pulls.get(int(self.params["pull_number"]))
        if found is None:
            raise not_found()
        return found

    def page(self, items: list[Any]) -> list[Any]:
        """One page of ``items`` by ``per_page``/``page``, with GitHub's ``Link`` header."""
        query = self.query
        per_page = _int(query.get("per_page"), DEFAULT_PER_PAGE)
        per_page = DEFAULT_PER_PAGE if per_page < 1 else min(per_page, MAX_PER_PAGE)
        page = max(_int(query.get("page"), 1), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        links = []
        if page > 1:
            links.append((min(page - 1, last), "prev"))
        if page < last:
            links += [(page + 1, "next"), (last, "last")]
        if page > 1:
            links.append((1, "first"))
        if links:
            self.headers["Link"] = ", ".join(
                f'<{self._page_url(number)}>; rel="{rel}"' for number, rel in links
            )
        return items[(page - 1) * per_page : page * per_page]

    def _page_url(self, number: int) -> str:
        items = [(k, v) for k, v in self.query_items if k != "page"]
        items.append(("page", str(number)))
        return f"{self.server.api_url}{self.path}?{urlencode(items)}"

    def require(self, condition: bool, error: ApiError) -> None:
        if not condition:
            raise error


def _int(value: str | None, default: int) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return default


Handler = Callable[[Ctx], Reply]
ROUTES: dict[tuple[str, str], Handler] = {}


def route(method: str, template: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        key = (method.lower(), template)
        if key in ROUTES:
            raise RuntimeError(f"route {method} {template} registered twice")
        ROUTES[key] = handler
        return handler

    return register
