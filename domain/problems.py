"""The value every validating rule returns: a list of problems, empty when all is well."""

from __future__ import annotations

from dataclasses import dataclass

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input or a requested operation.

    ``code`` is stable (clients switch on it); ``message`` is for people; ``field`` is
    the path of the offending input field, e.g. ``("lines", 0, "quantityLimit")``.
    """

    code: str
    message: str
    field: FieldPath = ()

    def under(self, *prefix: str | int) -> Problem:
        """The same problem with its field path nested under ``prefix``."""
        return Problem(self.code, self.message, (*prefix, *self.field))


class RuleViolation(Exception):
    """Raised by rules that decide an operation cannot proceed; carries the problems."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems

    @classmethod
    def raise_if(cls, problems: list[Problem]) -> None:
        """Turn a check's result into a refusal: raise when it found any problem."""
        if problems:
            raise cls(problems)
