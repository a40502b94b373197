"""Approvals people gave by commenting `/approve`, as the swarm recorded them in its replies.

Kept apart from comment_commands (which acts through the integrator) so the integrator can
read them without importing what imports it.
"""

from __future__ import annotations

from collections.abc import Iterable

from swarm.forge import markers
from swarm.forge.base import Comment
from swarm.gates.model import Approval

AUTHOR = "plan-swarm"  # the swarm's own name on comments it writes


def approvals_from_comments(comments: Iterable[Comment], pr: int) -> list[Approval]:
    """Approvals the swarm recorded in its replies to `/approve` on pull request `pr`."""
    out = []
    for c in comments:
        fields = markers.read(c.body)[1] if c.author == AUTHOR else {}
        if fields.get("pr") == str(pr) and fields.get("approve") and fields.get("by"):
            out.append(Approval(fields["by"], fields["approve"]))
    return out
