"""Check a SPARQL request before any store sees it, and say plainly why one is refused.

The query is read token by token (``lexer``), in linear passes (one, plus one per level of
nested ambiguous '<', at most ``lexer.MAX_READINGS``) that no query can make slow or deep:
a ``SERVICE`` would make the store fetch a URL, ``FROM`` could name a graph on the web or a
private one, and any update would change a read-only service. The grammar itself is
checked by the engine, in a worker process that the timeout stops. Size and nesting are capped
first, because Oxigraph's parser recurses once per nesting level and can overflow its stack.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from .lexer import Token, TooAmbiguous, readings, tokens, unescape_codepoints

DEFAULT_MAX_QUERY_BYTES = 100_000
DEFAULT_MAX_NESTING = 20  # far below the depth at which Oxigraph's parser runs out of stack

_QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)


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
    unescaped = unescape_codepoints(text)
    try:
        every_reading = readings(unescaped)
    except TooAmbiguous as error:
        raise Refused(400, f"the query cannot be checked: {error}") from None
    found = every_reading[0]
    position, prefixes, base = _prologue(found)
    if position == len(found):
        raise Refused(400, "the query is not valid SPARQL 1.1: it has no SELECT, ASK, CONSTRUCT or DESCRIBE")
    first = found[position]
    if first.kind == "keyword" and first.text in _UPDATE_WORDS:
        raise Refused(*_update_refusal(text))
    if first.kind != "keyword" or first.text not in _QUERY_FORMS:
        raise Refused(
            400,
            f"the query is not valid SPARQL 1.1: line {first.line}, column {first.column}: a query "
            f"begins with SELECT, ASK, CONSTRUCT or DESCRIBE (after any BASE and PREFIX), not "
            f"'{first.text}'",
        )
    default: list[str] = []
    named: list[str] = []
    for reading in every_reading:  # whichever way the engine reads the text, it is refused
        if any(token.kind == "keyword" and token.text == "SERVICE" for token in reading):
            raise Refused(400, "SERVICE is not allowed: this service never sends requests to other servers")
        graphs, named_graphs = _dataset_clauses(reading, prefixes, base)
        default += [g for g in graphs if g not in default]
        named += [g for g in named_graphs if g not in named]
    return CheckedQuery(text, first.text, tuple(default), tuple(named))


def _prologue(found: list[Token]) -> tuple[int, dict[str, str], str | None]:
    """Where the prologue's BASE and PREFIX declarations end, and what they declare."""
    position, prefixes, base = 0, {}, None
    while position < len(found) and found[position].kind == "keyword":
        word = found[position].text
        if word == "BASE" and _kinds(found, position + 1, "iri"):
            base = _resolve(found[position + 1].text, base)
            position += 2
        elif word == "PREFIX" and _kinds(found, position + 1, "name", "iri"):
            prefixes[found[position + 1].text.rstrip(":")] = _resolve(found[position + 2].text, base)
            position += 3
        else:
            break
    return position, prefixes, base


def _dataset_clauses(
    found: list[Token], prefixes: dict[str, str], base: str | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The graphs of the query's FROM and FROM NAMED clauses, as absolute IRIs."""
    default: list[str] = []
    named: list[str] = []
    for index, token in enumerate(found):
        if token.kind != "keyword" or token.text != "FROM":
            continue
        into, target = default, index + 1
        if _kinds(found, target, "keyword") and found[target].text == "NAMED":
            into, target = named, target + 1
        if target >= len(found):
            continue  # the engine reports the incomplete clause
        graph = found[target]
        if graph.kind == "iri":
            into.append(_resolve(graph.text, base))
        elif graph.kind == "name":
            prefix, _, local = graph.text.partition(":")
            into.append(prefixes[prefix] + local if prefix in prefixes else graph.text)
    return tuple(default), tuple(named)


def _kinds(found: list[Token], start: int, *kinds: str) -> bool:
    window = found[start : start + len(kinds)]
    return len(window) == len(kinds) and all(t.kind == k for t, k in zip(window, kinds, strict=True))


def _resolve(iri: str, base: str | None) -> str:
    return iri if base is None or urlsplit(iri).scheme else urljoin(base, iri)


def _update_refusal(text: str) -> tuple[int, str]:
    words = {t.text for t in tokens(unescape_codepoints(text)) if t.kind == "keyword"}
    if "LOAD" in words:
        return 400, "LOAD is not allowed: this service never fetches from the web, and it is read-only"
    return 403, "this SPARQL endpoint is read-only: updates (INSERT, DELETE, LOAD, CLEAR ...) are refused"


@lru_cache(maxsize=512)
def nesting_depth(text: str) -> int:
    """The deepest nesting of ``{`` and ``(``, outside strings, IRIs and comments."""
    depth = deepest = 0
    for token in tokens(text):
        if token.kind != "punct":
            continue
        if token.text in "{(":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest
