"""Pure domain rules of the customs control API.

No web, GraphQL or database imports live here: every rule is a plain function over
plain values, named after what it decides, with the point of the regulation it
implements in its docstring (``Order 1907 p.8``, ``Permit rules p.5``, or ``DESIGN``
for a decision recorded in ../shared/DESIGN.md).  Each rule has a unit test in
``tests/domain`` that cites the same point.

Modules:
    problems    the Problem value returned by every validating rule
    numbers     exact decimal quantities and money (scale limits, parsing)
    codes       HS codes, customs office codes, INNs
    units       OKEI units and their exact conversions
    licences    licence registry rules (Order 1907 p.2-3)
    declarations  declaration numbers, kinds, lifecycle, release deadline (p.4, p.11-12)
    control     comparing declaration items with licence lines (p.6, DESIGN)
    accounting  write-off, annulment, actualisation, release, refusal, ledger hash chain,
                automatic mode (p.4, p.7-13)
    permits     the processing permit form, its validation, numbering, terms, lifecycle
                (Permit rules p.1-9)
"""
