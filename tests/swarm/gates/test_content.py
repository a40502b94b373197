"""secret (error), hype and fermi (warnings) on the lines a pull request adds.

Credentials are assembled at run time so that no secret-shaped literal sits in this repository
(push protection and scanners would rightly complain).
"""

from __future__ import annotations

import pytest

from swarm.gates.content import secret_kind
from swarm.gates.fermi import line_problems, sentence_problems
from swarm.layout import deliverables_dir, research_path
from swarm.states import State
from tests.swarm.gates.builders import (
    DELIVERABLE,
    HUMAN,
    PR,
    TASK,
    base_repo,
    errors_of,
    human_pr,
    judge,
    legal,
)

_KEY_BODY = "MIIEowIBAAKCAQEA7bq3dKq9" + "x" * 40
PRIVATE_KEY = (
    "-----BEGIN " + "RSA PRIVATE KEY-----\n" + _KEY_BODY + "\n-----END RSA PRIVATE KEY-----\n"
)


def _done_pr() -> PR:
    return legal(State.CLEARED, State.DONE)


def _research_pr() -> PR:
    return legal(State.TODO, State.RESEARCHED)


# --- secret ---------------------------------------------------------------------------------------


def test_a_private_key_in_a_deliverable_is_rejected_without_echoing_it() -> None:
    pr = _done_pr()
    pr.head[f"{deliverables_dir(TASK)}/server.pem"] = PRIVATE_KEY.encode()
    found = errors_of(judge(pr), "secret")
    assert [(f.path, f.message) for f in found] == [
        (
            f"{deliverables_dir(TASK)}/server.pem",
            "possible private key on line 1: remove it and rotate the credential "
            "(the value is not shown here)",
        )
    ]
    everything = " ".join(f.message for f in judge(pr))
    assert _KEY_BODY not in everything and "MIIE" not in everything


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("-----BEGIN " + "OPENSSH PRIVATE KEY-----", "private key"),
        ("-----BEGIN " + "PGP PRIVATE KEY BLOCK-----", "private key"),
        ("-----BEGIN " + "PRIVATE KEY-----", "private key"),
        ("token for CI: " + "ghp_" + "a1B2" * 9, "GitHub token"),
        ("GH=" + "github_pat_" + "11ABCDEFG" * 3, "GitHub token"),
        ("aws_access_key_id = " + "AKIA" + "IOSFODNN7EXAMPL1", "AWS access key id"),
        ("export KEY=" + "sk-ant-" + "api03-" + "Zx9" * 10, "Anthropic API key"),
        ("OPENAI=" + "sk-" + "proj" + "Q7" * 12, "OpenAI-style API key"),
        ("slack: " + "xoxb-" + "123456789012-abcdef", "Slack token"),
        ("maps " + "AIza" + "SyD" + "k" * 32, "Google API key"),
        ("DB_PASSWORD=" + "Tr0ub4dor&3x", "password or token assignment"),
        ('"api_key": "' + "q8w7e6r5t4y3" + '"', "password or token assignment"),
        ("client_secret: " + "averyveryverylongsecretword", "password or token assignment"),
    ],
)
def test_secret_kinds(line: str, kind: str) -> None:
    assert secret_kind(line) == kind


@pytest.mark.parametrize(
    "line",
    [
        "password: <your password here>",
        "API_KEY=${OPENAI_API_KEY}",
        "token: ********",
        "password = changeme123",
        "secret: example-secret-value",
        "api_key = os.environ['OPENAI_API_KEY']",
        "token: 12345678",
        "Token: confidential",
        "The fencing token: it only grows.",
        "A risk-assessment-for-the-whole-project is in the note.",
        "task-management-and-tracking-of-deliverables",
    ],
)
def test_placeholders_and_prose_are_not_secrets(line: str) -> None:
    assert secret_kind(line) is None


def test_only_added_lines_are_scanned_and_line_numbers_are_the_heads() -> None:
    pr = _research_pr()
    token = "ghp_" + "Z9" * 18
    # the base already holds a leaked token in another file; only the PR's own lines count
    note = pr.head[research_path(TASK)].decode() + "\n\nCI uses " + token + "\n"
    pr.head[research_path(TASK)] = note.encode()
    found = errors_of(judge(pr), "secret")
    assert len(found) == 1
    assert "GitHub token on line 3" in found[0].message and token not in found[0].message


def test_secrets_in_binary_files_are_found() -> None:
    pr = _done_pr()
    blob = b"\x89PNG\r\n\x1a\n\xff\x00" + b"AKIA" + b"IOSFODNN7EXAMPL2" + b"\x00\xff"
    pr.head[f"{deliverables_dir(TASK)}/photo.png"] = blob
    assert "AWS access key id" in errors_of(judge(pr), "secret")[0].message


# --- hype -----------------------------------------------------------------------------------------


def test_hype_is_a_warning_that_does_not_fail_the_gate() -> None:
    pr = _done_pr()
    pr.head[f"{deliverables_dir(TASK)}/lease.md"] = (
        DELIVERABLE + "\nA revolutionary, Game-Changing lease with seamless hand-over.\n"
    ).encode()
    findings = judge(pr)
    assert errors_of(findings) == []
    hype = [f for f in findings if f.rule == "hype"]
    assert [(f.severity, f.message) for f in hype] == [
        (
            "warning",
            'hype on line 5: "game-changing", "revolutionary", "seamless"; '
            "say what it does and how that is measured",
        )
    ]


def test_hype_is_whole_words_only_and_only_for_agents() -> None:
    pr = _research_pr()
    note = pr.head[research_path(TASK)] + b"\nThe hand-over ran seamlessly.\n"
    pr.head[research_path(TASK)] = note
    assert not [f for f in judge(pr) if f.rule == "hype"]

    person = human_pr(base_repo(State.RESEARCHED), HUMAN)
    person.head[research_path(TASK)] += b"\nA revolutionary landlord.\n"
    assert not [f for f in judge(person) if f.rule == "hype"]


# --- fermi ----------------------------------------------------------------------------------------


def test_fermi_warnings_do_not_fail_the_gate_but_are_reported() -> None:
    pr = _done_pr()
    pr.head[f"{deliverables_dir(TASK)}/lease.md"] = (
        DELIVERABLE
        + "\nFootfall will be between 10 and 50,000 visitors a month. "
        + "Revenue reaches 2 million EUR. Margins improve by 250%.\n"
    ).encode()
    findings = judge(pr)
    assert errors_of(findings) == []
    fermi = sorted(f.message for f in findings if f.rule == "fermi")
    assert len(fermi) == 3, fermi
    assert all(f.severity == "warning" for f in findings if f.rule == "fermi")
    assert any("spans a factor of 5,000" in m for m in fermi)
    assert any('"2 million" is a large figure' in m for m in fermi)
    assert any('"250%" is a percentage over 100%' in m for m in fermi)


@pytest.mark.parametrize(
    "sentence",
    [
        "Footfall will be 1–500,000 a month",
        "between 3 and 4,000 covers",
        "from 5 to 1000 guests",
        "Revenue of $3,000,000 in year one",
        "Revenue of 1.5 billion",
        "Growth of 300%",
    ],
)
def test_fermi_flags(sentence: str) -> None:
    assert sentence_problems(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Footfall will be 2,000–5,000 a month",
        "between 12 and 15 EUR per square metre",
        "Revenue of about 3,000,000 in year one",
        "Roughly 2 million people live in the region",
        "an estimated 150% of last year's sales",
        "1–5 million visitors",
        "0 to 500 complaints",
        "We need up to 2 million EUR",
        "The lease starts on 2025-07-01 and rent is 1,800 EUR",
        "60% of the budget",
        "Task 2.1.3 follows 1.1.2",
    ],
)
def test_fermi_leaves_honest_numbers_alone(sentence: str) -> None:
    assert sentence_problems(sentence) == []


def test_fermi_judges_each_sentence_on_its_own() -> None:
    assert line_problems("About 40 seats. Revenue is 2 million.") != []
    assert line_problems("Revenue is about 2 million. It grows.") == []
