"""The services of one request, built on first use from its :class:`RequestScope`.

The request's context carries one :class:`Services` (``info.context.services``): a resolver
asks it for the area's use cases and never builds a service itself.
"""

from __future__ import annotations

from functools import cached_property

from services.access import Access
from services.base import RequestScope
from services.customs_offices import CustomsOffices
from services.declarations import Declarations
from services.licenses import LicenseFeed
from services.permits import Permits


class Services:
    """Per-request use cases by area."""

    def __init__(self, scope: RequestScope) -> None:
        self.scope = scope

    @property
    def access(self) -> Access:
        return self.scope.access

    @cached_property
    def licenses(self) -> LicenseFeed:
        return LicenseFeed(self.scope)

    @cached_property
    def declarations(self) -> Declarations:
        return Declarations(self.scope)

    @cached_property
    def permits(self) -> Permits:
        return Permits(self.scope)

    @cached_property
    def customs_offices(self) -> CustomsOffices:
        return CustomsOffices(self.scope)
