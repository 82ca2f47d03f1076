"""What the permit types compute from their stored document, below the schema (which
imports no services): the permit as the rules see it, by the one permit mapper
(:func:`services.documents.permits.permit_of`), and what would stop a draft from being
issued now.  Kept apart from :mod:`resolvers.permits`, which imports the types."""

from __future__ import annotations

from typing import Any

from domain.permits.lifecycle import Permit
from domain.problems import Problem
from resolvers.context import Info
from services.documents.permits import permit_of

Document = dict[str, Any]


def permit(doc: Document) -> Permit:
    """The permit (or a revision's snapshot) as the rules see it."""
    return permit_of(doc)


async def issue_problems(info: Info, doc: Document) -> list[Problem]:
    """What stops the draft ``doc`` from being issued now (Permit rules p.1-p.9 on the
    issuing customs' local date, and the reference data); paths under ``permit``."""
    return await info.context.services.permits.issue_problems(doc)
