"""Check a SPARQL request before any store sees it, and say plainly why one is refused.

A query is parsed (rdflib's SPARQL 1.1 parser) and its parse tree inspected, never string
matched: a ``SERVICE`` would make the store fetch a URL, ``FROM`` could name a graph on the web
or a private one, and any update would change a read-only service. Size and nesting are capped
before parsing, because the parser recurses once per nesting level and Oxigraph can overflow
its stack on deep nesting. Parses are cached, since tools send the same queries again and again.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from pyparsing import ParseException
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

# rdflib's parser (pyparsing) keeps state while it parses: two threads parsing at once corrupt
# each other's parse, so parses take turns (a cached parse needs no turn).
_PARSER = threading.Lock()

DEFAULT_MAX_QUERY_BYTES = 100_000
DEFAULT_MAX_NESTING = 20  # rdflib's parser runs out of stack a little past 30 parentheses


class Refused(Exception):
    """A request the service will not run; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class CheckedQuery:
    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    from_graphs: tuple[str, ...]  # FROM
    from_named: tuple[str, ...]  # FROM NAMED


def check_query(
    text: str,
    public_graphs: Collection[str],
    max_bytes: int = DEFAULT_MAX_QUERY_BYTES,
    max_nesting: int = DEFAULT_MAX_NESTING,
) -> CheckedQuery:
    """The query, checked; Refused (400, 403 or 413) with a message a person can act on."""
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise Refused(
            413,
            f"the query is {size:,} bytes long; this service accepts queries of up to {max_bytes:,} bytes",
        )
    depth = nesting_depth(text)
    if depth > max_nesting:
        raise Refused(
            400,
            f"the query nests brackets {depth} deep; this service accepts up to {max_nesting} levels",
        )
    checked = _parsed(text)
    for graph in (*checked.from_graphs, *checked.from_named):
        if graph not in public_graphs:
            raise Refused(
                400,
                f"FROM <{graph}>: this service reads only its own graphs and never fetches from "
                f"the web; the graphs are {', '.join(f'<{g}>' for g in sorted(public_graphs))}",
            )
    return checked


def refuse_update(text: str) -> None:
    """An update sent as an update (``update=`` or application/sparql-update): always refused."""
    raise Refused(*_update_refusal(text))


@lru_cache(maxsize=512)
def _parsed(text: str) -> CheckedQuery:
    try:
        with _PARSER:
            tree = parseQuery(text)
    except ParseException as exc:
        if _is_update(text):
            raise Refused(*_update_refusal(text)) from None
        raise Refused(400, f"the query is not valid SPARQL 1.1: {_parse_message(exc)}") from None
    except RecursionError:
        raise Refused(400, "the query nests too deeply to be read") from None
    query = tree[1]
    if _contains(query, "ServiceGraphPattern"):
        raise Refused(400, "SERVICE is not allowed: this service never sends requests to other servers")
    datasets = query.get("datasetClause") or []
    return CheckedQuery(
        text,
        query.name.removesuffix("Query").upper(),
        tuple(str(d["default"]) for d in datasets if "default" in d),
        tuple(str(d["named"]) for d in datasets if "named" in d),
    )


def _is_update(text: str) -> bool:
    try:
        with _PARSER:
            parseUpdate(text)
    except (ParseException, RecursionError):
        return False
    return True


def _update_refusal(text: str) -> tuple[int, str]:
    try:
        with _PARSER:
            tree = parseUpdate(text)
    except (ParseException, RecursionError):
        tree = None
    if tree is not None and _contains(tree, "Load"):
        return 400, "LOAD is not allowed: this service never fetches from the web, and it is read-only"
    return 403, "this SPARQL endpoint is read-only: updates (INSERT, DELETE, LOAD, CLEAR ...) are refused"


def _contains(node, name: str) -> bool:
    if isinstance(node, CompValue):
        return node.name == name or any(_contains(value, name) for value in node.values())
    if isinstance(node, (list, tuple)):
        return any(_contains(value, name) for value in node)
    return False


def _parse_message(exc: ParseException) -> str:
    return f"line {exc.lineno}, column {exc.col}: {exc.msg}; near '{exc.line.strip()[:80]}'"


@lru_cache(maxsize=512)
def nesting_depth(text: str) -> int:
    """The deepest nesting of ``{`` and ``(``, outside strings, IRIs and comments."""
    depth = deepest = 0
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "#":
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
        elif char in "\"'":
            long_quote = text.startswith(char * 3, index)
            closing = char * 3 if long_quote else char
            index += len(closing)
            while index < length and not text.startswith(closing, index):
                index += 2 if text[index] == "\\" else 1
            index += len(closing) - 1
        elif char == "<" and _iri_at(text, index):
            index = text.index(">", index)
        elif char in "{(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})":
            depth -= 1
        index += 1
    return deepest


def _iri_at(text: str, index: int) -> bool:
    """Whether the '<' at index opens an IRI (and not a less-than comparison)."""
    end = text.find(">", index)
    return end > index and not any(c in text[index + 1 : end] for c in ' \t\n"{}|^`\\<')
