"""The emulated REST endpoints; importing this package registers them in ``ROUTES``."""

from ghcontract.api import checks, issues, labels, pulls, refs, repos

__all__ = ["checks", "issues", "labels", "pulls", "refs", "repos"]
