"""Processing permits (Permit rules p.1-p.9, DESIGN Part B).

Modules:
    form        the permit form as plain dataclasses
    validation  validate_permit (one function per rule) and yield_balance_warnings
    numbering   the registration number CCCCCCCC/DDMMYY/51/SEQ (p.2)
    terms       the processing term in months and its extensions (p.9)
    lifecycle   statuses, the operations allowed in each, the permit as it stands
    operations  what each operation decides: the value it writes, or the refusal
"""
