"""Split SPARQL text into the tokens the guard needs, in one linear pass.

SPARQL keywords are reserved words, so a keyword token outside strings, IRIs and comments is
that keyword and nothing else (``ex:service`` is a prefixed name, ``?service`` a variable).
Codepoint escapes (``\\u0053``) are undone first, as the SPARQL 1.1 grammar says (section 19.2),
so that an escaped keyword is seen as the engine will see it. The full grammar is checked by
the engine itself, in a worker the timeout can stop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# A word: a keyword, or (with a colon) a prefixed name or blank node label.
_WORD = re.compile(r"[^\W\d][\w\-]*(?:\.[\w\-]+)*(?::[\w\-.%\\]*)?|_:[\w\-.]+|:[\w\-.%\\]*", re.UNICODE)
_VARIABLE = re.compile(r"[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]*", re.UNICODE)
_NUMBER = re.compile(r"[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?")
_LANGUAGE_TAG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")  # "x"@service is a tag, not a keyword
# An IRI: '<', then none of the characters an IRI may not hold, then '>'. A match stops at the
# next '<', so the attempts from all the '<' of a text read each character once in all.
_IRI = re.compile(r"<[^ \t\n\"{}|^`\\<>]*>")
#: How many times ambiguous '<' spans may be read again (see ``readings``); real queries need
#: one or two, and each takes a pass over the text.
MAX_READINGS = 8


class TooAmbiguous(ValueError):
    """The query's '<' signs can be read in more ways than the guard will try."""


@dataclass(frozen=True)
class Token:
    kind: str  # "keyword", "name" (prefixed name or blank node), "iri", or "punct"
    text: str  # a keyword in upper case; an IRI without its brackets
    line: int
    column: int
    offset: int  # where the token starts in the text


def unescape_codepoints(text: str) -> str:
    """The text with ``\\uXXXX`` and ``\\UXXXXXXXX`` replaced by the characters they stand for."""

    def character(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return _CODEPOINT.sub(character, text)


def tokens(text: str) -> list[Token]:
    """Keywords, names, IRIs and brackets of ``text``; strings, variables, numbers and comments
    are skipped. Malformed text is not an error here: the engine's parser reports it."""
    found: list[Token] = []
    index, length = 0, len(text)
    line, line_start = 1, 0
    while index < length:
        char = text[index]
        if char == "\n":
            line, line_start = line + 1, index + 1
            index += 1
        elif char.isspace():
            index += 1
        elif char == "#":
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
        elif char in "\"'":
            end = _string_end(text, index)
            newlines = text.count("\n", index, end)
            if newlines:
                line, line_start = line + newlines, text.rindex("\n", index, end) + 1
            index = end
        elif char == "<" and (iri := _IRI.match(text, index)):
            end = iri.end() - 1
            found.append(Token("iri", text[index + 1 : end], line, index - line_start + 1, index))
            index = end + 1
        elif char in "?$":
            index = _skip(_VARIABLE, text, index)
        elif char == "@":
            index = _skip(_LANGUAGE_TAG, text, index)
        elif char.isdigit():
            index = _skip(_NUMBER, text, index)
        else:
            match = _WORD.match(text, index)
            if match:
                word = match.group(0)
                is_name = ":" in word
                kind, shown = ("name", word) if is_name else ("keyword", word.upper())
                found.append(Token(kind, shown, line, index - line_start + 1, index))
                index = match.end()
            else:
                if char in "{}()":
                    found.append(Token("punct", char, line, index - line_start + 1, index))
                index += 1
    return found


def readings(text: str) -> list[list[Token]]:
    """The tokens of ``text``, and of each other way its ambiguous '<' can be read.

    ``?a<1)`` ... ``>`` is an IRI to a lexer, but a parser reading an expression sees a
    less-than sign, and then the text up to '>' as query text. An expression is always inside
    parentheses, so only a span holding ')' can hide query text; such spans are read both ways.
    Opening one span can reveal another; past MAX_READINGS readings, TooAmbiguous.
    """
    found = tokens(text)
    all_readings = [found]
    characters = list(text)
    while True:
        ambiguous = [t.offset for t in all_readings[-1] if t.kind == "iri" and ")" in t.text]
        if not ambiguous:
            return all_readings
        if len(all_readings) > MAX_READINGS:
            raise TooAmbiguous(
                f"its '<' signs can be read as IRIs or as less-than in more than {MAX_READINGS} "
                "nested ways; put a space after each '<' that means less-than"
            )
        for offset in ambiguous:
            characters[offset] = " "
        all_readings.append(tokens("".join(characters)))


def _skip(pattern: re.Pattern, text: str, index: int) -> int:
    match = pattern.match(text, index)
    return match.end() if match and match.end() > index else index + 1


def _string_end(text: str, index: int) -> int:
    """The index just past the string literal opening at ``index`` (or the text's end)."""
    quote = text[index]
    closing = quote * 3 if text.startswith(quote * 3, index) else quote
    position = index + len(closing)
    while position < len(text) and not text.startswith(closing, position):
        if text[position] == "\\":
            position += 2
        elif len(closing) == 1 and text[position] == "\n":
            return position  # a short string cannot span lines: let the parser say so
        else:
            position += 1
    return min(len(text), position + len(closing))
