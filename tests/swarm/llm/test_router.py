"""Which model answers: --model, then complex_model for complex questions, then model."""

from __future__ import annotations

import pytest

from swarm.llm.router import Routing, pick_model
from swarm.states import Role
from tests.swarm.llm.conftest import make_settings


def test_the_role_model_answers_simple_questions():
    settings = make_settings("gpt-4o-mini", complex_model="gpt-4o")
    assert pick_model(settings, Role.RESEARCH, "simple") == "gpt-4o-mini"


def test_complex_questions_go_to_the_complex_model_when_set():
    assert pick_model(make_settings("a", complex_model="b"), Role.EXECUTOR, "complex") == "b"
    assert pick_model(make_settings("a"), Role.EXECUTOR, "complex") == "a"


def test_the_command_line_model_wins_over_everything():
    settings = make_settings("a", complex_model="b")
    for complexity in ("simple", "complex"):
        assert pick_model(settings, Role.COMPLIANCE, complexity, override="c") == "c"
    assert pick_model(settings, Role.COMPLIANCE, "complex", override="") == "b"


def test_each_role_has_its_own_models():
    settings = make_settings("a")
    settings = settings.model_copy(
        update={"roles": settings.roles.model_copy(update={"executor": make_role("x", "y")})}
    )
    assert Routing.from_settings(settings, Role.EXECUTOR) == Routing("x", "y")
    assert Routing.from_settings(settings, Role.RESEARCH) == Routing("a", None)


def make_role(model, complex_model):
    from swarm.settings import RoleSettings

    return RoleSettings(model=model, complex_model=complex_model)


def test_people_have_no_model():
    with pytest.raises(ValueError, match="only agent roles"):
        pick_model(make_settings(), Role.HUMAN, "simple")


def test_a_routing_describes_itself():
    assert Routing("a").describe() == "a"
    assert Routing("a", "b").describe() == "a / complex: b"
    assert Routing("a", "b", override="c").describe() == "c"
