"""The processing permit form as plain values (Permit rules p.1-p.9, DESIGN Part B).

One dataclass per section of the form; tuples for repeated parts, so a form is an
immutable value.  Validation lives in :mod:`domain.permits.validation`.  Quantities and
money are :class:`~decimal.Decimal`; units are OKEI codes (:mod:`domain.units`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class TableKind(StrEnum):
    """The goods tables of the form; the value is the field name used in problem paths."""

    FOREIGN_GOODS = "table3"
    PRODUCTS = "table5"
    WASTE = "table6"
    RESIDUES = "table7"
    LOSSES = "table8"
    UNION_GOODS = "table15_1"


#: Tables with the columns 5 "cost, RUB" and 6 "customs office" (Permit rules p.5(д), (е)).
COSTED_TABLES = frozenset(
    {TableKind.FOREIGN_GOODS, TableKind.PRODUCTS, TableKind.WASTE, TableKind.RESIDUES}
)
#: Tables a yield norm points at (Permit rules p.6).
YIELD_TABLES = (TableKind.PRODUCTS, TableKind.WASTE, TableKind.RESIDUES, TableKind.LOSSES)


@dataclass(frozen=True, slots=True)
class Header:
    """Who issued the permit (Permit rules p.1): the regional customs administration and
    the customs office under it, or the customs office alone when it reports directly to
    the FTS of Russia (``reports_to_fts``)."""

    customs_office_code: str
    customs_office_name: str
    regional_administration_code: str | None = None
    regional_administration_name: str | None = None
    reports_to_fts: bool = False


@dataclass(frozen=True, slots=True)
class Holder:
    """Point 1 of the form: the person who obtained the permit (Permit rules p.3)."""

    name: str
    inn: str
    address: str
    kpp: str | None = None
    ogrn: str | None = None


@dataclass(frozen=True, slots=True)
class Transfer:
    """Point 1.1: the permit passed to another Russian person by a decision of the
    controlling customs office, on the holder's application (Permit rules p.3)."""

    new_holder: Holder
    decision_number: str
    decision_date: date


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document's name and particulars (number, date of conclusion)."""

    name: str
    number: str
    date: date


@dataclass(frozen=True, slots=True)
class TradeDocument:
    """Point 2: a document of the foreign trade deal (or of another right to the goods),
    with its amendments relevant to the goods imported for processing (Permit rules p.4)."""

    name: str
    number: str
    date: date
    amendments: tuple[DocumentRef, ...] = ()


@dataclass(frozen=True, slots=True)
class OtherQuantity:
    """A quantity in a unit of the processor's own stock and accounting system, named in
    words (Permit rules p.5(г), "иные единицы измерения")."""

    amount: Decimal
    unit_name: str


@dataclass(frozen=True, slots=True)
class Cost:
    """Column 5 "Cost, RUB": the estimated cost in roubles, with the Central Bank's official
    rate of the contract currency to the rouble on the issue date (Permit rules p.5(д)).

    ``rate`` is roubles for one unit of ``currency``; ``rate`` and ``rate_date`` are
    absent when the currency is RUB.
    """

    amount_rub: Decimal
    currency: str = "RUB"
    rate: Decimal | None = None
    rate_date: date | None = None


@dataclass(frozen=True, slots=True)
class CustomsOfficeRef:
    """Column 6: a customs office or post where operations are to be performed
    (Permit rules p.5(е)); the rules ask for the name, the 8-digit code is optional."""

    name: str
    code: str | None = None


@dataclass(frozen=True, slots=True)
class GoodsRow:
    """A row of tables 3, 5, 6, 7, 8 or 15.1 (Permit rules p.5(а)-(е)).

    ``number`` is column 1, filled only when the table has more than one row (а);
    ``name`` per the EAEU CN FEA (б); ``hs_code`` (в); ``quantity`` in the main or
    additional unit of the HS heading, ``unit`` its OKEI code, and optionally the same
    quantity in the processor's accounting units (г); ``cost`` (д) and
    ``customs_offices`` (е) only in tables 3, 5, 6, 7.
    """

    name: str
    hs_code: str
    quantity: Decimal
    unit: str
    number: int | None = None
    other_quantities: tuple[OtherQuantity, ...] = ()
    cost: Cost | None = None
    customs_offices: tuple[CustomsOfficeRef, ...] = ()


class NormKind(StrEnum):
    """A yield norm is relative (percent) or absolute (a quantity) (Permit rules p.6)."""

    PERCENT = "PERCENT"
    ABSOLUTE = "ABSOLUTE"


@dataclass(frozen=True, slots=True)
class YieldNorm:
    """Point 4: how much of a row of table 5, 6, 7 or 8 comes out of a row of table 3
    (Permit rules p.6).  Rows are referred to by their number, 1 for a table's only row.

    PERCENT: ``value`` percent of the source row's quantity (units of one family).
    ABSOLUTE: ``value`` of ``unit`` (OKEI) per ``per_quantity`` of the source row's unit
    (the Customs Code's "quantity of products from a given quantity of foreign goods").
    ``maximum`` makes ``value``..``maximum`` a range, allowed for processing products only.
    """

    source_row: int
    target_table: TableKind
    target_row: int
    kind: NormKind
    value: Decimal
    maximum: Decimal | None = None
    unit: str | None = None
    per_quantity: Decimal = Decimal(1)


@dataclass(frozen=True, slots=True)
class WasteProcedure:
    """Point 6: 6.1 the customs procedure for the waste, or 6.2 a statement that the
    information on waste will be given later (289-FZ art.127 part 3.1) (Permit rules p.7).
    Exactly one of them is filled."""

    procedure: str | None = None
    information_later: bool = False


class IdentificationMethod(StrEnum):
    """Ways to identify foreign goods in processing products (EAEU Customs Code art.167)."""

    MARKS_SEALS_SAMPLES = "MARKS_SEALS_SAMPLES"
    DESCRIPTION_PHOTOS = "DESCRIPTION_PHOTOS"
    SAMPLE_ANALYSIS = "SAMPLE_ANALYSIS"
    SERIAL_NUMBERS = "SERIAL_NUMBERS"
    OTHER = "OTHER"


@dataclass(frozen=True, slots=True)
class Identification:
    """Point 9: an identification method with the customs officers' actions when they
    identify the goods in customs operations (Permit rules p.8)."""

    method: IdentificationMethod
    description: str
    officer_actions: str


@dataclass(frozen=True, slots=True)
class Extension:
    """Table 10.2: an extension in whole calendar months and the new end date (p.9)."""

    months: int
    end_date: date


@dataclass(frozen=True, slots=True)
class Term:
    """Point 10: table 10.1, the term in whole calendar months; the start and end dates
    are filled by an officer once the first batch is placed under the procedure; table
    10.2, the extensions (Permit rules p.9)."""

    months: int
    start_date: date | None = None
    end_date: date | None = None
    extensions: tuple[Extension, ...] = ()

    @property
    def total_months(self) -> int:
        """The term with all its extensions."""
        return self.months + sum(e.months for e in self.extensions)

    @property
    def end_date_in_force(self) -> date | None:
        """The end in force: the last extension's end date, else table 10.1's (p.9)."""
        return self.extensions[-1].end_date if self.extensions else self.end_date


@dataclass(frozen=True, slots=True)
class ProcessingOrganisation:
    """Point 13: an organisation that performs processing operations."""

    name: str
    address: str
    inn: str | None = None


class MarkKind(StrEnum):
    """Point 15: customs' special marks."""

    REVOCATION = "REVOCATION"
    ANNULMENT = "ANNULMENT"
    RESTORATION = "RESTORATION"


@dataclass(frozen=True, slots=True)
class SpecialMark:
    """Point 15: a revocation, annulment or restoration with its date and grounds."""

    kind: MarkKind
    date: date
    grounds: str
    decision_number: str | None = None


@dataclass(frozen=True, slots=True)
class PermitForm:
    """The whole permit (Permit rules p.1-p.9; points 11-15 from the FTS XML album, DESIGN).

    ``number`` is empty until the permit is issued (p.2).
    """

    header: Header
    holder: Holder
    trade_documents: tuple[TradeDocument, ...]
    table3: tuple[GoodsRow, ...]
    yield_norms: tuple[YieldNorm, ...]
    table5: tuple[GoodsRow, ...]
    waste_procedure: WasteProcedure
    identification: tuple[Identification, ...]
    term: Term
    table6: tuple[GoodsRow, ...] = ()
    table7: tuple[GoodsRow, ...] = ()
    table8: tuple[GoodsRow, ...] = ()
    number: str | None = None
    transfer: Transfer | None = None
    equivalent_goods: str | None = None
    production_process: str | None = None
    processing_organisations: tuple[ProcessingOrganisation, ...] = ()
    union_goods: str | None = None
    table15_1: tuple[GoodsRow, ...] = ()
    special_marks: tuple[SpecialMark, ...] = ()

    def rows(self, table: TableKind) -> tuple[GoodsRow, ...]:
        """The rows of one goods table."""
        rows: tuple[GoodsRow, ...] = getattr(self, table.value)
        return rows
