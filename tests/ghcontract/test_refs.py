"""Git references through the REST API."""

from __future__ import annotations

import pytest
from github import GithubException, UnknownObjectException
from github.Repository import Repository

from .conftest import PushFn


def test_refs(repo: Repository, push: PushFn) -> None:
    main = repo.get_git_ref("heads/main")
    assert main.ref == "refs/heads/main" and len(main.object.sha) == 40
    with pytest.raises(UnknownObjectException):
        repo.get_git_ref("heads/nope")

    claim = repo.create_git_ref("refs/heads/claim/2.1.3", main.object.sha)
    assert claim.ref == "refs/heads/claim/2.1.3"
    with pytest.raises(GithubException) as exists:
        repo.create_git_ref("refs/heads/claim/2.1.3", main.object.sha)
    assert (exists.value.status, exists.value.data["message"]) == (422, "Reference already exists")
    with pytest.raises(GithubException) as no_object:
        repo.create_git_ref("refs/heads/other", "1" * 40)
    assert no_object.value.data["message"] == "Object does not exist"

    ahead = push(repo, "ahead", {"a.txt": "1\n"})
    claim.edit(ahead)  # a fast-forward
    assert repo.get_git_ref("heads/claim/2.1.3").object.sha == ahead
    with pytest.raises(GithubException) as not_ff:
        claim.edit(main.object.sha)  # backwards
    assert not_ff.value.data["message"] == "Update is not a fast forward"
    claim.edit(main.object.sha, force=True)
    assert repo.get_git_ref("heads/claim/2.1.3").object.sha == main.object.sha

    assert [r.ref for r in repo.get_git_matching_refs("heads/claim")] == ["refs/heads/claim/2.1.3"]
    claim.delete()
    assert list(repo.get_git_matching_refs("heads/claim")) == []
    with pytest.raises(GithubException) as gone:
        claim.delete()
    assert gone.value.data["message"] == "Reference does not exist"
