"""The processing permit form's rules (Permit rules p.1-p.9) and the yield balance."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from domain.permits.form import (
    Cost,
    CustomsOfficeRef,
    DocumentRef,
    Extension,
    GoodsRow,
    Header,
    Holder,
    Identification,
    IdentificationMethod,
    NormKind,
    OtherQuantity,
    PermitForm,
    TableKind,
    Term,
    TradeDocument,
    Transfer,
    WasteProcedure,
    YieldNorm,
)
from domain.permits.validation import validate_permit, yield_balance_warnings
from domain.problems import Problem

ISSUED = date(2027, 3, 15)
KG, T, PCS = "166", "168", "796"
OFFICE = CustomsOfficeRef("Балтийская таможня", "10216000")


def row(
    name: str,
    hs_code: str,
    quantity: str,
    unit: str = KG,
    *,
    number: int | None = None,
    costed: bool = True,
) -> GoodsRow:
    return GoodsRow(
        name=name,
        hs_code=hs_code,
        quantity=Decimal(quantity),
        unit=unit,
        number=number,
        cost=Cost(Decimal("100000.00"), "USD", Decimal("90.5012")) if costed else None,
        customs_offices=(OFFICE,) if costed else (),
    )


def norm(
    table: TableKind, percent: str, *, source: int = 1, target: int = 1, maximum: str | None = None
) -> YieldNorm:
    return YieldNorm(
        source_row=source,
        target_table=table,
        target_row=target,
        kind=NormKind.PERCENT,
        value=Decimal(percent),
        maximum=Decimal(maximum) if maximum else None,
    )


def valid_form() -> PermitForm:
    """Wheat milled into flour, bran as waste, losses: 75 + 20 + 5 = 100 %."""
    return PermitForm(
        header=Header(
            customs_office_code="10216000",
            customs_office_name="Балтийская таможня",
            regional_administration_code="10200000",
            regional_administration_name="Северо-Западное таможенное управление",
        ),
        holder=Holder("ООО «Мельница»", "7707083893", "Санкт-Петербург, ул. Мельничная, 1"),
        trade_documents=(TradeDocument("Контракт", "12/27", date(2027, 1, 10)),),
        table3=(row("Пшеница", "1001990000", "1000"),),
        yield_norms=(
            norm(TableKind.PRODUCTS, "75"),
            norm(TableKind.WASTE, "20"),
            norm(TableKind.LOSSES, "5"),
        ),
        table5=(row("Мука пшеничная", "1101001100", "750"),),
        table6=(row("Отруби пшеничные", "2302300000", "200"),),
        table8=(row("Производственные потери", "1001990000", "50", costed=False),),
        waste_procedure=WasteProcedure(procedure="выпуск для внутреннего потребления"),
        identification=(
            Identification(
                IdentificationMethod.SAMPLE_ANALYSIS,
                "отбор проб пшеницы и муки",
                "должностное лицо отбирает пробы и сопоставляет результаты анализа",
            ),
        ),
        term=Term(months=12),
    )


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def test_valid_form_has_no_problems_or_warnings() -> None:
    """Permit rules p.1-p.9: a complete form passes, and its quantities agree with the norms."""
    form = valid_form()
    assert validate_permit(form, ISSUED) == []
    assert yield_balance_warnings(form) == []


# --- p.1 header ---------------------------------------------------------------------------


def test_p1_office_reporting_to_fts_named_alone() -> None:
    """Permit rules p.1: a customs office reporting directly to the FTS is named alone."""
    alone = Header("10009000", "Центральная энергетическая таможня", reports_to_fts=True)
    assert validate_permit(replace(valid_form(), header=alone), ISSUED) == []
    with_rtu = replace(alone, regional_administration_name="ЦТУ")
    problem = only(validate_permit(replace(valid_form(), header=with_rtu), ISSUED))
    assert problem.code == "REGIONAL_ADMINISTRATION_NOT_ALLOWED"


def test_p1_regional_administration_required_otherwise() -> None:
    """Permit rules p.1: otherwise the regional administration is named, and codes are valid."""
    header = Header("1021600", "Балтийская таможня")
    problems = validate_permit(replace(valid_form(), header=header), ISSUED)
    assert {(p.code, p.field) for p in problems} == {
        ("INVALID_CUSTOMS_OFFICE_CODE", ("header", "customsOfficeCode")),
        ("REQUIRED", ("header", "regionalAdministrationName")),
    }


# --- p.2 number ---------------------------------------------------------------------------


def test_p2_number_carries_office_and_issue_date() -> None:
    """Permit rules p.2: the number names the issuing office and the issue date."""
    form = valid_form()
    assert validate_permit(replace(form, number="10216000/150327/51/0001"), ISSUED) == []
    other_day = only(validate_permit(replace(form, number="10216000/160327/51/0001"), ISSUED))
    assert other_day.code == "PERMIT_NUMBER_MISMATCH"
    garbled = only(validate_permit(replace(form, number="10216000-150327-51-1"), ISSUED))
    assert (garbled.code, garbled.field) == ("INVALID_PERMIT_NUMBER", ("number",))


# --- p.3 holder and transfer --------------------------------------------------------------


def test_p3_holder_name_inn_address() -> None:
    """Permit rules p.3: point 1 names the holder with a valid INN and an address."""
    holder = Holder("", "7707083890", " ")
    problems = validate_permit(replace(valid_form(), holder=holder), ISSUED)
    assert {(p.code, p.field) for p in problems} == {
        ("REQUIRED", ("holder", "name")),
        ("REQUIRED", ("holder", "address")),
        ("INVALID_INN", ("holder", "inn")),
    }


def test_p3_transfer_to_another_russian_person_by_decision() -> None:
    """Permit rules p.3: 1.1 passes the permit to another person by a customs decision."""
    other = Holder("ООО «Хлеб»", "7736050003", "Москва")
    transfer = Transfer(other, "12-34/567", date(2027, 6, 1))
    assert validate_permit(replace(valid_form(), transfer=transfer), ISSUED) == []

    same = Transfer(valid_form().holder, "", date(2027, 3, 1))
    problems = validate_permit(replace(valid_form(), transfer=same), ISSUED)
    assert {(p.code, p.field) for p in problems} == {
        ("TRANSFER_TO_SAME_HOLDER", ("transfer", "newHolder", "inn")),
        ("REQUIRED", ("transfer", "decisionNumber")),
        ("TRANSFER_BEFORE_ISSUE", ("transfer", "decisionDate")),
    }


# --- p.4 trade documents ------------------------------------------------------------------


def test_p4_trade_documents_required_with_amendments() -> None:
    """Permit rules p.4: point 2 names the deal's documents and their amendments."""
    assert codes(validate_permit(replace(valid_form(), trade_documents=()), ISSUED)) == ["REQUIRED"]
    amended = TradeDocument(
        "Контракт",
        "12/27",
        date(2027, 1, 10),
        amendments=(
            DocumentRef("Дополнительное соглашение", "1", date(2027, 2, 1)),
            DocumentRef("Дополнительное соглашение", "2", date(2026, 12, 1)),
        ),
    )
    problem = only(validate_permit(replace(valid_form(), trade_documents=(amended,)), ISSUED))
    assert problem.code == "AMENDMENT_BEFORE_DOCUMENT"
    assert problem.field == ("tradeDocuments", 0, "amendments", 1, "date")


# --- p.5 goods tables ---------------------------------------------------------------------


def test_p5_tables_3_and_5_not_empty() -> None:
    """Permit rules p.5, p.6: the permit names foreign goods and processing products."""
    form = replace(valid_form(), table5=(), yield_norms=valid_form().yield_norms[1:])
    assert only(validate_permit(form, ISSUED)).field == ("table5",)


def test_p5a_rows_numbered_only_when_more_than_one() -> None:
    """Permit rules p.5(а): column N is filled only when a table has more than one row."""
    form = valid_form()
    numbered_alone = replace(form, table3=(replace(form.table3[0], number=1),))
    problem = only(validate_permit(numbered_alone, ISSUED))
    assert (problem.code, problem.field) == ("ROW_NUMBER_NOT_ALLOWED", ("table3", 0, "number"))

    bran = form.table6[0]
    two_unnumbered = replace(
        form,
        table6=(bran, replace(bran, name="Мучка")),
        yield_norms=(*form.yield_norms, norm(TableKind.WASTE, "1", target=2)),
    )
    problems = [p for p in validate_permit(two_unnumbered, ISSUED) if p.code.startswith("ROW")]
    assert [(p.code, p.field) for p in problems] == [
        ("ROW_NUMBER_MISSING", ("table6", 0, "number")),
        ("ROW_NUMBER_MISSING", ("table6", 1, "number")),
    ]


def test_p5a_numbers_run_one_to_n() -> None:
    """Permit rules p.5(а): a table of several rows numbers them 1..n in order."""
    form = valid_form()
    bran = form.table6[0]
    norms = (
        norm(TableKind.PRODUCTS, "75"),
        norm(TableKind.WASTE, "15"),
        norm(TableKind.WASTE, "5", target=2),
        norm(TableKind.LOSSES, "5"),
    )
    rows = (
        replace(bran, number=1, quantity=Decimal(150)),
        replace(bran, number=2, name="Мучка", quantity=Decimal(50)),
    )
    good = replace(form, table6=rows, yield_norms=norms)
    assert validate_permit(good, ISSUED) == []
    assert yield_balance_warnings(good) == []

    skipped = replace(good, table6=(rows[0], replace(rows[1], number=3)))
    problem = only(validate_permit(skipped, ISSUED))
    assert (problem.code, problem.field) == ("ROW_NUMBER_OUT_OF_SEQUENCE", ("table6", 1, "number"))


def test_p5b_name_required() -> None:
    """Permit rules p.5(б): column 2 gives the goods' name."""
    form = valid_form()
    blank = replace(form, table5=(replace(form.table5[0], name="  "),))
    assert only(validate_permit(blank, ISSUED)).field == ("table5", 0, "name")


def test_p5v_hs_code_valid() -> None:
    """Permit rules p.5(в): column 3 gives an EAEU CN FEA code (4, 6, 8, 9 or 10 digits)."""
    form = valid_form()
    heading = replace(form, table3=(replace(form.table3[0], hs_code="1001"),))
    assert validate_permit(heading, ISSUED) == []
    bad = replace(form, table3=(replace(form.table3[0], hs_code="10019"),))
    problem = only(validate_permit(bad, ISSUED))
    assert (problem.code, problem.field) == ("INVALID_HS_CODE", ("table3", 0, "hsCode"))


def test_p5g_quantity_positive_with_unit() -> None:
    """Permit rules p.5(г): column 4, a quantity > 0 with its OKEI unit, and other units of
    the processor's accounting named in words."""
    form = valid_form()
    wheat = form.table3[0]
    other = (OtherQuantity(Decimal("20"), "биг-бэг"),)
    assert (
        validate_permit(replace(form, table3=(replace(wheat, other_quantities=other),)), ISSUED)
        == []
    )

    bad = replace(
        wheat,
        quantity=Decimal("0"),
        unit="999",
        other_quantities=(OtherQuantity(Decimal("1.0000001"), ""),),
    )
    problems = validate_permit(replace(form, table3=(bad,)), ISSUED)
    assert {(p.code, p.field) for p in problems} == {
        ("QUANTITY_NOT_POSITIVE", ("table3", 0, "quantity")),
        ("UNKNOWN_UNIT", ("table3", 0, "unit")),
        ("TOO_MANY_DECIMALS", ("table3", 0, "otherQuantities", 0, "amount")),
        ("REQUIRED", ("table3", 0, "otherQuantities", 0, "unitName")),
    }


def test_p5d_cost_only_in_tables_3_5_6_7() -> None:
    """Permit rules p.5(д): column 5 "Cost, RUB" exists in tables 3, 5, 6, 7 only."""
    form = valid_form()
    costed_loss = replace(form.table8[0], cost=Cost(Decimal("10.00")))
    problem = only(validate_permit(replace(form, table8=(costed_loss,)), ISSUED))
    assert (problem.code, problem.field) == ("COST_NOT_ALLOWED", ("table8", 0, "cost"))

    union = row("Соль", "2501009100", "5", costed=False)
    assert validate_permit(replace(form, table15_1=(union,)), ISSUED) == []
    union_costed = replace(union, cost=Cost(Decimal("10.00")))
    assert codes(validate_permit(replace(form, table15_1=(union_costed,)), ISSUED)) == [
        "COST_NOT_ALLOWED"
    ]

    uncosted = replace(form.table5[0], cost=None)
    problem = only(validate_permit(replace(form, table5=(uncosted,)), ISSUED))
    assert (problem.code, problem.field) == ("REQUIRED", ("table5", 0, "cost"))


def test_p5d_cost_in_roubles_with_central_bank_rate_on_issue_date() -> None:
    """Permit rules p.5(д): the cost is in roubles with the Central Bank's rate of the
    foreign currency on the issue date; a rouble contract has no rate."""
    form = valid_form()

    def with_cost(cost: Cost) -> list[Problem]:
        return validate_permit(replace(form, table3=(replace(form.table3[0], cost=cost),)), ISSUED)

    assert with_cost(Cost(Decimal("90501200.00"))) == []
    assert with_cost(Cost(Decimal("90501200.00"), "USD", Decimal("90.5012"), ISSUED)) == []
    cases = {
        "RATE_MISSING": Cost(Decimal("1.00"), "USD"),
        "RATE_NOT_ALLOWED": Cost(Decimal("1.00"), "RUB", Decimal("1")),
        "RATE_NOT_POSITIVE": Cost(Decimal("1.00"), "EUR", Decimal("0")),
        "RATE_DATE_NOT_ISSUE_DATE": Cost(Decimal("1.00"), "EUR", Decimal("99"), date(2027, 3, 14)),
        "INVALID_CURRENCY": Cost(Decimal("1.00"), "usd", Decimal("90")),
        "VALUE_NOT_POSITIVE": Cost(Decimal("0"), "RUB"),
        "TOO_MANY_DECIMALS": Cost(Decimal("1.001"), "RUB"),
    }
    for code, cost in cases.items():
        problem = only(with_cost(cost))
        assert problem.code == code
        assert problem.field[:3] == ("table3", 0, "cost")


def test_p5e_customs_offices_only_in_tables_3_5_6_7() -> None:
    """Permit rules p.5(е): column 6 names the customs offices, in tables 3, 5, 6, 7 only."""
    form = valid_form()
    loss = replace(form.table8[0], customs_offices=(OFFICE,))
    problem = only(validate_permit(replace(form, table8=(loss,)), ISSUED))
    assert (problem.code, problem.field) == (
        "CUSTOMS_OFFICE_NOT_ALLOWED",
        ("table8", 0, "customsOffices"),
    )

    no_office = replace(form.table6[0], customs_offices=())
    problem = only(validate_permit(replace(form, table6=(no_office,)), ISSUED))
    assert (problem.code, problem.field) == ("REQUIRED", ("table6", 0, "customsOffices"))

    posts = (CustomsOfficeRef("Т/п Морской порт"), CustomsOfficeRef("Т/п", "102160"))
    bad_code = replace(form.table5[0], customs_offices=posts)
    problem = only(validate_permit(replace(form, table5=(bad_code,)), ISSUED))
    assert problem.field == ("table5", 0, "customsOffices", 1, "code")


# --- p.6 yield norms ----------------------------------------------------------------------


def test_p6_norms_point_at_existing_rows() -> None:
    """Permit rules p.6: a norm links a row of table 3 to a row of table 5, 6, 7 or 8."""
    form = valid_form()
    norms = (
        norm(TableKind.PRODUCTS, "75", source=2),
        norm(TableKind.WASTE, "20", target=2),
        norm(TableKind.FOREIGN_GOODS, "5"),
        norm(TableKind.LOSSES, "5"),
    )
    problems = validate_permit(replace(form, yield_norms=norms), ISSUED)
    assert [(p.code, p.field) for p in problems] == [
        ("YIELD_ROW_NOT_FOUND", ("yieldNorms", 0, "sourceRow")),
        ("YIELD_ROW_NOT_FOUND", ("yieldNorms", 1, "targetRow")),
        ("YIELD_TABLE_NOT_ALLOWED", ("yieldNorms", 2, "targetTable")),
        ("YIELD_NORM_MISSING", ("table6", 0)),
    ]


def test_p6_every_product_waste_residue_loss_has_a_norm_once() -> None:
    """Permit rules p.6: point 4 gives the norm of each product, waste, residue and loss."""
    form = valid_form()
    problem = only(validate_permit(replace(form, yield_norms=form.yield_norms[:2]), ISSUED))
    assert (problem.code, problem.field) == ("YIELD_NORM_MISSING", ("table8", 0))
    twice = (*form.yield_norms, norm(TableKind.LOSSES, "5"))
    assert codes(validate_permit(replace(form, yield_norms=twice), ISSUED)) == [
        "YIELD_NORM_DUPLICATE",
        "YIELD_NORM_DUPLICATE",
    ]


def test_p6_percent_or_absolute() -> None:
    """Permit rules p.6: a norm is a percent or an absolute quantity (with its unit)."""
    form = valid_form()
    absolute = YieldNorm(1, TableKind.PRODUCTS, 1, NormKind.ABSOLUTE, Decimal("0.75"), unit=KG)
    good = replace(form, yield_norms=(absolute, *form.yield_norms[1:]))
    assert validate_permit(good, ISSUED) == []
    assert yield_balance_warnings(good) == []

    no_unit = replace(absolute, unit=None, per_quantity=Decimal(0))
    percent_unit = replace(form.yield_norms[1], unit=KG)
    zero = replace(form.yield_norms[2], value=Decimal(0))
    broken = replace(form, yield_norms=(no_unit, percent_unit, zero))
    problems = validate_permit(broken, ISSUED)
    assert [(p.code, p.field) for p in problems] == [
        ("REQUIRED", ("yieldNorms", 0, "unit")),
        ("QUANTITY_NOT_POSITIVE", ("yieldNorms", 0, "perQuantity")),
        ("YIELD_UNIT_NOT_ALLOWED", ("yieldNorms", 1, "unit")),
        ("QUANTITY_NOT_POSITIVE", ("yieldNorms", 2, "value")),
    ]
    assert "YIELD_PERCENT_BALANCE" not in codes(yield_balance_warnings(broken))  # no crash


def test_p6_range_only_for_processing_products() -> None:
    """Permit rules p.6, second paragraph: a min-max range only for processing products."""
    form = valid_form()
    product_range = norm(TableKind.PRODUCTS, "70", maximum="80")
    ranged = replace(form, yield_norms=(product_range, *form.yield_norms[1:]))
    assert validate_permit(ranged, ISSUED) == []

    waste_range = norm(TableKind.WASTE, "15", maximum="25")
    inverted = norm(TableKind.PRODUCTS, "80", maximum="70")
    problems = validate_permit(
        replace(form, yield_norms=(inverted, waste_range, form.yield_norms[2])), ISSUED
    )
    assert [(p.code, p.field) for p in problems] == [
        ("YIELD_RANGE_INVERTED", ("yieldNorms", 0, "maximum")),
        ("YIELD_RANGE_NOT_ALLOWED", ("yieldNorms", 1, "maximum")),
    ]


# --- p.7 waste procedure ------------------------------------------------------------------


def test_p7_exactly_one_of_6_1_and_6_2() -> None:
    """Permit rules p.7: 6.1 (procedure for the waste) or 6.2 (information later), one."""
    form = valid_form()
    both = WasteProcedure("реэкспорт", information_later=True)
    neither = WasteProcedure(" ")
    for waste in (both, neither):
        problem = only(validate_permit(replace(form, waste_procedure=waste), ISSUED))
        assert (problem.code, problem.field) == ("WASTE_PROCEDURE_CHOICE", ("wasteProcedure",))


def test_p7_information_later_without_waste_rows() -> None:
    """Permit rules p.7: 6.2 is for an applicant with no information on the waste yet (for
    example a repair), so table 6 lists none."""
    form = valid_form()
    later = WasteProcedure(information_later=True)
    assert codes(validate_permit(replace(form, waste_procedure=later), ISSUED)) == [
        "WASTE_INFORMATION_CONFLICT"
    ]
    repair = replace(
        form,
        waste_procedure=later,
        table6=(),
        yield_norms=(norm(TableKind.PRODUCTS, "95"), norm(TableKind.LOSSES, "5")),
    )
    assert validate_permit(repair, ISSUED) == []


# --- p.8 identification -------------------------------------------------------------------


def test_p8_at_least_one_identification_method_with_officers_actions() -> None:
    """Permit rules p.8: point 9 gives the identification method(s) (EAEU Customs Code
    art.167) with the customs officers' actions."""
    form = valid_form()
    problem = only(validate_permit(replace(form, identification=()), ISSUED))
    assert problem.code == "IDENTIFICATION_MISSING"
    vague = replace(form.identification[0], officer_actions="")
    problem = only(validate_permit(replace(form, identification=(vague,)), ISSUED))
    assert problem.field == ("identification", 0, "officerActions")


# --- p.9 term -----------------------------------------------------------------------------


def test_p9_term_in_whole_months_within_cap() -> None:
    """Permit rules p.9: the term is whole calendar months > 0; DESIGN caps it (36)."""
    form = valid_form()
    assert codes(validate_permit(replace(form, term=Term(0)), ISSUED)) == ["TERM_NOT_POSITIVE"]
    assert codes(validate_permit(replace(form, term=Term(37)), ISSUED)) == ["TERM_TOO_LONG"]
    assert validate_permit(replace(form, term=Term(37)), ISSUED, max_term_months=48) == []


def test_p9_start_and_end_fixed_at_first_placement() -> None:
    """Permit rules p.9: the officer writes the start and the end date (the same day of the
    last month, DESIGN "Term"); not before the issue."""
    form = valid_form()
    fixed = Term(12, date(2027, 4, 1), date(2028, 4, 1))
    assert validate_permit(replace(form, term=fixed), ISSUED) == []
    wrong_end = Term(12, date(2027, 4, 1), date(2028, 3, 31))
    problem = only(validate_permit(replace(form, term=wrong_end), ISSUED))
    assert (problem.code, problem.field) == ("TERM_END_MISMATCH", ("term", "endDate"))
    early = Term(12, date(2027, 3, 14), date(2028, 3, 14))
    assert codes(validate_permit(replace(form, term=early), ISSUED)) == ["TERM_START_BEFORE_ISSUE"]
    half = Term(12, date(2027, 4, 1))
    assert codes(validate_permit(replace(form, term=half), ISSUED)) == ["REQUIRED"]


def test_p9_extension_end_dates_do_not_drift() -> None:
    """Permit rules p.9: table 10.2, extensions in whole months with the new end date,
    computed from the start and the total months (DESIGN "Term")."""
    form = valid_form()
    start = date(2028, 1, 31)
    term = Term(1, start, date(2028, 2, 29), (Extension(2, date(2028, 4, 30)),))
    assert validate_permit(replace(form, term=term), date(2028, 1, 20)) == []
    drifted = replace(term, extensions=(Extension(2, date(2028, 4, 29)),))
    problem = only(validate_permit(replace(form, term=drifted), date(2028, 1, 20)))
    assert (problem.code, problem.field) == (
        "TERM_END_MISMATCH",
        ("term", "extensions", 0, "endDate"),
    )


def test_p9_extensions_need_a_fixed_term_and_respect_the_cap() -> None:
    """Permit rules p.9, DESIGN "Term": only a started term is extended, within the cap."""
    form = valid_form()
    unfixed = Term(12, extensions=(Extension(2, date(2028, 6, 1)),))
    assert codes(validate_permit(replace(form, term=unfixed), ISSUED)) == ["TERM_NOT_FIXED"]
    start = date(2027, 4, 1)
    too_long = Term(
        24,
        start,
        date(2029, 4, 1),
        (Extension(12, date(2030, 4, 1)), Extension(1, date(2030, 5, 1))),
    )
    problem = only(validate_permit(replace(form, term=too_long), ISSUED))
    assert (problem.code, problem.field) == ("TERM_TOO_LONG", ("term", "extensions", 1, "months"))
    zero = Term(12, start, date(2028, 4, 1), (Extension(0, date(2028, 4, 1)),))
    problem = only(validate_permit(replace(form, term=zero), ISSUED))
    assert problem.field == ("term", "extensions", 0, "months")


# --- beyond the rules: quantities against the norms ---------------------------------------


def test_p5g_quantities_disagreeing_with_norms_are_warned() -> None:
    """Permit rules p.5(г): quantities follow the yield norms; a mismatch is a warning with
    the figures, not an error."""
    form = valid_form()
    less_flour = replace(form, table5=(replace(form.table5[0], quantity=Decimal(700)),))
    assert validate_permit(less_flour, ISSUED) == []
    warning = only(yield_balance_warnings(less_flour))
    assert (warning.code, warning.field) == ("YIELD_QUANTITY_MISMATCH", ("table5", 0, "quantity"))
    assert "750" in warning.message
    assert "700" in warning.message


def test_p5g_yield_check_converts_units_and_ranges() -> None:
    """Permit rules p.5(г), p.6: units of one family convert (domain.units); a range gives
    an interval; others cannot be compared."""
    form = valid_form()
    in_tonnes = replace(form, table3=(replace(form.table3[0], quantity=Decimal(1), unit=T),))
    assert yield_balance_warnings(in_tonnes) == []
    ranged = replace(
        form,
        yield_norms=(norm(TableKind.PRODUCTS, "70", maximum="80"), *form.yield_norms[1:]),
        table5=(replace(form.table5[0], quantity=Decimal(790)),),
    )
    assert yield_balance_warnings(ranged) == []
    in_pieces = replace(form, table5=(replace(form.table5[0], unit=PCS),))
    assert codes(yield_balance_warnings(in_pieces)) == ["YIELD_UNITS_INCOMPARABLE"]


def test_p5g_yield_check_rounds_to_the_written_precision() -> None:
    """Permit rules p.5(г): 33.33 kg agrees with a third of 100 kg (absolute norm per 3 kg)."""
    form = valid_form()
    third = YieldNorm(
        1, TableKind.PRODUCTS, 1, NormKind.ABSOLUTE, Decimal(1), unit=KG, per_quantity=Decimal(3)
    )
    checked = replace(
        form,
        table3=(replace(form.table3[0], quantity=Decimal(100)),),
        table5=(replace(form.table5[0], quantity=Decimal("33.33")),),
        table6=(replace(form.table6[0], quantity=Decimal("20")),),
        table8=(replace(form.table8[0], quantity=Decimal("5")),),
        yield_norms=(third, *form.yield_norms[1:]),
    )
    assert yield_balance_warnings(checked) == []


def test_p6_percent_norms_of_one_source_add_up_to_100() -> None:
    """Permit rules p.6 (DESIGN balance): products, waste, residues and losses from one
    foreign good account for all of it; an unused foreign good is reported."""
    form = valid_form()
    short = replace(
        form,
        yield_norms=(norm(TableKind.PRODUCTS, "70"), *form.yield_norms[1:]),
        table5=(replace(form.table5[0], quantity=Decimal(700)),),
    )
    warning = only(yield_balance_warnings(short))
    assert (warning.code, warning.field) == ("YIELD_PERCENT_BALANCE", ("table3", 0))
    assert "95" in warning.message

    second = replace(form.table3[0], name="Рожь", hs_code="1002900000")
    unused = replace(form, table3=(replace(form.table3[0], number=1), replace(second, number=2)))
    assert [(w.code, w.field) for w in yield_balance_warnings(unused)] == [
        ("YIELD_SOURCE_UNUSED", ("table3", 1))
    ]
