"""Words for counts: the one pluraliser for pages, e-mails and flashes."""

from __future__ import annotations


def plural(word: str, count: int | None, plural_form: str | None = None) -> str:
    """The word for this many things: 1 mentor, 2 mentors (or the given plural)."""
    return word if count == 1 else (plural_form or f"{word}s")


def count_words(count: int, word: str, plural_form: str | None = None) -> str:
    """'1 participant', '2 participants': the count with the word that fits it."""
    return f"{count} {plural(word, count, plural_form)}"
