"""Files carried into the repository verbatim: the report, every markdown file and plan.txt."""

from __future__ import annotations

import hashlib

from planexe.catalog import Catalog
from planexe.model import Attachment
from planexe.names import FileName

_ALWAYS = frozenset({"report.html", "report.md", "plan.txt"})


def is_attachment(name: FileName) -> bool:
    return name.logical in _ALWAYS or name.logical.endswith(".md")


def read_attachments(cat: Catalog) -> tuple[Attachment, ...]:
    """One Attachment per selected file, ordered by logical name, bytes untouched."""
    chosen = sorted(
        (n for n in cat.names if is_attachment(n)), key=lambda n: (n.logical, n.chunk or 0)
    )
    return tuple(attachment(name, cat.data(name)) for name in chosen)


def attachment(name: FileName, data: bytes) -> Attachment:
    return Attachment(
        logical_name=name.logical,
        source_name=name.basename,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
    )
