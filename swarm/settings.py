"""Repository settings: `swarm.yaml`, written at materialization with defaults, owned by humans.

Gates read these settings from the base commit of a pull request, never from its head, so a pull
request cannot loosen the rules that judge it.
"""

from __future__ import annotations

import functools
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from swarm import yamlio
from swarm.errors import SwarmError
from swarm.layout import SETTINGS_PATH as SETTINGS_PATH  # where it lives, known here too


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanRef(_Model):
    """Which plan this repository was made from; materialize refuses any other plan."""

    planexe_id: str
    title: str
    digest: str


class RoleSettings(_Model):
    agents: int = Field(1, ge=0, le=64, description="how many agents of this role run at once")
    model: str = Field("offline", description="'offline' or a litellm model name")
    complex_model: str | None = Field(
        None, description="model for tasks of risk tier 2-3 or with many dependencies"
    )


class Roles(_Model):
    research: RoleSettings = RoleSettings(agents=2)
    compliance: RoleSettings = RoleSettings(agents=1)
    executor: RoleSettings = RoleSettings(agents=4)


class Budgets(_Model):
    per_task_usd: float = Field(0.50, ge=0)
    plan_usd: float = Field(50.0, ge=0)


class GateSettings(_Model):
    min_note_chars: int = Field(200, ge=0, description="shortest research/compliance note")
    hype_words: tuple[str, ...] = (
        "revolutionary",
        "game-changing",
        "world-class",
        "cutting-edge",
        "unprecedented",
        "guaranteed",
        "seamless",
        "best-in-class",
        "disruptive",
    )
    protected_paths: tuple[str, ...] = (".github/", "swarm.yaml", "schemas/", "plan/")


class Settings(_Model):
    schema_version: Literal[1] = 1
    plan_swarm_version: str
    plan: PlanRef
    humans: tuple[str, ...] = Field(
        (), description="people who may approve, hand back and close human tasks"
    )
    lease_seconds: int = Field(900, ge=10, le=7 * 24 * 3600)
    heartbeat_seconds: int = Field(60, ge=1)
    max_stage_attempts: int = Field(3, ge=1, le=20)
    roles: Roles = Roles()
    budgets: Budgets = Budgets()
    gates: GateSettings = GateSettings()


HEADER = (
    "# plan-swarm repository settings. Humans own this file: agents' pull requests may not\n"
    "# change it, and the gates read it from the base of each pull request.\n"
)


def to_yaml(settings: Settings) -> str:
    return HEADER + yamlio.dump(settings.model_dump(mode="json"))


def from_yaml(text: str, where: str = SETTINGS_PATH) -> Settings:
    return _parse(text, where)


def from_bytes(data: bytes, where: str = SETTINGS_PATH) -> Settings:
    """The settings from the file's bytes as git holds them: text that is not UTF-8 is bad
    input like any other, named."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SwarmError(f"{where}: not UTF-8 text ({exc.reason})") from None
    return _parse(text, where)


@functools.lru_cache(maxsize=64)
def _parse(text: str, where: str) -> Settings:
    # the gates and verify read swarm.yaml at every merge, and it rarely changes
    try:
        data = yamlio.load(text)
        return Settings.model_validate(data)
    except yamlio.YamlError as exc:
        raise SwarmError(f"{where}: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise SwarmError(f"{where}: {loc}: {first['msg']}") from None
