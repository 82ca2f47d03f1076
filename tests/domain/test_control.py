"""Control of declaration items against licence lines (Order 1907 p.2, p.6-9; DESIGN)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.control import (
    Amount,
    DeclarationFacts,
    DiscrepancyCode,
    EarlierAccounting,
    ItemFacts,
    LicenseFacts,
    LineFacts,
    control_declaration,
    licenses_with_held,
    name_matches,
    normalise_name,
)
from domain.declarations import DeclarationKind, Direction
from domain.licenses import ControlMode, LicenseStatus

C = DiscrepancyCode
D = Decimal
HOLDER = "7707083893"
AGENT = "7736050003"
LICENSE = "L-2024-0001"


def make_line(**changes: Any) -> LineFacts:
    line = LineFacts(
        line_no=1,
        name="Трубы стальные бесшовные",
        hs_code="730419",
        unit="166",  # kg
        quantity_limit=D("1000"),
        quantity_accounted=D("0"),
        quantity_available=D("1000"),
    )
    return replace(line, **changes)


def make_license(*lines: LineFacts, **changes: Any) -> LicenseFacts:
    license = LicenseFacts(
        number=LICENSE,
        direction=Direction.EXPORT,
        status=LicenseStatus.ACTIVE,
        control_mode=ControlMode.ELECTRONIC,
        valid_from=date(2024, 1, 1),
        valid_to=date(2024, 12, 31),
        holder_inn=HOLDER,
        lines=lines or (make_line(),),
        issued_on=date(2023, 12, 20),
    )
    return replace(license, **changes)


def make_item(item_no: int = 1, **changes: Any) -> ItemFacts:
    item = ItemFacts(
        item_no=item_no,
        name="ТРУБЫ СТАЛЬНЫЕ БЕСШОВНЫЕ горячекатаные, диаметр 114 мм",
        hs_code="7304191000",
        quantity=D("100"),
        unit="166",
        license_number=LICENSE,
        line_no=1,
    )
    return replace(item, **changes)


def make_declaration(*items: ItemFacts, **changes: Any) -> DeclarationFacts:
    declaration = DeclarationFacts(
        number="10702070/050324/0000042",
        kind=DeclarationKind.STANDARD,
        direction=Direction.EXPORT,
        procedure="10",
        declared_on=date(2024, 3, 5),
        declarant_inn=HOLDER,
        items=items or (make_item(),),
    )
    return replace(declaration, **changes)


def run(
    declaration: DeclarationFacts,
    *licenses: LicenseFacts,
    earlier: dict[str, EarlierAccounting] | None = None,
) -> list[DiscrepancyCode]:
    by_number = {lic.number: lic for lic in licenses or (make_license(),)}
    return [d.code for d in control_declaration(declaration, by_number, earlier or {})]


def test_p6_matching_item_has_no_discrepancies() -> None:
    """Order 1907 p.6: every detail matches the licence line."""
    assert run(make_declaration()) == []


def test_p6_license_data_not_received() -> None:
    """Order 1907 p.6 (p.3: licence data from EAIS): an unknown licence is fixable."""
    found = control_declaration(make_declaration(make_item(license_number="X-1")), {}, {})
    assert [(d.code, d.fixable, d.affects_restrictions) for d in found] == [
        (C.LICENCE_UNKNOWN, True, True)
    ]
    assert "X-1" in found[0].message


def test_p2_legacy_license_is_outside_the_technology() -> None:
    """Order 1907 p.2: a licence put on control before the Technology is not
    controlled electronically; nothing else is checked against it."""
    license = make_license(control_mode=ControlMode.LEGACY, direction=Direction.IMPORT)
    found = control_declaration(make_declaration(), {LICENSE: license}, {})
    assert [(d.code, d.fixable) for d in found] == [(C.LICENCE_LEGACY, False)]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": LicenseStatus.SUSPENDED}, C.LICENCE_SUSPENDED),
        ({"status": LicenseStatus.TERMINATED}, C.LICENCE_TERMINATED),
        ({"exhausted": True}, C.LICENCE_EXHAUSTED),
    ],
)
def test_p9_suspension_termination_exhaustion_are_not_fixable(
    changes: dict[str, Any], code: DiscrepancyCode
) -> None:
    """Order 1907 p.9: grounds at once; the declarant cannot fix them."""
    found = control_declaration(make_declaration(), {LICENSE: make_license(**changes)}, {})
    assert [(d.code, d.fixable, d.affects_restrictions) for d in found] == [(code, False, True)]


def test_p6_direction_must_match() -> None:
    """Order 1907 p.6: an export licence does not cover an import declaration."""
    declaration = make_declaration(direction=Direction.IMPORT)
    assert run(declaration) == [C.DIRECTION_MISMATCH]


@pytest.mark.parametrize(
    ("declared_on", "expected"),
    [
        (date(2024, 1, 1), []),
        (date(2024, 12, 31), []),
        (date(2023, 12, 31), [C.OUTSIDE_VALIDITY]),
        (date(2025, 1, 1), [C.OUTSIDE_VALIDITY]),
    ],
)
def test_p6_declaration_date_within_validity(
    declared_on: date, expected: list[DiscrepancyCode]
) -> None:
    """Order 1907 p.6: the declaration date falls within validity, both ends included."""
    assert run(make_declaration(declared_on=declared_on)) == expected


def test_design_holder_is_declarant_or_represented_person() -> None:
    """DESIGN "Holder": the holder's INN is the declarant's, or that of the person a
    customs representative acts for (Order 1907 p.6)."""
    assert run(make_declaration(declarant_inn=AGENT, represented_inn=HOLDER)) == []
    assert run(make_declaration(declarant_inn=AGENT)) == [C.HOLDER_MISMATCH]
    found = control_declaration(
        make_declaration(declarant_inn=AGENT, represented_inn="500100732259"),
        {LICENSE: make_license()},
        {},
    )
    assert found[0].code is C.HOLDER_MISMATCH
    assert HOLDER in found[0].message
    assert "500100732259" in found[0].message


def test_p6_wrong_license_date_does_not_affect_restrictions() -> None:
    """Order 1907 p.6: a licence date slip next to the right number is reported but does
    not affect prohibitions and restrictions (DESIGN)."""
    found = control_declaration(
        make_declaration(make_item(license_issued_on=date(2023, 12, 21))),
        {LICENSE: make_license()},
        {},
    )
    assert [(d.code, d.affects_restrictions) for d in found] == [(C.LICENCE_DATE_MISMATCH, False)]
    assert run(make_declaration(make_item(license_issued_on=date(2023, 12, 20)))) == []


def test_p6_line_must_exist() -> None:
    """Order 1907 p.6: the cited line exists in the licence."""
    assert run(make_declaration(make_item(line_no=7))) == [C.LINE_UNKNOWN]


@pytest.mark.parametrize(
    ("line_code", "item_code", "expected"),
    [
        ("7304", "7304191000", []),
        ("730419", "7304191000", []),
        ("7304191000", "7304191000", []),
        ("730419", "7304110000", [C.HS_CODE_MISMATCH]),
        ("7305", "7304191000", [C.HS_CODE_MISMATCH]),
    ],
)
def test_p6_hs_code_starts_with_line_code(
    line_code: str, item_code: str, expected: list[DiscrepancyCode]
) -> None:
    """Order 1907 p.6; DESIGN glossary: the line's code is matched as a prefix."""
    license = make_license(make_line(hs_code=line_code))
    assert run(make_declaration(make_item(hs_code=item_code)), license) == expected


def test_design_normalise_name() -> None:
    """DESIGN "Name and unit": case, ё/е, quotes, punctuation, spaces."""
    assert (
        normalise_name('  Ёлки «Новогодние»,  "ЗЕЛЁНЫЕ"  (ель) ') == "елки новогодние зеленые ель"
    )
    assert normalise_name("кабель-канал 1,5 мм; 'ПВХ'") == "кабель канал 1 5 мм пвх"
    assert normalise_name("Масло“Сливочное”„Лютик“") == "масло сливочное лютик"


@pytest.mark.parametrize(
    ("line_name", "item_name", "matches"),
    [
        ("Трубы стальные", "ТРУБЫ СТАЛЬНЫЕ бесшовные", True),
        ("Трёхслойный «картон»", "трехслойный картон, гофрированный", True),
        ('Масло "Сливочное"', "масло«сливочное» ёмкость 5 кг", True),
        ("ель", "кабель силовой", False),
        ("Трубы стальные", "трубы медные стальные", False),
        ("", "что угодно", False),
    ],
)
def test_design_name_matches_when_description_contains_line_name(
    line_name: str, item_name: str, matches: bool
) -> None:
    """DESIGN "Name and unit" (Order 1907 p.6, p.8): the normalised description contains
    the normalised line name as whole words."""
    assert name_matches(line_name, item_name) is matches


def test_p6_name_mismatch() -> None:
    """Order 1907 p.6, p.8: release according to the licence's names."""
    found = control_declaration(
        make_declaration(make_item(name="Трубы медные")), {LICENSE: make_license()}, {}
    )
    assert [(d.code, d.fixable, d.affects_restrictions) for d in found] == [
        (C.NAME_MISMATCH, True, True)
    ]


@pytest.mark.parametrize(
    ("item_unit", "expected"),
    [("163", []), ("168", []), ("796", [C.UNIT_MISMATCH]), ("112", [C.UNIT_MISMATCH])],
)
def test_design_units_equal_or_convertible(item_unit: str, expected: list[DiscrepancyCode]) -> None:
    """DESIGN "Name and unit" (Order 1907 p.6): g and t convert to kg; pieces and litres
    do not."""
    item = make_item(unit=item_unit, quantity=D("0.1"))
    assert run(make_declaration(item)) == expected


def test_p8_quantity_exceeding_available() -> None:
    """Order 1907 p.8: release within the quantity still available on the line."""
    license = make_license(make_line(quantity_available=D("99.999")))
    found = control_declaration(make_declaration(), {LICENSE: license}, {})
    assert [(d.code, d.fixable) for d in found] == [(C.QUANTITY_EXCEEDS_AVAILABLE, False)]
    assert "100 кг" in found[0].message
    assert "99.999 кг" in found[0].message


def test_p8_several_items_on_one_line_add_up() -> None:
    """Order 1907 p.8: items of one declaration on the same line count together."""
    license = make_license(make_line(quantity_available=D("150")))
    declaration = make_declaration(make_item(1), make_item(2), make_item(3, line_no=2))
    license = replace(license, lines=(*license.lines, make_line(line_no=2)))
    found = control_declaration(declaration, {LICENSE: license}, {})
    assert [(d.code, d.item_no) for d in found] == [
        (C.QUANTITY_EXCEEDS_AVAILABLE, 1),
        (C.QUANTITY_EXCEEDS_AVAILABLE, 2),
    ]
    assert "items 1, 2 declare 200 кг" in found[0].message


def test_design_units_convert_exactly_g_kg_t() -> None:
    """DESIGN "Name and unit": 600 kg + 400 000 g is exactly 1 t; one more gram is over."""
    license = make_license(make_line(unit="168", quantity_available=D("1")))
    exact = make_declaration(
        make_item(1, quantity=D("600"), unit="166"),
        make_item(2, quantity=D("400000"), unit="163"),
    )
    assert run(exact, license) == []
    over = replace(exact, items=(*exact.items, make_item(3, quantity=D("1"), unit="163")))
    assert run(over, license) == [C.QUANTITY_EXCEEDS_AVAILABLE] * 3


def test_p8_value_limit() -> None:
    """Order 1907 p.8; DESIGN invariant for value: values on a line add up against the
    value available, in the line's currency."""
    line = make_line(value_limit=D("5000"), value_available=D("3000.00"), currency="USD")
    license = make_license(line)
    within = make_item(1, value=D("1500.00"), currency="USD")
    assert run(make_declaration(within, replace(within, item_no=2)), license) == []
    over = replace(within, value=D("1500.01"))
    assert run(make_declaration(within, replace(over, item_no=2)), license) == [
        C.VALUE_EXCEEDS_AVAILABLE,
        C.VALUE_EXCEEDS_AVAILABLE,
    ]


def test_p8_value_must_be_comparable() -> None:
    """Order 1907 p.8: a line with a value limit needs the item's value in its currency."""
    license = make_license(
        make_line(value_limit=D("5000"), value_available=D("5000"), currency="USD")
    )
    assert run(make_declaration(make_item(value=D("10"), currency="EUR")), license) == [
        C.VALUE_NOT_COMPARABLE
    ]
    assert run(make_declaration(make_item()), license) == [C.VALUE_NOT_COMPARABLE]
    assert run(make_declaration(make_item(value=D("10"), currency="EUR"))) == []


def earlier(quantity: str, annulled: bool = False) -> dict[str, EarlierAccounting]:
    number = "10702070/010324/0000007"
    return {number: EarlierAccounting(number, annulled, {(LICENSE, 1): D(quantity)})}


def test_p7_design_earlier_accounting_is_checked_not_trusted() -> None:
    """DESIGN "Earlier accounting (p.7)": the earlier declaration wrote off the same line
    for at least this quantity; the item is not counted against the line again."""
    license = make_license(make_line(quantity_available=D("0")))
    item = make_item(quantity=D("60"), earlier_declaration="10702070/010324/0000007")
    assert run(make_declaration(item), license, earlier=earlier("60")) == []
    # two items citing it add up: 60 kg + 0.05 t > 100 kg
    second = replace(item, item_no=2, quantity=D("0.05"), unit="168")
    assert run(make_declaration(item, second), license, earlier=earlier("100")) == [
        C.EARLIER_ACCOUNTING_INVALID,
        C.EARLIER_ACCOUNTING_INVALID,
    ]


@pytest.mark.parametrize(
    ("facts", "fragment"),
    [
        ({}, "no accounting on record"),
        (earlier("500", annulled=True), "annulled"),
        (earlier("59.999"), "wrote off 59.999 кг"),
        (
            {
                "10702070/010324/0000007": EarlierAccounting(
                    "10702070/010324/0000007", False, {(LICENSE, 2): D("500")}
                )
            },
            "wrote off 0 кг",
        ),
    ],
)
def test_p7_design_invalid_earlier_accounting(
    facts: dict[str, EarlierAccounting], fragment: str
) -> None:
    """DESIGN "Earlier accounting (p.7)": unknown, annulled, too small, or another line."""
    item = make_item(quantity=D("60"), earlier_declaration="10702070/010324/0000007")
    found = control_declaration(make_declaration(item), {LICENSE: make_license()}, facts)
    assert [d.code for d in found] == [C.EARLIER_ACCOUNTING_INVALID]
    assert fragment in found[0].message


def test_p12_full_declaration_sees_temporary_totals_as_available() -> None:
    """Order 1907 p.12; DESIGN "Corrections": what a declaration (or its temporary ones)
    already holds on a line is available to it again."""
    license = make_license(make_line(quantity_accounted=D("1000"), quantity_available=D("0")))
    declaration = make_declaration(kind=DeclarationKind.FULL)
    assert run(declaration, license) == [C.QUANTITY_EXCEEDS_AVAILABLE]
    held = licenses_with_held({LICENSE: license}, {(LICENSE, 1): Amount(D("100"))})
    assert control_declaration(declaration, held, {}) == []
    assert held[LICENSE].lines[0].quantity_available == D("100")


def test_p6_discrepancies_are_sorted_by_item_and_carry_their_line() -> None:
    """Order 1907 p.6: a list of discrepancies per item, with licence and line."""
    declaration = make_declaration(
        make_item(2, hs_code="9999999999"), make_item(1, name="Трубы медные")
    )
    found = control_declaration(declaration, {LICENSE: make_license()}, {})
    assert [(d.item_no, d.code, d.license_number, d.line_no) for d in found] == [
        (1, C.NAME_MISMATCH, LICENSE, 1),
        (2, C.HS_CODE_MISMATCH, LICENSE, 1),
    ]
