"""Pull requests judged and merged on real repositories: every legal transition of the table
passes, and an adversarial corpus is rejected, each by the rule that should catch it."""

from __future__ import annotations

import subprocess

import pytest

from swarm import claims
from swarm.forge.base import PullRequestSpec, Review
from swarm.gitstore import MAIN
from swarm.layout import deliverables_dir, research_path, task_path
from swarm.pulls import HUMAN_STAGE, identity
from swarm.settings import from_yaml as settings_from_yaml
from swarm.settings import to_yaml as settings_to_yaml
from swarm.states import State
from swarm.verify import verify
from tests.swarm.flow import LEASE, Flow
from tests.swarm.git_objects import git_bytes, hand_made_object

PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)


@pytest.fixture
def flow(tmp_path):
    return Flow(tmp_path)


def errors(outcome) -> list[str]:
    return [f.rule for f in outcome.judgement.findings if f.severity == "error"]


def rejected_by(outcome, rule: str) -> None:
    assert not outcome.merged, "the pull request should not have merged"
    assert rule in errors(outcome), outcome.judgement.findings
    check = outcome.pr and outcome.judgement  # the check was recorded on the PR
    assert check


# -- legal transitions ---------------------------------------------------------------------


def test_research_compliance_execute_each_merge_once_with_the_agent_as_author(flow):
    assert flow.research("1.1.1").merged
    assert flow.comply("1.1.1").merged
    assert flow.execute("1.1.1").merged
    assert flow.task("1.1.1").state is State.DONE
    log = subprocess.run(
        ["git", "-C", str(flow.repo.path), "log", "--first-parent", "--format=%an|%s", MAIN],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert [line.split("|")[0] for line in log[:3]] == ["executor-1", "compliance-1", "research-1"]
    assert all(c.held is False for c in claims.list_claims(flow.repo.git))
    issue = flow.repo.forge.issue_by_key("1.1.1")
    assert issue is not None and issue.state == "closed" and "state:done" in issue.labels
    assert verify(flow.repo.git).ok


def test_approval_required_done_passes_with_a_listed_humans_approval(flow):
    flow.to_cleared("1.1.2", approval=True)
    assert flow.execute("1.1.2", approver="alice").merged
    msg = flow.repo.git.commit_message(MAIN)
    assert "Swarm-Approved-By: alice" in msg
    assert verify(flow.repo.git).ok


def test_compliance_sends_tier_3_to_a_person_who_finishes_it(flow):
    assert flow.research("1.1.3").merged
    assert flow.comply("1.1.3", tier=3, approval=True).merged
    assert flow.task("1.1.3").state is State.NEEDS_HUMAN
    from swarm.task import EvidenceItem

    done = flow.task_change(
        "1.1.3",
        state=State.DONE,
        evidence=(EvidenceItem(criterion="signed", proof="scan in the binder"),),
    )
    assert flow.human("1.1.3", "alice", done).merged
    assert verify(flow.repo.git).ok


def test_executor_escalates_and_a_person_hands_back(flow):
    flow.to_cleared("1.1.1")
    c = flow.claim("1.1.1", "execute", "executor-1")
    escalate = flow.task_change(
        "1.1.1", state=State.NEEDS_HUMAN, escalation="The landlord wants to meet in person."
    )
    assert flow.merge(flow.propose("1.1.1", "execute", "executor-1", escalate, c.token)).merged
    back = flow.task_change("1.1.1", state=State.CLEARED)
    assert flow.human("1.1.1", "alice", back).merged
    assert flow.task("1.1.1").state is State.CLEARED


def test_agent_blocks_person_unblocks_and_cancels(flow):
    c = flow.claim("1.1.2", "research", "research-1")
    block = flow.task_change(
        "1.1.2", state=State.BLOCKED, blocked_reason="The plan's price list is missing."
    )
    assert flow.merge(flow.propose("1.1.2", "research", "research-1", block, c.token)).merged
    assert flow.human("1.1.2", "alice", flow.task_change("1.1.2", state=State.TODO)).merged
    assert flow.human("1.1.2", "alice", flow.task_change("1.1.2", state=State.CANCELLED)).merged
    assert verify(flow.repo.git).ok


# -- the adversarial corpus ------------------------------------------------------------------


def test_skipping_a_state_is_rejected(flow):
    c = flow.claim("1.1.1", "research", "research-1")
    changes = flow.execute_changes("1.1.1")  # todo -> done
    rejected_by(
        flow.merge(flow.propose("1.1.1", "research", "research-1", changes, c.token)), "transition"
    )


def test_two_tasks_in_one_pull_request_are_rejected(flow):
    c = flow.claim("1.1.1", "research", "research-1")
    changes = flow.research_changes("1.1.1") | flow.research_changes("1.1.2")
    rejected_by(
        flow.merge(flow.propose("1.1.1", "research", "research-1", changes, c.token)), "scope"
    )


def test_touching_another_tasks_research_file_is_rejected(flow):
    c = flow.claim("1.1.1", "research", "research-1")
    changes = flow.research_changes("1.1.1") | {research_path("1.1.2"): b"mine now\n"}
    rejected_by(
        flow.merge(flow.propose("1.1.1", "research", "research-1", changes, c.token)), "scope"
    )


def test_an_agent_editing_a_workflow_is_rejected(flow):
    c = flow.claim("1.1.1", "research", "research-1")
    changes = flow.research_changes("1.1.1") | {
        ".github/workflows/swarm-gates.yml": b"name: off\non: push\njobs: {}\n"
    }
    rejected_by(
        flow.merge(flow.propose("1.1.1", "research", "research-1", changes, c.token)),
        "protected-path",
    )


def test_an_agent_adding_itself_to_the_humans_is_rejected(flow):
    settings = flow.repo.settings()
    widened = settings.model_copy(update={"humans": (*settings.humans, "executor-1")})
    c = flow.claim("1.1.1", "research", "research-1")
    changes = flow.research_changes("1.1.1") | {"swarm.yaml": settings_to_yaml(widened).encode()}
    assert settings_from_yaml(settings_to_yaml(widened)).humans[-1] == "executor-1"
    rejected_by(
        flow.merge(flow.propose("1.1.1", "research", "research-1", changes, c.token)),
        "protected-path",
    )


def test_agent_self_approval_does_not_count(flow):
    flow.to_cleared("1.1.2", approval=True)
    c = flow.claim("1.1.2", "execute", "executor-1")
    pr = flow.propose("1.1.2", "execute", "executor-1", flow.execute_changes("1.1.2"), c.token)
    flow.approve(pr, "executor-1")
    rejected_by(flow.merge(pr), "approval")


def test_an_approval_is_void_after_a_new_commit(flow):
    flow.to_cleared("1.1.2", approval=True)
    c = flow.claim("1.1.2", "execute", "executor-1")
    changes = flow.execute_changes("1.1.2")
    pr = flow.propose("1.1.2", "execute", "executor-1", changes, c.token)
    flow.approve(pr, "alice")
    changes[f"{deliverables_dir('1.1.2')}/extra.md"] = b"# Something added after the approval\n"
    pr = flow.propose("1.1.2", "execute", "executor-1", changes, c.token)
    rejected_by(flow.merge(pr), "approval")


def test_a_zombie_claimant_after_takeover_is_rejected(flow):
    zombie = flow.claim("1.1.1", "research", "research-1")
    flow.now += LEASE + 1
    flow.claim("1.1.1", "research", "research-2")  # takeover: token 2
    pr = flow.propose(
        "1.1.1", "research", "research-1", flow.research_changes("1.1.1"), zombie.token
    )
    outcome = flow.merge(pr)
    rejected_by(outcome, "claim")


def test_an_expired_lease_is_rejected(flow):
    c = flow.claim("1.1.1", "research", "research-1")
    pr = flow.propose("1.1.1", "research", "research-1", flow.research_changes("1.1.1"), c.token)
    rejected_by(flow.merge(pr, at=c.expires + 1), "claim")


def test_done_while_a_dependency_is_not_done_is_rejected(flow):
    flow.to_cleared("1.2.1")
    c = flow.claim("1.2.1", "execute", "executor-1")
    pr = flow.propose("1.2.1", "execute", "executor-1", flow.execute_changes("1.2.1"), c.token)
    rejected_by(flow.merge(pr), "precondition")


def test_done_without_evidence_is_rejected(flow):
    flow.to_cleared("1.1.1")
    c = flow.claim("1.1.1", "execute", "executor-1")
    changes = flow.execute_changes("1.1.1") | flow.task_change("1.1.1", state=State.DONE)
    pr = flow.propose("1.1.1", "execute", "executor-1", changes, c.token)
    rejected_by(flow.merge(pr), "precondition")


def test_a_private_key_in_a_deliverable_is_rejected_without_echoing_it(flow):
    flow.to_cleared("1.1.1")
    c = flow.claim("1.1.1", "execute", "executor-1")
    changes = flow.execute_changes("1.1.1")
    changes[f"{deliverables_dir('1.1.1')}/deploy.md"] = ("Use this key:\n" + PRIVATE_KEY).encode()
    outcome = flow.merge(flow.propose("1.1.1", "execute", "executor-1", changes, c.token))
    rejected_by(outcome, "secret")
    assert all("b3BlbnNzaC1rZXkt" not in f.message for f in outcome.judgement.findings)


@pytest.mark.parametrize(
    "text",
    [
        "<<<<<<< HEAD\nstate: researched\n=======\nstate: todo\n>>>>>>> other\n",
        "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n",
        "state: !!python/object/apply:os.system ['true']\n",
    ],
    ids=["conflict-markers", "alias-bomb", "python-tag"],
)
def test_broken_task_files_are_rejected_by_schema(flow, text):
    c = flow.claim("1.1.1", "research", "research-1")
    path = task_path("1.1.1", flow.task("1.1.1").title)
    changes = flow.research_changes("1.1.1") | {path: text.encode()}
    rejected_by(
        flow.merge(flow.propose("1.1.1", "research", "research-1", changes, c.token)), "schema"
    )


def test_a_hand_edited_state_on_main_is_caught_by_verify(flow):
    assert flow.research("1.1.1").merged
    git = flow.repo.git
    base = git.resolve(MAIN)
    assert base
    changes = flow.task_change("1.1.1", state=State.DONE)
    tree = git.apply(base, changes)
    from swarm.pulls import identity

    sneaky = git.write_commit(tree, "fix state\n", identity("mallory", flow.tick()), [base])
    git.update_ref(MAIN, sneaky, base)
    report = verify(git)
    assert not report.ok
    assert report.violations[0].commit == sneaky


@pytest.mark.parametrize(
    "inside, problem",
    [
        ("blob", "zz ({}) is filed as a folder but is not one"),
        ("junk", "folder zz ({}) is not a well-formed tree"),
    ],
)
def test_a_pull_request_carrying_a_damaged_folder_gets_a_finding_not_a_crash(
    flow, inside: str, problem: str
):
    git = flow.repo.git
    base = git.resolve(MAIN)
    assert base
    where = flow.repo.path
    target = hand_made_object(where, "blob", b"x\n")
    if inside == "junk":
        target = hand_made_object(where, "tree", b"100644 a\0short")
    root = git_bytes("cat-file", "tree", f"{base}^{{tree}}", cwd=where)
    damaged = hand_made_object(where, "tree", root + b"40000 zz\0" + bytes.fromhex(target))
    head = git.write_commit(damaged, "tidy up\n", identity("alice", flow.tick()), [base])
    git.update_ref("refs/heads/tidy", head, None)
    spec = PullRequestSpec("tidy", "main", "tidy up", "", "alice", "", HUMAN_STAGE)
    pr = flow.repo.forge.open_pull_request(spec, head)
    outcome = flow.merge(pr)
    rejected_by(outcome, "schema")
    (finding,) = outcome.judgement.findings
    assert (finding.path, finding.message) == ("zz", problem.format(target))
    assert git.resolve(MAIN) == base
    assert flow.repo.forge.list_checks(pr.number)[-1].conclusion == "failure"


def test_a_rejected_pull_request_records_a_failed_check_and_stays_open(flow):
    c = flow.claim("1.1.1", "research", "research-1")
    pr = flow.propose("1.1.1", "research", "research-1", flow.execute_changes("1.1.1"), c.token)
    flow.merge(pr)
    assert flow.repo.forge.get_pull_request(pr.number).state == "open"
    checks = flow.repo.forge.list_checks(pr.number)
    assert checks and checks[-1].conclusion == "failure"


def test_a_person_not_listed_cannot_approve_through_the_forge(flow):
    flow.to_cleared("1.1.2", approval=True)
    c = flow.claim("1.1.2", "execute", "executor-1")
    pr = flow.propose("1.1.2", "execute", "executor-1", flow.execute_changes("1.1.2"), c.token)
    flow.repo.forge.add_review(Review(pr.number, "mallory", "approved", pr.head_sha))
    rejected_by(flow.merge(pr), "approval")
