"""RDF terms written as N-Triples strings, and SPARQL's comparisons between them.

The dataset code keeps every term as its N-Triples text (``<iri>``, ``"text"``,
``"1.5"^^<...#decimal>``, ``_:b0``): cheap to build, hash and compare for identity. This module
reads those strings back as values where SPARQL compares values, for both of the compiled
engine's evaluators (core constraints and SPARQL constraints).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = f"{XSD}string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
NUMERIC = {f"{XSD}decimal", f"{XSD}integer", f"{XSD}double", f"{XSD}float"}

_ESCAPE = re.compile(r"\\(.)")
_LITERAL = re.compile(r'^"(.*)"(?:\^\^<([^>]+)>|@([\w-]+))?$', re.S)
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_DOUBLE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN")
_DATETIME = re.compile(r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


_UNESCAPED = {"n": "\n", "r": "\r", "t": "\t"}


class TermError(Exception):
    """SPARQL's type error: the operation has no answer for these terms."""


@lru_cache(maxsize=65536)
def literal(term: str) -> tuple[str, str, str] | None:
    """(lexical form, datatype IRI, language) of a literal term; None for an IRI or blank node."""
    match = _LITERAL.match(term)
    if match is None:
        return None
    lexical = _ESCAPE.sub(lambda m: _UNESCAPED.get(m.group(1), m.group(1)), match.group(1))
    if match.group(3):
        return lexical, LANG_STRING, match.group(3).lower()
    return lexical, match.group(2) or XSD_STRING, ""


def lexical(term: str) -> str:
    """A literal's lexical form, an IRI without its brackets, a blank node without its ``_:``."""
    parsed = literal(term)
    if parsed is not None:
        return parsed[0]
    if term.startswith("<"):
        return term[1:-1]
    return term[2:] if term.startswith("_:") else term


def string_term(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def decimal_or_none(text: str) -> Decimal | None:
    if not _DECIMAL.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def datetime_or_none(text: str) -> datetime | None:
    if not _DATETIME.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


VALIDATORS: dict[str, Callable[[str], bool]] = {
    f"{XSD}decimal": lambda text: decimal_or_none(text) is not None,
    f"{XSD}integer": lambda text: re.fullmatch(r"[+-]?\d+", text) is not None,
    f"{XSD}dateTime": lambda text: datetime_or_none(text) is not None,
    f"{XSD}boolean": lambda text: text in ("true", "false", "1", "0"),
}


def _number(lexical_form: str, datatype: str) -> Decimal | float:
    if datatype in (f"{XSD}double", f"{XSD}float"):
        if not _DOUBLE.fullmatch(lexical_form):
            raise TermError
        return float(lexical_form.replace("INF", "inf"))
    number = decimal_or_none(lexical_form)
    if number is None or (datatype == f"{XSD}integer" and not re.fullmatch(r"[+-]?\d+", lexical_form)):
        raise TermError
    return number


def compare(left: str, right: str) -> int:
    """SPARQL's ordering of two literals (-1, 0 or 1); TermError where they cannot be ordered."""
    a, b = literal(left), literal(right)
    if a is None or b is None:
        raise TermError
    if a[1] in NUMERIC and b[1] in NUMERIC:
        x, y = _number(a[0], a[1]), _number(b[0], b[1])
        if isinstance(x, float) or isinstance(y, float):
            x, y = float(x), float(y)
        return (x > y) - (x < y)
    if a[1] == b[1] == f"{XSD}dateTime":
        s, t = datetime_or_none(a[0]), datetime_or_none(b[0])
        if s is None or t is None or (s.tzinfo is None) != (t.tzinfo is None):
            raise TermError
        return (s > t) - (s < t)
    if a[1] == b[1] == XSD_STRING or a[1] == b[1] == f"{XSD}boolean":
        x, y = a[0], b[0]
        if a[1] != XSD_STRING:
            x, y = x in ("true", "1"), y in ("true", "1")
        return (x > y) - (x < y)
    raise TermError


def equal(left: str, right: str) -> bool:
    """SPARQL's ``=``: by value for literals it knows, else term identity; TermError if unknowable."""
    if left == right:
        return True
    a, b = literal(left), literal(right)
    if a is None or b is None:
        return False  # an IRI or blank node equals only itself
    if a[1] == b[1] == LANG_STRING:
        return a[0] == b[0] and a[2] == b[2]
    try:
        return compare(left, right) == 0
    except TermError:
        if a[1] in _KNOWN and b[1] in _KNOWN and (a[1] != b[1] and not (a[1] in NUMERIC and b[1] in NUMERIC)):
            return False  # two well-understood datatypes that differ: different values
        raise


_KNOWN = NUMERIC | {XSD_STRING, LANG_STRING, f"{XSD}boolean", f"{XSD}dateTime"}


def less_or_equal(left: str, right: str) -> bool | None:
    """SPARQL's ``<=`` on two literal terms; None where they cannot be compared."""
    try:
        return compare(left, right) <= 0
    except TermError:
        return None


def same_value(lexical_form: str, canonical: str) -> bool:
    if lexical_form == canonical:
        return True
    left, right = decimal_or_none(lexical_form), decimal_or_none(canonical)
    return left is not None and left == right
