"""Validation of the processing permit form (Permit rules p.1-p.9, DESIGN Part B).

:func:`validate_permit` runs one function per rule and returns every problem found,
with field paths such as ``("table3", 0, "hsCode")`` (row indexes are 0-based; row
*numbers* on the form, used by yield norms, are 1-based).  :func:`yield_balance_warnings`
goes beyond the rules: it checks that the quantities agree with the yield norms.

:func:`check_form_input` is what any form sent must pass before anything is read or
written, a draft's included (a draft may be incomplete, never unbounded nor unstorable):
every list and string within its bound (:mod:`domain.limits`), the lists counted before
any element is read, and the shapes the permits collection's validator asks for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from domain.codes import (
    check_currency_code,
    check_customs_office_code,
    check_hs_code,
    check_inn,
    is_digits,
)
from domain.limits import (
    MAX_DOCUMENT_AMENDMENTS,
    MAX_IDENTIFICATION_METHODS,
    MAX_NAME_LENGTH,
    MAX_NUMBER_LENGTH,
    MAX_OTHER_QUANTITIES,
    MAX_PERMIT_TEXT_BYTES,
    MAX_PROCESSING_ORGANISATIONS,
    MAX_REASON_LENGTH,
    MAX_ROW_CUSTOMS_OFFICES,
    MAX_TABLE_ROWS,
    MAX_TEXT_LENGTH,
    MAX_TRADE_DOCUMENTS,
    MAX_YIELD_NORMS,
    PERMIT_ENTRY_BYTES,
    check_count,
    check_identifier,
    check_text,
)
from domain.numbers import check_positive_money, check_positive_quantity, decimals_of
from domain.permits.form import (
    COSTED_TABLES,
    YIELD_TABLES,
    GoodsRow,
    Header,
    Holder,
    NormKind,
    PermitForm,
    TableKind,
    Term,
    YieldNorm,
)
from domain.permits.numbering import parse_permit_number
from domain.permits.terms import (
    DEFAULT_MAX_TERM_MONTHS,
    months_problems,
    term_cap_problems,
    term_end,
)
from domain.problems import FieldPath, Problem, RuleViolation
from domain.units import UNITS, check_unit, convert_quantity


def validate_permit(
    form: PermitForm, issue_date: date, *, max_term_months: int = DEFAULT_MAX_TERM_MONTHS
) -> list[Problem]:
    """Every problem of ``form`` for a permit issued (or to be issued) on ``issue_date``,
    the issuing office's local date; ``max_term_months`` caps the term (DESIGN "Term").
    A form over the bounds is refused with that alone, before any row is read."""
    if too_large := check_form_bounds(form):
        return too_large
    problems = [
        *check_form_text(form),
        *check_header(form.header),
        *check_number(form.number, form.header, issue_date),
        *check_holder(form.holder),
        *check_transfer(form, issue_date),
        *check_trade_documents(form),
        *check_tables_filled(form),
    ]
    for table in TableKind:
        rows = form.rows(table)
        problems += check_row_numbers(table, rows)
        for index, row in enumerate(rows):
            row_problems = [
                *check_row_name(row),
                *check_row_hs_code(row),
                *check_row_quantity(row),
                *check_row_cost(table, row, issue_date),
                *check_row_customs_offices(table, row),
            ]
            problems += [p.under(table.value, index) for p in row_problems]
    problems += [
        *check_yield_norms(form),
        *check_waste_procedure(form),
        *check_identification(form),
        *check_term(form.term, issue_date, max_term_months),
        *check_optional_sections(form, issue_date),
    ]
    return problems


def _required(text: str | None, what: str, field: FieldPath) -> list[Problem]:
    if text is None or not text.strip():
        return [Problem("REQUIRED", f"{what} is required", field)]
    return []


# --- any form sent: bounds, text, the stored shape (issue 9; domain.limits) ---------------

#: Each list of the form: its field, its bound, what it holds (for the message).
_FORM_LISTS: tuple[tuple[str, int, str], ...] = (
    ("tradeDocuments", MAX_TRADE_DOCUMENTS, "trade documents"),
    *((table.value, MAX_TABLE_ROWS, f"rows in {table.value}") for table in TableKind),
    ("yieldNorms", MAX_YIELD_NORMS, "yield norms"),
    ("identification", MAX_IDENTIFICATION_METHODS, "identification methods"),
    ("processingOrganisations", MAX_PROCESSING_ORGANISATIONS, "processing organisations"),
)
_ATTRIBUTES = {
    "tradeDocuments": "trade_documents",
    "yieldNorms": "yield_norms",
    "processingOrganisations": "processing_organisations",
}


def _form_list(form: PermitForm, field: str) -> tuple[object, ...]:
    items: tuple[object, ...] = getattr(form, _ATTRIBUTES.get(field, field))
    return items


def check_form_bounds(form: PermitForm) -> list[Problem]:
    """Every list of the form within its bound (domain.limits): the lists of the form
    counted first, then those of each document and row; then the text of the whole form,
    which must stay storable (``DOCUMENT_TOO_LARGE``).  Each list is counted before any
    of its elements is read."""
    problems: list[Problem] = []
    for field, limit, what in _FORM_LISTS:
        problems += check_count(_form_list(form, field), limit, (field,), what)
    if problems:
        return problems
    for i, doc in enumerate(form.trade_documents):
        at: FieldPath = ("tradeDocuments", i, "amendments")
        problems += check_count(doc.amendments, MAX_DOCUMENT_AMENDMENTS, at, "amendments")
    for table in TableKind:
        for i, row in enumerate(form.rows(table)):
            problems += check_count(
                row.other_quantities,
                MAX_OTHER_QUANTITIES,
                (table.value, i, "otherQuantities"),
                "other quantities",
            )
            problems += check_count(
                row.customs_offices,
                MAX_ROW_CUSTOMS_OFFICES,
                (table.value, i, "customsOffices"),
                "customs offices",
            )
    if problems:
        return problems
    size = form_text_bytes(form)
    if size > MAX_PERMIT_TEXT_BYTES:
        return [
            Problem(
                "DOCUMENT_TOO_LARGE",
                f"the permit's text would take {size:,} bytes; at most "
                f"{MAX_PERMIT_TEXT_BYTES:,} are stored",
            )
        ]
    return []


def _utf8(text: str | None) -> int:
    return 0 if text is None else len(text.encode("utf-8", "surrogatepass"))


def form_text_bytes(form: PermitForm) -> int:
    """The size of the form's text in UTF-8 bytes, with ``PERMIT_ENTRY_BYTES`` for the
    fixed part of each entry: close to what the stored permit takes."""
    entries = 0
    size = 0
    for person in (form.holder, form.transfer.new_holder if form.transfer else None):
        if person is not None:
            size += sum(map(_utf8, (person.name, person.address, person.kpp, person.ogrn)))
    for doc in form.trade_documents:
        entries += 1 + len(doc.amendments)
        size += _utf8(doc.name) + _utf8(doc.number)
        size += sum(_utf8(a.name) + _utf8(a.number) for a in doc.amendments)
    for table in TableKind:
        for row in form.rows(table):
            entries += 1 + len(row.other_quantities) + len(row.customs_offices)
            size += _utf8(row.name) + sum(_utf8(q.unit_name) for q in row.other_quantities)
            size += sum(_utf8(o.name) for o in row.customs_offices)
    entries += len(form.yield_norms) + len(form.special_marks)
    for method in form.identification:
        entries += 1
        size += _utf8(method.description) + _utf8(method.officer_actions)
    for org in form.processing_organisations:
        entries += 1
        size += _utf8(org.name) + _utf8(org.address)
    size += sum(_utf8(m.grounds) for m in form.special_marks)
    texts = (form.equivalent_goods, form.production_process, form.union_goods)
    size += sum(map(_utf8, texts)) + _utf8(form.waste_procedure.procedure)
    return size + entries * PERMIT_ENTRY_BYTES


def _person_text(holder: Holder) -> list[Problem]:
    return [
        *check_text(holder.name, MAX_NAME_LENGTH, ("name",)),
        *check_text(holder.address, MAX_NAME_LENGTH, ("address",)),
        *check_identifier(holder.kpp, MAX_NUMBER_LENGTH, ("kpp",)),
        *check_identifier(holder.ogrn, MAX_NUMBER_LENGTH, ("ogrn",)),
    ]


def _row_text(row: GoodsRow) -> list[Problem]:
    problems = check_text(row.name, MAX_NAME_LENGTH, ("name",))
    for i, other in enumerate(row.other_quantities):
        problems += check_text(other.unit_name, MAX_NAME_LENGTH, ("otherQuantities", i, "unitName"))
    for i, office in enumerate(row.customs_offices):
        problems += check_text(office.name, MAX_NAME_LENGTH, ("customsOffices", i, "name"))
    if row.cost is not None:
        problems += check_identifier(row.cost.currency, MAX_NUMBER_LENGTH, ("cost", "currency"))
    return problems


def check_form_text(form: PermitForm) -> list[Problem]:
    """Every string of the form is text within its bound (domain.limits): names and
    addresses, numbers and codes, descriptions (a transfer's are
    :func:`check_transfer`'s)."""
    problems = [p.under("holder") for p in _person_text(form.holder)]
    for i, doc in enumerate(form.trade_documents):
        found = check_text(doc.name, MAX_NAME_LENGTH, ("name",))
        found += check_identifier(doc.number, MAX_NUMBER_LENGTH, ("number",))
        for j, amendment in enumerate(doc.amendments):
            at: FieldPath = ("amendments", j)
            found += check_text(amendment.name, MAX_NAME_LENGTH, (*at, "name"))
            found += check_identifier(amendment.number, MAX_NUMBER_LENGTH, (*at, "number"))
        problems += [p.under("tradeDocuments", i) for p in found]
    for table in TableKind:
        for i, row in enumerate(form.rows(table)):
            problems += [p.under(table.value, i) for p in _row_text(row)]
    for i, norm in enumerate(form.yield_norms):
        problems += check_identifier(norm.unit, MAX_NUMBER_LENGTH, ("yieldNorms", i, "unit"))
    problems += check_text(
        form.waste_procedure.procedure, MAX_TEXT_LENGTH, ("wasteProcedure", "procedure")
    )
    for i, method in enumerate(form.identification):
        at = ("identification", i)
        problems += check_text(method.description, MAX_TEXT_LENGTH, (*at, "description"))
        problems += check_text(method.officer_actions, MAX_TEXT_LENGTH, (*at, "officerActions"))
    problems += check_text(form.equivalent_goods, MAX_TEXT_LENGTH, ("equivalentGoods",))
    problems += check_text(form.production_process, MAX_TEXT_LENGTH, ("productionProcess",))
    problems += check_text(form.union_goods, MAX_TEXT_LENGTH, ("unionGoods",))
    for i, org in enumerate(form.processing_organisations):
        at = ("processingOrganisations", i)
        problems += check_text(org.name, MAX_NAME_LENGTH, (*at, "name"))
        problems += check_text(org.address, MAX_NAME_LENGTH, (*at, "address"))
    for i, mark in enumerate(form.special_marks):
        at = ("specialMarks", i)
        problems += check_text(mark.grounds, MAX_REASON_LENGTH, (*at, "grounds"))
        problems += check_identifier(
            mark.decision_number, MAX_NUMBER_LENGTH, (*at, "decisionNumber")
        )
    return problems


def check_stored_shape(form: PermitForm) -> list[Problem]:
    """What the permits collection's validator asks of any permit, a draft's included
    (migrations/m0003_permits.py), checked here so that the database never has to refuse
    it: each row's unit is three digits 0-9 (which unit it is, Permit rules p.5(г), is
    checked at the issue) and a row's number, when given, is at least 1 (p.5(а))."""
    problems: list[Problem] = []
    for table in TableKind:
        for i, row in enumerate(form.rows(table)):
            if not is_digits(row.unit, 3):
                problems += [p.under(table.value, i) for p in check_unit(row.unit, ("unit",))]
            if row.number is not None and row.number < 1:
                problems.append(
                    Problem(
                        "ROW_NUMBER_OUT_OF_SEQUENCE",
                        f"rows are numbered from 1, got {row.number}",
                        (table.value, i, "number"),
                    )
                )
    return problems


def check_form_input(form: PermitForm) -> list[Problem]:
    """What any form sent must pass before anything is read or written, a draft's
    included: its bounds first (:func:`check_form_bounds`), then its text
    (:func:`check_form_text`) and the stored shape (:func:`check_stored_shape`).  Paths
    are of the form (callers put them under the input's field)."""
    if problems := check_form_bounds(form):
        return problems
    return check_form_text(form) + check_stored_shape(form)


def check_decision(
    decision_number: str | None, statement: str, statement_field: str
) -> list[Problem]:
    """A customs decision an operation records (a transfer, an extension, a point 15
    mark): its number and the reason or grounds stated (``statement_field``) within their
    bounds (domain.limits)."""
    problems = check_identifier(decision_number, MAX_NUMBER_LENGTH, ("decisionNumber",))
    return problems + check_text(statement, MAX_REASON_LENGTH, (statement_field,))


# --- p.1-p.4: header, number, holder, documents ------------------------------------------


def check_header(header: Header) -> list[Problem]:
    """Permit rules p.1: the regional customs administration and the customs office under
    it that issued the permit; only the customs office when it reports directly to the
    FTS of Russia."""
    problems = _required(
        header.customs_office_name, "the customs office's name", ("customsOfficeName",)
    )
    problems += check_customs_office_code(header.customs_office_code, ("customsOfficeCode",))
    regional_code = header.regional_administration_code
    if header.reports_to_fts:
        if regional_code or header.regional_administration_name:
            problems.append(
                Problem(
                    "REGIONAL_ADMINISTRATION_NOT_ALLOWED",
                    "a customs office reporting directly to the FTS is named alone",
                    ("regionalAdministrationName",),
                )
            )
    else:
        problems += _required(
            header.regional_administration_name,
            "the regional customs administration's name",
            ("regionalAdministrationName",),
        )
        if regional_code is not None:
            problems += check_customs_office_code(regional_code, ("regionalAdministrationCode",))
    return [p.under("header") for p in problems]


def check_number(number: str | None, header: Header, issue_date: date) -> list[Problem]:
    """Permit rules p.2: once issued, the number is ``CCCCCCCC/DDMMYY/51/SEQ`` with the
    issuing office's code and the issue date."""
    if number is None:
        return []
    try:
        parts = parse_permit_number(number)
    except RuleViolation as refusal:
        return refusal.problems
    if parts.customs_office_code != header.customs_office_code or parts.issue_date != issue_date:
        return [
            Problem(
                "PERMIT_NUMBER_MISMATCH",
                f"number {number} does not carry the issuing office "
                f"{header.customs_office_code} and issue date {issue_date:%d.%m.%Y}",
                ("number",),
            )
        ]
    return []


def _holder_problems(holder: Holder) -> list[Problem]:
    problems = [
        *_required(holder.name, "the holder's name", ("name",)),
        *_required(holder.address, "the holder's address", ("address",)),
    ]
    problems += check_inn(holder.inn, ("inn",))
    return problems


def check_holder(holder: Holder) -> list[Problem]:
    """Permit rules p.3: point 1, the person who obtained the permit (name, INN, address)."""
    return [p.under("holder") for p in _holder_problems(holder)]


def check_transfer(form: PermitForm, issue_date: date) -> list[Problem]:
    """Permit rules p.3: point 1.1 is filled when the customs office decided to pass the
    permit to another Russian person: that person, the decision's number and date (their
    text within its bounds)."""
    transfer = form.transfer
    if transfer is None:
        return []
    new_holder = transfer.new_holder
    problems = [
        p.under("newHolder") for p in _holder_problems(new_holder) + _person_text(new_holder)
    ]
    if transfer.new_holder.inn == form.holder.inn:
        problems.append(
            Problem(
                "TRANSFER_TO_SAME_HOLDER",
                "a permit is transferred to another person",
                ("newHolder", "inn"),
            )
        )
    problems += _required(transfer.decision_number, "the decision's number", ("decisionNumber",))
    problems += check_identifier(transfer.decision_number, MAX_NUMBER_LENGTH, ("decisionNumber",))
    if transfer.decision_date < issue_date:
        problems.append(
            Problem(
                "TRANSFER_BEFORE_ISSUE",
                f"the transfer decision ({transfer.decision_date:%d.%m.%Y}) cannot precede "
                f"the permit ({issue_date:%d.%m.%Y})",
                ("decisionDate",),
            )
        )
    return [p.under("transfer") for p in problems]


def check_trade_documents(form: PermitForm) -> list[Problem]:
    """Permit rules p.4: point 2 names the documents of the foreign trade deal (or of the
    right to the goods), with number and date, including relevant amendments."""
    if not form.trade_documents:
        return [Problem("REQUIRED", "at least one trade document is required", ("tradeDocuments",))]
    problems: list[Problem] = []
    for i, doc in enumerate(form.trade_documents):
        found = [
            *_required(doc.name, "the document's name", ("name",)),
            *_required(doc.number, "the document's number", ("number",)),
        ]
        for j, amendment in enumerate(doc.amendments):
            at: FieldPath = ("amendments", j)
            found += _required(amendment.name, "the amendment's name", (*at, "name"))
            found += _required(amendment.number, "the amendment's number", (*at, "number"))
            if amendment.date < doc.date:
                found.append(
                    Problem(
                        "AMENDMENT_BEFORE_DOCUMENT",
                        "an amendment cannot be dated before the document it amends",
                        (*at, "date"),
                    )
                )
        problems += [p.under("tradeDocuments", i) for p in found]
    return problems


# --- p.5: goods tables --------------------------------------------------------------------


def check_tables_filled(form: PermitForm) -> list[Problem]:
    """Permit rules p.5, p.6: a permit names at least one foreign good (table 3) and one
    processing product (table 5); tables 6, 7, 8 and 15.1 may be empty."""
    return [
        Problem("REQUIRED", f"{table.value} needs at least one row", (table.value,))
        for table in (TableKind.FOREIGN_GOODS, TableKind.PRODUCTS)
        if not form.rows(table)
    ]


def check_row_numbers(table: TableKind, rows: tuple[GoodsRow, ...]) -> list[Problem]:
    """Permit rules p.5(а): column 1 "N" is filled when the table has more than one row
    (one per name of goods, products, waste, residues or losses), and then it numbers the
    rows 1, 2, ... n in order; a table's only row has no number."""
    if len(rows) == 1:
        if rows[0].number is not None:
            return [
                Problem(
                    "ROW_NUMBER_NOT_ALLOWED",
                    "a table with one row leaves column N empty",
                    (table.value, 0, "number"),
                )
            ]
        return []
    problems = []
    for index, row in enumerate(rows):
        if row.number is None:
            problems.append(
                Problem(
                    "ROW_NUMBER_MISSING",
                    f"a table with {len(rows)} rows numbers each of them",
                    (table.value, index, "number"),
                )
            )
        elif row.number != index + 1:
            problems.append(
                Problem(
                    "ROW_NUMBER_OUT_OF_SEQUENCE",
                    f"row {index + 1} is numbered {row.number}: rows are numbered 1..{len(rows)}"
                    " in order",
                    (table.value, index, "number"),
                )
            )
    return problems


def check_row_name(row: GoodsRow) -> list[Problem]:
    """Permit rules p.5(б): column 2, the name of the goods per the EAEU CN FEA."""
    return _required(row.name, "the goods name", ("name",))


def check_row_hs_code(row: GoodsRow) -> list[Problem]:
    """Permit rules p.5(в): column 3, the goods' code per the EAEU CN FEA."""
    return check_hs_code(row.hs_code, ("hsCode",))


def check_row_quantity(row: GoodsRow) -> list[Problem]:
    """Permit rules p.5(г): column 4, a quantity > 0 in the main or additional unit of the
    HS heading with that unit (OKEI code), and optionally the quantity in other units of
    the processor's accounting, each with its unit's name."""
    problems = check_positive_quantity(row.quantity, ("quantity",))
    problems += check_unit(row.unit, ("unit",))
    for i, other in enumerate(row.other_quantities):
        problems += check_positive_quantity(other.amount, ("otherQuantities", i, "amount"))
        problems += _required(
            other.unit_name, "the unit's name", ("otherQuantities", i, "unitName")
        )
    return problems


def check_row_cost(table: TableKind, row: GoodsRow, issue_date: date) -> list[Problem]:
    """Permit rules p.5(д): column 5 "Cost, RUB" exists in tables 3, 5, 6, 7 only and holds
    the estimated cost in roubles, with the Central Bank's official rate of the foreign
    currency on the permit's issue date (no rate when the currency is the rouble)."""
    cost = row.cost
    if table not in COSTED_TABLES:
        if cost is None:
            return []
        return [Problem("COST_NOT_ALLOWED", f"{table.value} has no cost column", ("cost",))]
    if cost is None:
        return [Problem("REQUIRED", "the estimated cost in roubles is required", ("cost",))]
    problems = check_positive_money(cost.amount_rub, ("amountRub",))
    if currency_problems := check_currency_code(cost.currency, ("currency",)):
        problems += currency_problems
    elif cost.currency == "RUB":
        if cost.rate is not None or cost.rate_date is not None:
            problems.append(
                Problem("RATE_NOT_ALLOWED", "a cost in roubles has no exchange rate", ("rate",))
            )
    elif cost.rate is None:
        problems.append(
            Problem(
                "RATE_MISSING",
                f"the Central Bank's {cost.currency} rate on the issue date is required",
                ("rate",),
            )
        )
    else:
        if cost.rate <= 0:
            problems.append(Problem("RATE_NOT_POSITIVE", "a rate is greater than zero", ("rate",)))
        if cost.rate_date is not None and cost.rate_date != issue_date:
            problems.append(
                Problem(
                    "RATE_DATE_NOT_ISSUE_DATE",
                    f"the rate is the one on the issue date {issue_date:%d.%m.%Y}, "
                    f"not {cost.rate_date:%d.%m.%Y}",
                    ("rateDate",),
                )
            )
    return [p.under("cost") for p in problems]


def check_row_customs_offices(table: TableKind, row: GoodsRow) -> list[Problem]:
    """Permit rules p.5(е): column 6 "Customs office" exists in tables 3, 5, 6, 7 only and
    names the customs office(s) or posts where operations with the goods are expected."""
    if table not in COSTED_TABLES:
        if not row.customs_offices:
            return []
        return [
            Problem(
                "CUSTOMS_OFFICE_NOT_ALLOWED",
                f"{table.value} has no customs office column",
                ("customsOffices",),
            )
        ]
    if not row.customs_offices:
        return [Problem("REQUIRED", "at least one customs office is required", ("customsOffices",))]
    problems: list[Problem] = []
    for i, office in enumerate(row.customs_offices):
        problems += _required(
            office.name, "the customs office's name", ("customsOffices", i, "name")
        )
        if office.code is not None:
            problems += check_customs_office_code(office.code, ("customsOffices", i, "code"))
    return problems


def office_codes(form: PermitForm) -> set[str]:
    """The codes of the customs offices and posts named in column 6 (p.5(е))."""
    return {
        office.code
        for table in COSTED_TABLES
        for row in form.rows(table)
        for office in row.customs_offices
        if office.code is not None
    }


def check_offices_known(form: PermitForm, known: Iterable[str]) -> list[Problem]:
    """Permit rules p.5(е): a customs office or post named in column 6 with a code is one
    of the reference data (``known``: the codes of its customs and posts)."""
    known = set(known)
    problems = []
    for table in sorted(COSTED_TABLES, key=lambda t: t.value):
        for index, row in enumerate(form.rows(table)):
            for j, office in enumerate(row.customs_offices):
                if office.code is not None and office.code not in known:
                    problems.append(
                        Problem(
                            "CUSTOMS_OFFICE_NOT_FOUND",
                            f"no customs or customs post {office.code} in the reference data",
                            (table.value, index, "customsOffices", j, "code"),
                        )
                    )
    return problems


def check_placed_quantities(
    rows: Sequence[GoodsRow], accounted: Sequence[Decimal]
) -> list[Problem]:
    """DESIGN Part B, placements: table 3 rows keep what was placed and accounted against
    them (matched by position, which is the row number, p.5(а)); an amendment may not
    lower a row below it nor drop a row that has any.  A quantity of zero or below is
    refused for its sign first (p.5(г)), whatever was accounted."""
    problems: list[Problem] = []
    for index, (row, placed) in enumerate(zip(rows, accounted, strict=False)):
        at: FieldPath = ("table3", index, "quantity")
        if row.quantity <= 0:
            problems += check_positive_quantity(row.quantity, at)
        elif row.quantity < placed:
            problems.append(
                Problem(
                    "QUANTITY_BELOW_ACCOUNTED",
                    f"row {index + 1}: {placed} is already placed and accounted; the quantity "
                    f"cannot become {row.quantity}",
                    at,
                )
            )
    problems += [
        Problem(
            "QUANTITY_BELOW_ACCOUNTED",
            f"row {index + 1} has {placed} placed and accounted; it cannot be removed",
            ("table3",),
        )
        for index, placed in enumerate(accounted)
        if index >= len(rows) and placed != 0
    ]
    return problems


# --- p.6-p.9 ------------------------------------------------------------------------------


def _row_index(rows: tuple[GoodsRow, ...], number: int) -> int | None:
    """The index of the row numbered ``number`` (1 for a table's only row)."""
    return number - 1 if 1 <= number <= len(rows) else None


def check_yield_norms(form: PermitForm) -> list[Problem]:
    """Permit rules p.6: point 4 gives the yield norm of each product, waste, residue and
    loss, from a row of table 3 to a row of table 5, 6, 7 or 8, as a percent or as an
    absolute quantity (with its unit); a min-max range only for processing products."""
    problems: list[Problem] = []
    for i, norm in enumerate(form.yield_norms):
        found: list[Problem] = []
        if _row_index(form.table3, norm.source_row) is None:
            found.append(
                Problem(
                    "YIELD_ROW_NOT_FOUND", f"table3 has no row {norm.source_row}", ("sourceRow",)
                )
            )
        if norm.target_table not in YIELD_TABLES:
            found.append(
                Problem(
                    "YIELD_TABLE_NOT_ALLOWED",
                    "a yield norm points at table 5, 6, 7 or 8",
                    ("targetTable",),
                )
            )
        elif _row_index(form.rows(norm.target_table), norm.target_row) is None:
            found.append(
                Problem(
                    "YIELD_ROW_NOT_FOUND",
                    f"{norm.target_table.value} has no row {norm.target_row}",
                    ("targetRow",),
                )
            )
        found += check_positive_quantity(norm.value, ("value",))
        if norm.maximum is not None:
            found += _range_problems(norm, norm.maximum)
        if norm.kind is NormKind.ABSOLUTE:
            if norm.unit is None:
                found.append(Problem("REQUIRED", "an absolute norm needs its unit", ("unit",)))
            else:
                found += check_unit(norm.unit, ("unit",))
            found += check_positive_quantity(norm.per_quantity, ("perQuantity",))
        elif norm.unit is not None:
            found.append(Problem("YIELD_UNIT_NOT_ALLOWED", "a percent norm has no unit", ("unit",)))
        problems += [p.under("yieldNorms", i) for p in found]

    counts = Counter((n.source_row, n.target_table, n.target_row) for n in form.yield_norms)
    for i, norm in enumerate(form.yield_norms):
        key = (norm.source_row, norm.target_table, norm.target_row)
        if counts[key] > 1:
            problems.append(
                Problem(
                    "YIELD_NORM_DUPLICATE",
                    f"more than one norm from table3 row {key[0]} to {key[1].value} row {key[2]}",
                    ("yieldNorms", i),
                )
            )
    covered = {(table, number) for _, table, number in counts}
    for table in YIELD_TABLES:
        for index in range(len(form.rows(table))):
            if (table, index + 1) not in covered:
                problems.append(
                    Problem(
                        "YIELD_NORM_MISSING",
                        f"{table.value} row {index + 1} has no yield norm in point 4",
                        (table.value, index),
                    )
                )
    return problems


def _range_problems(norm: YieldNorm, maximum: Decimal) -> list[Problem]:
    """Permit rules p.6, second paragraph: a range from a minimum to a maximum only for the
    yield of processing products."""
    if norm.target_table is not TableKind.PRODUCTS:
        return [
            Problem(
                "YIELD_RANGE_NOT_ALLOWED",
                "only the norm of a processing product may be a range",
                ("maximum",),
            )
        ]
    problems = check_positive_quantity(maximum, ("maximum",))
    if maximum < norm.value:
        problems.append(
            Problem(
                "YIELD_RANGE_INVERTED",
                f"the minimum {norm.value} exceeds the maximum {maximum}",
                ("maximum",),
            )
        )
    return problems


def check_waste_procedure(form: PermitForm) -> list[Problem]:
    """Permit rules p.7: 6.1 names the customs procedure for the waste, or, when the
    applicant has no information on the waste yet, 6.2 says it will be given later;
    exactly one of the two (DESIGN).  With 6.2, table 6 lists no waste."""
    waste = form.waste_procedure
    has_procedure = bool(waste.procedure and waste.procedure.strip())
    if has_procedure == waste.information_later:
        return [
            Problem(
                "WASTE_PROCEDURE_CHOICE",
                "fill exactly one of 6.1 (procedure for the waste) and 6.2 (information later)",
                ("wasteProcedure",),
            )
        ]
    if waste.information_later and form.table6:
        return [
            Problem(
                "WASTE_INFORMATION_CONFLICT",
                "6.2 says the information on waste will be given later, but table 6 lists waste",
                ("wasteProcedure", "informationLater"),
            )
        ]
    return []


def check_identification(form: PermitForm) -> list[Problem]:
    """Permit rules p.8: point 9 gives at least one way to identify the foreign goods in the
    products (EAEU Customs Code art.167), each with the customs officers' actions."""
    if not form.identification:
        return [
            Problem(
                "IDENTIFICATION_MISSING",
                "at least one identification method is required",
                ("identification",),
            )
        ]
    problems: list[Problem] = []
    for i, item in enumerate(form.identification):
        found = [
            *_required(item.description, "the method's description", ("description",)),
            *_required(item.officer_actions, "the officers' actions", ("officerActions",)),
        ]
        problems += [p.under("identification", i) for p in found]
    return problems


def check_term(
    term: Term, issue_date: date, max_months: int = DEFAULT_MAX_TERM_MONTHS
) -> list[Problem]:
    """Permit rules p.9: table 10.1, the term in whole calendar months; the start and end
    dates written at the first placement (not before the issue), the end being the same
    day of the last month (DESIGN "Term"); table 10.2, extensions in whole months, each
    with the end date computed from the start and the total months; the whole term at
    most ``max_months`` (DESIGN)."""
    problems = months_problems(term.months, ("months",))
    problems += [
        p.under("extensions", i)
        for i, e in enumerate(term.extensions)
        for p in months_problems(e.months, ("months",))
    ]
    if (term.start_date is None) != (term.end_date is None):
        missing = "endDate" if term.end_date is None else "startDate"
        problems.append(
            Problem("REQUIRED", "the start and end dates are written together", (missing,))
        )
    if term.start_date is None and term.extensions:
        problems.append(
            Problem(
                "TERM_NOT_FIXED",
                "a term is extended only after its start is fixed",
                ("extensions",),
            )
        )
    if term.start_date is not None and term.start_date < issue_date:
        problems.append(
            Problem(
                "TERM_START_BEFORE_ISSUE",
                f"the term cannot start before the permit's issue ({issue_date:%d.%m.%Y})",
                ("startDate",),
            )
        )
    if problems:
        return [p.under("term") for p in problems]

    total = term.months
    cap = term_cap_problems(total, max_months, ("months",))
    dates: list[Problem] = []
    start = term.start_date
    if start is not None and term.end_date is not None:
        dates += _end_date_problems(start, total, term.end_date, ("endDate",))
        for i, extension in enumerate(term.extensions):
            total += extension.months
            at: FieldPath = ("extensions", i)
            cap = cap or term_cap_problems(total, max_months, (*at, "months"))
            dates += _end_date_problems(start, total, extension.end_date, (*at, "endDate"))
    return [p.under("term") for p in (*cap, *dates)]


def _end_date_problems(start: date, months: int, end: date, field: FieldPath) -> list[Problem]:
    try:
        expected = term_end(start, months)
    except (ValueError, OverflowError):
        return []  # no calendar holds it: TERM_TOO_LONG says why
    if end == expected:
        return []
    return [
        Problem(
            "TERM_END_MISMATCH",
            f"{months} months from {start:%d.%m.%Y} end on {expected:%d.%m.%Y}, not {end:%d.%m.%Y}",
            field,
        )
    ]


def check_optional_sections(form: PermitForm, issue_date: date) -> list[Problem]:
    """Points 13 and 15 (FTS XML album, DESIGN): a processing organisation has a name, an
    address and, when given, a valid INN; a special mark has grounds and is not dated
    before the permit."""
    problems: list[Problem] = []
    for i, org in enumerate(form.processing_organisations):
        found = [
            *_required(org.name, "the organisation's name", ("name",)),
            *_required(org.address, "the organisation's address", ("address",)),
        ]
        if org.inn is not None:
            found += check_inn(org.inn, ("inn",))
        problems += [p.under("processingOrganisations", i) for p in found]
    for i, mark in enumerate(form.special_marks):
        found = _required(mark.grounds, "the grounds", ("grounds",))
        if mark.date < issue_date:
            found.append(
                Problem("MARK_BEFORE_ISSUE", "a special mark cannot precede the permit", ("date",))
            )
        problems += [p.under("specialMarks", i) for p in found]
    return problems


# --- beyond the rules: quantities against the norms ---------------------------------------


def yield_balance_warnings(form: PermitForm) -> list[Problem]:
    """Warnings (not errors) where the quantities of tables 5-8 disagree with table 3 and
    the yield norms of point 4 (Permit rules p.5(г): quantities "согласно нормам выхода").

    Run it on a form that :func:`validate_permit` accepts; norms pointing nowhere are
    skipped.  Design:

    * Each norm on its own determines its target row's quantity from its source row's
      (the Customs Code's definition: the quantity of products from a given quantity of
      foreign goods).  A percent norm gives ``source x value / 100``, the source quantity
      first converted to the target's unit; an absolute norm gives
      ``source / per_quantity x value`` in the norm's unit, then converted to the target's.
      A product made of several foreign goods is thus checked against each of them.
      A range gives an interval.  The stated quantity agrees when it equals the expected
      one rounded to the decimals it is written with (so 33.33 agrees with 100 / 3).
      Units that do not convert (domain.units) are reported as not comparable.
    * Mass balance: when every norm from a table 3 row is a percent and that row is the
      only source of each of its targets, and no Union goods are added (table 15.1
      empty), the percents of products, waste, residues and losses should add up to 100
      (with ranges, 100 should lie between the sums of minimums and of maximums).
    * A table 3 row that no norm uses is reported.
    """
    warnings: list[Problem] = []
    sources_of: dict[tuple[TableKind, int], set[int]] = {}
    norms_from: dict[int, list[YieldNorm]] = {}
    for norm in form.yield_norms:
        sources_of.setdefault((norm.target_table, norm.target_row), set()).add(norm.source_row)
        norms_from.setdefault(norm.source_row, []).append(norm)

    for norm in form.yield_norms:
        source_index = _row_index(form.table3, norm.source_row)
        if norm.target_table not in YIELD_TABLES or source_index is None:
            continue
        target_rows = form.rows(norm.target_table)
        target_index = _row_index(target_rows, norm.target_row)
        if target_index is None:
            continue
        found = _norm_quantity_warnings(norm, form.table3[source_index], target_rows[target_index])
        warnings += [w.under(norm.target_table.value, target_index) for w in found]

    for index in range(len(form.table3)):
        number = index + 1
        norms = norms_from.get(number, [])
        if not norms:
            warnings.append(
                Problem(
                    "YIELD_SOURCE_UNUSED",
                    f"table3 row {number} is not used by any yield norm",
                    ("table3", index),
                )
            )
            continue
        sole_source = all(sources_of[(n.target_table, n.target_row)] == {number} for n in norms)
        if form.table15_1 or not sole_source or any(n.kind is not NormKind.PERCENT for n in norms):
            continue
        low = sum((n.value for n in norms), Decimal(0))
        high = sum((_high(n) for n in norms), Decimal(0))
        if not low <= 100 <= high:
            total = f"{low} %" if low == high else f"{low}..{high} %"
            warnings.append(
                Problem(
                    "YIELD_PERCENT_BALANCE",
                    f"the norms from table3 row {number} add up to {total}: products, waste, "
                    "residues and losses should account for 100 %",
                    ("table3", index),
                )
            )
    return warnings


def _norm_quantity_warnings(norm: YieldNorm, source: GoodsRow, target: GoodsRow) -> list[Problem]:
    """The warning for one norm whose target quantity disagrees with it (none when it
    agrees).  Computed with the precision the figures need (a product of two quantities
    and a rounding to the stated decimals exceed the default 28 digits)."""
    with localcontext() as context:
        context.prec = _YIELD_PRECISION
        return _norm_warnings(norm, source, target)


#: Digits enough for the figures of the Decimal scalar (at most 15 digits before the point,
#: 64 characters) multiplied, divided and converted, then rounded to 6 decimals.
_YIELD_PRECISION = 150


def _norm_warnings(norm: YieldNorm, source: GoodsRow, target: GoodsRow) -> list[Problem]:
    label = f"table3 row {norm.source_row} -> {norm.target_table.value} row {norm.target_row}"
    if norm.kind is NormKind.PERCENT:
        base = convert_quantity(source.quantity, source.unit, target.unit)
        if base is None:
            return _incomparable(label, source.unit, target.unit)
        low, high = base * norm.value / 100, base * _high(norm) / 100
        how = f"{source.quantity} {_unit_name(source.unit)} x {_figure(norm)} %"
    elif norm.per_quantity <= 0:
        return []  # refused by validate_permit; nothing to compare
    else:
        norm_unit = norm.unit or target.unit
        per = source.quantity / norm.per_quantity
        low_n = convert_quantity(per * norm.value, norm_unit, target.unit)
        high_n = convert_quantity(per * _high(norm), norm_unit, target.unit)
        if low_n is None or high_n is None:
            return _incomparable(label, norm_unit, target.unit)
        low, high = low_n, high_n
        how = (
            f"{source.quantity} {_unit_name(source.unit)} x {_figure(norm)} "
            f"{_unit_name(norm_unit)} per {norm.per_quantity} {_unit_name(source.unit)}"
        )
    step = Decimal(1).scaleb(-decimals_of(target.quantity))
    low_r, high_r = (x.quantize(step, rounding=ROUND_HALF_UP) for x in (low, high))
    if low_r <= target.quantity <= high_r:
        return []
    expected = f"{low_r}" if low_r == high_r else f"{low_r}..{high_r}"
    return [
        Problem(
            "YIELD_QUANTITY_MISMATCH",
            f"{label}: {how} gives {expected} {_unit_name(target.unit)}, "
            f"the table states {target.quantity}",
            ("quantity",),
        )
    ]


def _high(norm: YieldNorm) -> Decimal:
    return norm.maximum if norm.maximum is not None else norm.value


def _figure(norm: YieldNorm) -> str:
    return f"{norm.value}" if norm.maximum is None else f"{norm.value}..{norm.maximum}"


def _unit_name(code: str) -> str:
    unit = UNITS.get(code)
    return unit.name if unit else code


def _incomparable(label: str, from_unit: str, to_unit: str) -> list[Problem]:
    return [
        Problem(
            "YIELD_UNITS_INCOMPARABLE",
            f"{label}: {_unit_name(from_unit)} and {_unit_name(to_unit)} do not convert, "
            "the quantity cannot be checked against the norm",
            ("unit",),
        )
    ]
