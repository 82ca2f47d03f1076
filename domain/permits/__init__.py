"""Processing permits (Permit rules p.1-p.9, DESIGN Part B).

Modules:
    form        the permit form as plain dataclasses
    validation  validate_permit (one function per rule) and yield_balance_warnings
    numbering   the registration number CCCCCCCC/DDMMYY/51/SEQ (p.2)
    terms       the processing term in months and its extensions (p.9)
    lifecycle   statuses and the operations allowed in each
"""
