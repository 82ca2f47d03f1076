"""The licence registry's parts of the root types, merged in :mod:`schema.root`."""

from __future__ import annotations

import strawberry

from resolvers import licenses as r
from schema.licenses import payloads as p
from schema.licenses.types import License, LicenseConnection
from schema.permissions import LICENSE_FEED, READ_ANY, mutation, query


@strawberry.type(description="Licences (Order 1907 p.2-3).")
class LicenseQuery:
    license: License | None = query(
        r.license_by_number,
        READ_ANY,
        "A licence by its number (Order 1907 p.3). DECLARANT keys see only "
        "licences issued to their INN.",
    )
    license_by_id: License | None = query(r.license_by_id, READ_ANY, "A licence by its global ID.")
    licenses: LicenseConnection = query(
        r.licenses, READ_ANY, "Licences, filtered and ordered; `first` at most 100 (default 20)."
    )


@strawberry.type(description="The licence feed: INTEGRATOR keys only.")
class LicenseMutation:
    register_license: p.RegisterLicensePayload = mutation(
        r.register_license,
        LICENSE_FEED,
        "Licence data received from EAIS (Order 1907 p.2-3). INTEGRATOR only.",
    )
    amend_license: p.AmendLicensePayload = mutation(
        r.amend_license,
        LICENSE_FEED,
        "Amended licence data: dates, holder, counterparty, lines (p.3).",
    )
    suspend_license: p.LicenseStatusPayload = mutation(
        r.suspend_license,
        LICENSE_FEED,
        "Suspension of a licence: accounting and release stop at once (p.9).",
    )
    resume_license: p.LicenseStatusPayload = mutation(
        r.resume_license, LICENSE_FEED, "End of a suspension."
    )
    terminate_license: p.LicenseStatusPayload = mutation(
        r.terminate_license, LICENSE_FEED, "Termination of a licence; final (p.9)."
    )
    report_license_exhaustion: p.LicenseStatusPayload = mutation(
        r.report_license_exhaustion,
        LICENSE_FEED,
        "The feed's message that the licence's quantity is exhausted: a "
        "refusal ground at once (Order 1907 p.9).",
    )
