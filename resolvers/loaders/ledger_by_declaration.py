from __future__ import annotations

from resolvers.loaders.base import ManyByFieldLoader


class LedgerByDeclarationLoader(ManyByFieldLoader):
    """Ledger entries of declarations by declaration number, in ledger order."""

    collection = "ledger"
    field = "declarationNumber"
    sort = (("declarationNumber", 1), ("seq", 1))
