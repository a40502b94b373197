"""transition, claim, precondition and approval: every legal row passes, each cheat is caught."""

from __future__ import annotations

from dataclasses import replace

import pytest

from swarm.gates.model import Actor, Approval, Proposal
from swarm.layout import deliverables_dir, research_path
from swarm.states import TRANSITIONS, Role, State, Transition
from tests.swarm.gates.builders import (
    AGENT,
    DEPS,
    HEAD_COMMIT,
    HUMAN,
    NOW,
    PR,
    TASK,
    agent_pr,
    base_repo,
    claim_for,
    error_rules,
    errors_of,
    judge,
    legal,
    legal_pr,
    settings,
    settings_bytes,
    update_task,
    with_proposal,
)


def _done_pr() -> PR:
    return legal(State.CLEARED, State.DONE)


@pytest.mark.parametrize("row", TRANSITIONS, ids=[f"{t.source}->{t.target}" for t in TRANSITIONS])
def test_a_legal_pull_request_for_every_row_passes(row: Transition) -> None:
    findings = judge(legal_pr(row))
    assert errors_of(findings) == [], findings


def test_done_without_approval_required_needs_no_approval() -> None:
    pr = _done_pr()
    update_task(pr.base, TASK, approval_required=False)
    update_task(pr.head, TASK, approval_required=False)
    pr.approvals = ()
    assert errors_of(judge(pr)) == []


# --- transition -----------------------------------------------------------------------------------


def test_skipping_a_state_is_rejected() -> None:
    pr = agent_pr(base_repo(State.TODO), "research")
    update_task(pr.head, TASK, state=State.DONE)
    found = errors_of(judge(pr), "transition")
    assert found and "todo -> done is not a transition" in found[0].message


def test_an_agent_must_advance_the_task() -> None:
    pr = agent_pr(base_repo(State.TODO), "research")
    pr.head[research_path(TASK)] = b"a note that does not move the task on\n" * 10
    found = errors_of(judge(pr), "transition")
    assert [f.message for f in found] == [
        f"leaves task {TASK} todo: an agent's pull request must advance it "
        "(one pull request, one stage)"
    ]


def test_a_role_outside_the_row_is_rejected() -> None:
    pr = legal(State.NEEDS_HUMAN, State.DONE)
    pr.actor = Actor(AGENT, Role.EXECUTOR)
    pr.proposal = Proposal(TASK, "execute", 3)
    pr.claim = claim_for("execute")
    found = errors_of(judge(pr), "transition")
    assert any("may not move a task from needs_human to done" in f.message for f in found)


def test_the_stage_must_be_the_base_states_stage() -> None:
    pr = legal(State.RESEARCHED, State.CLEARED)
    pr.proposal = with_proposal(pr, stage="research").proposal
    pr.claim = claim_for("research")
    found = errors_of(judge(pr), "transition")
    assert any(
        "stage research does not match the task's state researched" in f.message for f in found
    )


def test_blocking_uses_the_stage_and_role_of_the_base_state() -> None:
    pr = legal(State.TODO, State.BLOCKED)
    pr.actor = Actor(AGENT, Role.EXECUTOR)  # an executor agent claiming the research stage
    found = errors_of(judge(pr), "transition")
    assert any("stage research is worked by a research agent" in f.message for f in found)


def test_a_human_may_edit_notes_without_changing_state() -> None:
    pr = PR(base_repo(State.RESEARCHED), {}, Actor(HUMAN, Role.HUMAN))
    pr.head = dict(pr.base)
    pr.head[research_path(TASK)] += b"\nAdded by a person: the landlord is reliable.\n"
    assert errors_of(judge(pr)) == []


def test_a_human_edit_without_state_change_touches_only_that_task() -> None:
    pr = PR(base_repo(State.RESEARCHED), {}, Actor(HUMAN, Role.HUMAN))
    pr.head = dict(pr.base)
    pr.head[research_path(TASK)] += b"\nmore\n"
    pr.head["plan/plan.md"] += b"\nedited\n"
    found = errors_of(judge(pr), "transition")
    assert [f.path for f in found] == ["plan/plan.md"]


def test_an_unlisted_person_may_not_make_a_human_transition() -> None:
    pr = legal(State.NEEDS_HUMAN, State.DONE)
    pr.actor = Actor("mallory", Role.HUMAN)
    found = errors_of(judge(pr), "transition")
    assert any("mallory is not listed in swarm.yaml humans" in f.message for f in found)


# --- claim ----------------------------------------------------------------------------------------


def test_zombie_claimant_after_takeover_is_rejected() -> None:
    pr = legal(State.TODO, State.RESEARCHED)
    # another agent took the claim over (token 4); the zombie still pushes with token 3
    pr.claim = replace(claim_for("research", agent="research-2", token=4), action="takeover")
    found = errors_of(judge(pr), "claim")
    messages = {f.message for f in found}
    assert "stale fencing token 3, the claim is at 4" in messages
    assert any("held by research-2, not exec-7" in m for m in messages)


def test_stale_token_is_rejected_even_for_the_same_agent() -> None:
    pr = legal(State.TODO, State.RESEARCHED)
    pr.claim = claim_for("research", token=5)
    assert [f.message for f in errors_of(judge(pr), "claim")] == [
        "stale fencing token 3, the claim is at 5"
    ]


def test_expired_lease_is_rejected() -> None:
    pr = legal(State.TODO, State.RESEARCHED)
    pr.claim = claim_for("research", expires=NOW - 30)
    found = errors_of(judge(pr), "claim")
    assert [f.message for f in found] == ["the lease of claim 2.1.1/research expired 30 s ago"]


def test_released_claim_is_rejected() -> None:
    pr = legal(State.TODO, State.RESEARCHED)
    pr.claim = replace(claim_for("research"), action="release")
    assert "was released" in errors_of(judge(pr), "claim")[0].message


def test_missing_claim_and_missing_fence_are_rejected() -> None:
    pr = legal(State.TODO, State.RESEARCHED)
    pr.claim = None
    assert "no claim on 2.1.1/research" in errors_of(judge(pr), "claim")[0].message
    pr = with_proposal(legal(State.TODO, State.RESEARCHED), fence=None)
    assert "no fencing token" in errors_of(judge(pr), "claim")[0].message


def test_a_claim_on_another_task_or_stage_is_rejected() -> None:
    pr = legal(State.TODO, State.RESEARCHED)
    pr.claim = replace(claim_for("research"), task="1.1.1")
    assert "is not for the pull request's 2.1.1/research" in (
        errors_of(judge(pr), "claim")[0].message
    )


def test_humans_need_no_claim() -> None:
    pr = legal(State.NEEDS_HUMAN, State.CLEARED)
    assert pr.claim is None
    assert errors_of(judge(pr)) == []


# --- preconditions --------------------------------------------------------------------------------


def test_done_while_a_dependency_is_not_done_is_rejected() -> None:
    pr = _done_pr()
    update_task(pr.base, DEPS[1], state=State.CLEARED)
    update_task(pr.head, DEPS[1], state=State.CLEARED)
    found = errors_of(judge(pr), "precondition")
    assert [f.message for f in found] == [f"dependency {DEPS[1]} is cleared on main, not done"]


def test_dependencies_are_read_from_the_base_not_the_head() -> None:
    pr = _done_pr()
    update_task(pr.base, DEPS[0], state=State.CLEARED)
    update_task(pr.head, DEPS[0], state=State.DONE)  # the PR "finishes" its dependency too
    rules = error_rules(judge(pr))
    assert "precondition" in rules and "scope" in rules


def test_an_unknown_dependency_is_rejected() -> None:
    pr = _done_pr()
    update_task(pr.base, TASK, depends_on=("9.9.9",))
    update_task(pr.head, TASK, depends_on=("9.9.9",))
    found = errors_of(judge(pr), "precondition")
    assert [f.message for f in found] == ["dependency 9.9.9 is not a task on main"]


def test_done_without_evidence_is_rejected() -> None:
    pr = _done_pr()
    update_task(pr.head, TASK, evidence=())
    found = errors_of(judge(pr), "precondition")
    assert len(found) == 1 and "lists no evidence" in found[0].message


def test_evidence_with_a_blank_proof_is_rejected() -> None:
    pr = _done_pr()
    from swarm.task import EvidenceItem

    update_task(pr.head, TASK, evidence=(EvidenceItem(criterion="lease signed", proof="  "),))
    assert "evidence item 1 of task 2.1.1 has no proof" in (
        errors_of(judge(pr), "precondition")[0].message
    )


def test_done_without_deliverables_is_rejected() -> None:
    pr = _done_pr()
    del pr.head[f"{deliverables_dir(TASK)}/lease.md"]
    assert f"no deliverables under {deliverables_dir(TASK)}/" in (
        errors_of(judge(pr), "precondition")[0].message
    )


def test_a_missing_or_trivial_research_brief_is_rejected() -> None:
    pr = legal(State.TODO, State.RESEARCHED)
    pr.head[research_path(TASK)] = b"TODO\n\n\n          \n"
    msg = errors_of(judge(pr), "precondition")[0].message
    assert msg == f"the research note {research_path(TASK)} is trivially short (4 chars < 200)"
    del pr.head[research_path(TASK)]
    assert "is missing" in errors_of(judge(pr), "precondition")[0].message


def test_compliance_must_set_the_tier_and_tier_3_goes_to_a_person() -> None:
    pr = legal(State.RESEARCHED, State.CLEARED)
    update_task(pr.head, TASK, risk_tier=None, approval_required=None)
    assert "must set risk_tier and approval_required" in (
        errors_of(judge(pr), "precondition")[0].message
    )
    update_task(pr.head, TASK, risk_tier=3, approval_required=True)
    assert "risk tier 3" in errors_of(judge(pr), "precondition")[0].message


def test_escalation_and_blocking_need_a_reason() -> None:
    pr = legal(State.CLEARED, State.NEEDS_HUMAN)
    update_task(pr.head, TASK, escalation="   ")
    assert "escalation reason" in errors_of(judge(pr), "precondition")[0].message
    pr = legal(State.CLEARED, State.BLOCKED)
    update_task(pr.head, TASK, blocked_reason=None)
    assert "reason for blocking" in errors_of(judge(pr), "precondition")[0].message


# --- approval -------------------------------------------------------------------------------------


def test_agent_self_approval_does_not_count() -> None:
    pr = _done_pr()
    pr.approvals = (Approval(AGENT, HEAD_COMMIT),)
    found = errors_of(judge(pr), "approval")
    assert len(found) == 1
    assert "approval by exec-7 does not count" in found[0].message


def test_agent_self_approval_does_not_count_even_when_listed_as_human() -> None:
    pr = _done_pr()
    listed = settings_bytes(settings(humans=(HUMAN, AGENT)))
    pr.base["swarm.yaml"] = pr.head["swarm.yaml"] = listed
    pr.approvals = (Approval(AGENT, HEAD_COMMIT),)
    assert "never approves its own work" in errors_of(judge(pr), "approval")[0].message


def test_approval_by_someone_not_in_humans_does_not_count() -> None:
    pr = _done_pr()
    pr.approvals = (Approval("research-2", HEAD_COMMIT),)
    assert errors_of(judge(pr), "approval")[0].message.endswith(
        "approval by research-2 does not count: only people listed in swarm.yaml humans may approve"
    )


def test_a_new_commit_voids_an_approval() -> None:
    pr = _done_pr()
    pr.approvals = (Approval(HUMAN, "a" * 40),)
    pr.head_commit = "b" * 40
    msg = errors_of(judge(pr), "approval")[0].message
    assert "approval by alice is for commit aaaaaaaaaaaa…, not the head bbbbbbbbbbbb…" in msg
    assert "a new commit voids it" in msg


def test_no_approval_at_all_is_rejected() -> None:
    pr = _done_pr()
    pr.approvals = ()
    assert "there is none" in errors_of(judge(pr), "approval")[0].message


def test_approval_required_set_only_in_the_head_still_counts() -> None:
    pr = _done_pr()
    update_task(pr.base, TASK, approval_required=False)
    pr.approvals = ()
    assert error_rules(judge(pr)) == {"approval"}


def test_one_valid_approval_among_void_ones_suffices() -> None:
    pr = _done_pr()
    pr.approvals = (Approval(AGENT, HEAD_COMMIT), Approval("bob", HEAD_COMMIT))
    assert errors_of(judge(pr)) == []
