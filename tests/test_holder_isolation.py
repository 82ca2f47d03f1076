"""DESIGN "Holder": a DECLARANT key learns nothing of another holder's licence, not even
that it exists.  Its dry run (previewDeclaration) and the control it sets off (a
correction) read licences through the access policy, so another holder's licence answers
exactly as a number never received: LICENCE_UNKNOWN, with no figures, no holder INN and
no line names.  An officer's control still finds the holder mismatch."""

from __future__ import annotations

import json
from typing import Any

from tests.support.api import HOLDER_INN, OTHER_INN, Api
from tests.support.declarations import (
    CONTROL,
    CORRECT,
    declaration_input,
    declaration_number,
    item,
    new_license,
    op,
    register,
)
from tests.support.licenses import unique

PREVIEW = """query($d: DeclarationInput!) {
  previewDeclaration(declaration: $d) {
    inputErrors { code message field }
    discrepancies { code itemNo message affectsRestrictions fixable licenseNumber lineNo }
    accountingRequired
    plannedEntries { licenseNumber lineNo itemNo operation quantity value }
    accountingErrors { code message field }
  }
}"""


def draft(license: str, number: str) -> dict[str, Any]:
    """OTHER_INN's declaration of two items on ``license`` (lines 1 and 2)."""
    items = [
        item(license, 1, "1"),
        item(license, 2, "5", itemNo=2, name="Медная проволока", hsCode="7408110000", unit="166"),
    ]
    return declaration_input(items, number=number, declarantInn=OTHER_INN)


async def preview(api: Api, declaration: dict[str, Any], role: str) -> dict[str, Any]:
    body = await api.data(PREVIEW, {"d": declaration}, role=role)
    result: dict[str, Any] = body["previewDeclaration"]
    return result


def without(answer: dict[str, Any], *texts: str) -> str:
    """The answer as text with each of ``texts`` replaced by one placeholder."""
    text = json.dumps(answer, ensure_ascii=False, sort_keys=True)
    for one in texts:
        text = text.replace(one, "<licence>")
    return text


async def test_preview_of_another_holders_license_answers_as_an_unknown_number(api: Api) -> None:
    theirs = await new_license(api)  # held by HOLDER_INN
    never_received = unique("RU-EX")
    number = declaration_number()

    seen = await preview(api, draft(theirs, number), role="OTHER_DECLARANT")
    unknown = await preview(api, draft(never_received, number), role="OTHER_DECLARANT")

    assert without(seen, theirs) == without(unknown, never_received)
    assert [d["code"] for d in seen["discrepancies"]] == ["LICENCE_UNKNOWN", "LICENCE_UNKNOWN"]
    assert seen["plannedEntries"] == []
    text = without(seen, theirs)
    for secret in (HOLDER_INN, "Трансформаторы силовые", 'Медная проволока"', "100", "1500"):
        assert secret not in text, secret

    # An officer (and the holder itself) see the licence: the holder mismatch and figures.
    officer = await preview(api, draft(theirs, number), role="OFFICER")
    assert {d["code"] for d in officer["discrepancies"]} == {"HOLDER_MISMATCH"}
    own = declaration_input([item(theirs, 1, "1")], number=number)
    holder = await preview(api, own, role="DECLARANT")
    assert (holder["discrepancies"], len(holder["plannedEntries"])) == ([], 1)


async def test_a_declarants_correction_controls_on_what_it_may_see(api: Api) -> None:
    """A correction runs control again (DESIGN "Corrections") for the DECLARANT who sent
    it: on another holder's licence it finds LICENCE_UNKNOWN; an officer's control of the
    same declaration finds HOLDER_MISMATCH."""
    theirs = await new_license(api)
    declaration = draft(theirs, declaration_number())
    payload = await register(api, declaration, role="OTHER_DECLARANT")
    assert payload["userErrors"] == [], payload
    number = payload["declaration"]["number"]

    corrected = await op(
        api,
        CORRECT,
        {"number": number, "items": declaration["items"][:1], "reason": "одна позиция"},
        role="OTHER_DECLARANT",
    )
    assert corrected["userErrors"] == [], corrected
    found = corrected["declaration"]["discrepancies"]
    assert [d["code"] for d in found] == ["LICENCE_UNKNOWN"]
    assert HOLDER_INN not in json.dumps(found)

    controlled = await op(api, CONTROL, {"number": number})
    assert [d["code"] for d in controlled["declaration"]["discrepancies"]] == ["HOLDER_MISMATCH"]
