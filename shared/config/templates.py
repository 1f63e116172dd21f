"""Name templates such as ``{CUSTOMER NAME} {CUSTOMER SEASON|AAG SEASON}``.

A field is ``{A}`` or ``{A|B|...}`` (the first non-blank of A, B, ...). After filling in, runs of white space
collapse to one space and the ends are trimmed, so a blank field never leaves a double space behind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_FIELD = re.compile(r"\{([^{}]*)\}")
_SPACES = re.compile(r"\s+")


class TemplateSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Template:
    text: str
    # Each field is the tuple of its alternatives, in order.
    fields: tuple[tuple[str, ...], ...]

    @classmethod
    def parse(cls, text: str) -> Template:
        if not isinstance(text, str) or not text.strip():
            raise TemplateSyntaxError("must be a non-empty string")
        fields = []
        for match in _FIELD.finditer(text):
            alternatives = tuple(_SPACES.sub(" ", a).strip() for a in match.group(1).split("|"))
            if not all(alternatives):
                raise TemplateSyntaxError(f"empty column name in {match.group(0)!r}")
            fields.append(alternatives)
        if "{" in _FIELD.sub("", text) or "}" in _FIELD.sub("", text):
            raise TemplateSyntaxError(f"unbalanced braces in {text!r}")
        return cls(text, tuple(fields))

    @property
    def columns(self) -> set[str]:
        return {name for alternatives in self.fields for name in alternatives}

    def render(self, values: Mapping[str, object]) -> str:
        fields = iter(self.fields)  # parse() read them from these same matches, in this order

        def fill(_match: re.Match) -> str:
            for name in next(fields):
                value = values.get(name)
                if value is not None and str(value).strip():
                    return str(value)
            return ""

        return _SPACES.sub(" ", _FIELD.sub(fill, self.text)).strip()
