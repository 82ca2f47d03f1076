from __future__ import annotations

from resolvers.loaders.base import ManyByFieldLoader


class RevisionsByDeclarationLoader(ManyByFieldLoader):
    """Revisions of declarations by declaration _id, oldest first."""

    collection = "declaration_revisions"
    field = "declarationId"
    sort = (("declarationId", 1), ("revision", 1))
