"""What each operation on an existing permit decides (DESIGN Part B; Permit rules p.2,
p.3, p.5, p.9, point 15): the value it writes, or :class:`RuleViolation` with the
problems that stop it.

Each decision takes the permit as it stands (:class:`~domain.permits.lifecycle.Permit`),
what the officer entered and the issuing office's local date ``today``; what the
reference data says (the issuing customs' header, the known offices of column 6) is read
by the use case and passed in.  The paths of the problems are those of the operation's
input: ``("permit", "table3", 0, "cost")`` for a form, ``("decisionDate",)`` for a
field of the operation itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from domain.permits.form import (
    COSTED_TABLES,
    Extension,
    Header,
    MarkKind,
    PermitForm,
    SpecialMark,
    Term,
    Transfer,
)
from domain.permits.lifecycle import (
    MARK_OPERATIONS,
    Permit,
    PermitOperation,
    check_issued,
    check_revision,
    next_status,
)
from domain.permits.terms import DEFAULT_MAX_TERM_MONTHS, extend_term, is_expired, term_end
from domain.permits.validation import (
    check_offices_known,
    check_placed_quantities,
    check_term,
    check_transfer,
    validate_permit,
)
from domain.problems import Problem, RuleViolation

_O = PermitOperation


@dataclass(frozen=True)
class Mark:
    """A point 15 special mark as an officer enters it; ``date`` defaults to today."""

    kind: MarkKind
    grounds: str
    date: date | None = None
    decision_number: str | None = None


def _section(problems: list[Problem], section: str) -> list[Problem]:
    """``problems`` of a section of the form with their leading ``section`` removed: the
    operation's input names the section's fields itself."""
    return [
        Problem(p.code, p.message, p.field[1:] if p.field[:1] == (section,) else p.field)
        for p in problems
    ]


def _not_after_today(day: date, today: date, what: str, field: str) -> list[Problem]:
    if day <= today:
        return []
    return [Problem("DATE_IN_FUTURE", f"{what} after today ({today:%d.%m.%Y})", (field,))]


# --- issue (p.1-p.9) ------------------------------------------------------------------------


def with_rate_dates(form: PermitForm, issue_date: date) -> PermitForm:
    """Column 5 states the Central Bank's rate on the issue date (Permit rules p.5(д)):
    a foreign-currency cost entered without the rate's date gets the issue date."""
    changes: dict[str, Any] = {}
    for table in COSTED_TABLES:
        rows = form.rows(table)
        dated = tuple(
            replace(row, cost=replace(row.cost, rate_date=issue_date))
            if row.cost is not None
            and row.cost.currency != "RUB"
            and row.cost.rate is not None
            and row.cost.rate_date is None
            else row
            for row in rows
        )
        if dated != rows:
            changes[table.value] = dated
    return replace(form, **changes) if changes else form


def check_issuable(
    form: PermitForm,
    issue_date: date,
    known_offices: Iterable[str],
    max_term_months: int = DEFAULT_MAX_TERM_MONTHS,
) -> list[Problem]:
    """Permit rules p.1-p.9: what stops ``form`` from being in force as issued on
    ``issue_date``: every rule of the form and column 6's offices in the reference data
    (p.5(е)); paths under ``permit``."""
    problems = validate_permit(form, issue_date, max_term_months=max_term_months)
    problems += check_offices_known(form, known_offices)
    return [p.under("permit") for p in problems]


def as_issued(draft: PermitForm, header: Header, today: date) -> PermitForm:
    """The draft as it would be issued today: the header from the reference data of the
    issuing customs (p.1), the rates dated (p.5(д))."""
    return with_rate_dates(replace(draft, header=header), today)


def issue_permit(
    draft: PermitForm,
    header: Header,
    today: date,
    known_offices: Iterable[str],
    max_term_months: int = DEFAULT_MAX_TERM_MONTHS,
) -> PermitForm:
    """The form a draft is issued with today (:func:`as_issued`); raises
    :class:`RuleViolation` with every problem of :func:`check_issuable`.  The number is
    drawn only after this decision (Permit rules p.2)."""
    form = as_issued(draft, header, today)
    RuleViolation.raise_if(check_issuable(form, today, known_offices, max_term_months))
    return form


# --- amend ----------------------------------------------------------------------------------


def check_amendment(stored: PermitForm, form: PermitForm, reason: str) -> list[Problem]:
    """DESIGN Part B, "amend": a reason is given; the issuing customs stays (it is part of
    the number, p.2), so does the holder (another person takes over by transfer, p.3);
    once the term is fixed, its months change only by extension (p.9)."""
    problems: list[Problem] = []
    if not reason.strip():
        problems.append(Problem("REQUIRED", "the reason is required", ("reason",)))
    if form.header.customs_office_code != stored.header.customs_office_code:
        problems.append(
            Problem(
                "ISSUING_OFFICE_FIXED",
                f"the permit was issued by {stored.header.customs_office_code}; the "
                "issuing customs is part of its number",
                ("permit", "customsOfficeCode"),
            )
        )
    if form.holder.inn != stored.holder.inn:
        problems.append(
            Problem(
                "HOLDER_CHANGE_BY_TRANSFER",
                "another person takes the permit over by transfer (point 1.1, p.3)",
                ("permit", "holder", "inn"),
            )
        )
    if stored.term.start_date is not None and form.term.months != stored.term.months:
        problems.append(
            Problem(
                "TERM_FIXED",
                "the term is fixed since the first placement; extend it instead (p.9)",
                ("permit", "term", "months"),
            )
        )
    return problems


def amend_permit(
    permit: Permit,
    form: PermitForm,
    reason: str,
    expected_revision: int | None,
    known_offices: Iterable[str],
    max_term_months: int = DEFAULT_MAX_TERM_MONTHS,
) -> PermitForm:
    """The content of an issued permit as amended (DESIGN Part B, "amend"): ``form`` with
    the number, the header, the transfer, the marks and a fixed term kept, the rates
    dated on the issue date.  It must pass :func:`check_amendment` and every rule on the
    issue date, and keep what placements accounted (:func:`check_placed_quantities`)."""
    RuleViolation.raise_if(check_issued(permit.status))
    next_status(permit.status, _O.AMEND, term_fixed=permit.term_fixed)
    RuleViolation.raise_if(check_revision(permit.revision, expected_revision))
    stored, issue_date = permit.form, permit.issued_on
    amended = with_rate_dates(
        replace(
            form,
            header=stored.header,
            number=stored.number,
            transfer=stored.transfer,
            special_marks=stored.special_marks,
            term=stored.term if permit.term_fixed else Term(form.term.months),
        ),
        issue_date,
    )
    problems = check_amendment(stored, form, reason)
    problems += check_issuable(amended, issue_date, known_offices, max_term_months)
    RuleViolation.raise_if(problems)
    accounted = [placement.accounted for placement in permit.placements]
    RuleViolation.raise_if(
        [p.under("permit") for p in check_placed_quantities(amended.table3, accounted)]
    )
    return amended


# --- transfer (p.3) ---------------------------------------------------------------------------


def transfer_permit(permit: Permit, transfer: Transfer, today: date) -> Transfer:
    """Point 1.1 (Permit rules p.3): by a decision of the customs, dated not after today,
    the permit passes from its current holder (after an earlier transfer, the person in
    1.1) to another Russian person; returns the transfer to record."""
    next_status(permit.status, _O.TRANSFER, term_fixed=permit.term_fixed)
    form = replace(permit.form, holder=permit.current_holder, transfer=transfer)
    problems = _section(check_transfer(form, permit.issued_on), "transfer")
    problems += _not_after_today(
        transfer.decision_date, today, "the decision cannot be dated", "decisionDate"
    )
    RuleViolation.raise_if(problems)
    return transfer


# --- term (p.9) -------------------------------------------------------------------------------


def fix_permit_term(
    permit: Permit, start: date, today: date, max_term_months: int = DEFAULT_MAX_TERM_MONTHS
) -> Term:
    """Table 10.1 (Permit rules p.9): at the first placement, on ``start`` (not after
    today), the term's start is fixed and its end date written: the same day ``months``
    later, clipped to the month's end (DESIGN "Term")."""
    next_status(permit.status, _O.FIX_TERM, term_fixed=permit.term_fixed)
    months = permit.form.term.months
    term = Term(months, start, term_end(start, months))
    problems = _section(check_term(term, permit.issued_on, max_term_months), "term")
    problems += _not_after_today(start, today, "the first placement cannot be", "startDate")
    RuleViolation.raise_if(problems)
    return term


def extend_permit_term(
    permit: Permit, months: int, today: date, max_term_months: int = DEFAULT_MAX_TERM_MONTHS
) -> Term:
    """Table 10.2 (Permit rules p.9): the term with one more extension by whole months,
    its end date computed from the start and the total months (DESIGN "Term"), the whole
    term at most the cap.  A term that has already ended is not extended (DESIGN)."""
    next_status(permit.status, _O.EXTEND, term_fixed=permit.term_fixed)
    term = permit.form.term
    start, end = term.start_date, term.end_date_in_force
    assert start is not None  # the term is fixed
    assert end is not None
    if is_expired(end, today):
        raise RuleViolation(
            [
                Problem(
                    "TERM_ENDED",
                    f"the term ended on {end:%d.%m.%Y}; an ended term is not extended",
                )
            ]
        )
    new_end = extend_term(start, term.total_months, months, max_term_months)
    return replace(term, extensions=(*term.extensions, Extension(months, new_end)))


# --- point 15 marks ---------------------------------------------------------------------------


def check_mark(permit: Permit, day: date, grounds: str, today: date) -> list[Problem]:
    """Point 15 (DESIGN Part B): a mark has grounds and a date not after today, not
    before the permit nor the previous mark."""
    problems: list[Problem] = []
    if not grounds.strip():
        problems.append(Problem("REQUIRED", "the grounds are required", ("grounds",)))
    problems += _not_after_today(day, today, "the mark cannot be dated", "date")
    issue_date = permit.issued_on
    if day < issue_date:
        problems.append(
            Problem(
                "MARK_BEFORE_ISSUE",
                f"a special mark cannot precede the permit ({issue_date:%d.%m.%Y})",
                ("date",),
            )
        )
    marks = permit.form.special_marks
    if marks and day < marks[-1].date:
        problems.append(
            Problem(
                "MARK_OUT_OF_ORDER", "a special mark cannot precede the previous one", ("date",)
            )
        )
    return problems


def mark_permit(permit: Permit, mark: Mark, today: date) -> Permit:
    """Revocation, annulment or restoration (point 15 special marks, DESIGN Part B): the
    permit with the mark (dated today unless given) and the status it leads to."""
    status = next_status(permit.status, MARK_OPERATIONS[mark.kind], term_fixed=permit.term_fixed)
    day = mark.date or today
    RuleViolation.raise_if(check_mark(permit, day, mark.grounds, today))
    entry = SpecialMark(mark.kind, day, mark.grounds, mark.decision_number)
    form = replace(permit.form, special_marks=(*permit.form.special_marks, entry))
    return replace(permit, status=status, form=form)
