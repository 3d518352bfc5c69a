"""A member's stated terms: their own words, written to be shown, so checked like anything public. Pure.

Terms are quoted in the Why? of a decline aimed at their author. They may not ping anyone (user, role,
channel, @everyone/@here) nor carry a link or an invite, however disguised (full-width letters,
zero-width characters, "discord . gg"), and are at most MAX_TERMS characters on one line.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TERMS = 200
_ALLOWED_FORMAT = {"\u200d", "\ufe0f"}  # emoji joiner and presentation selector
_MENTION = re.compile(r"<(?:@[!&]?|#|/[^>]*:)\d+>|@(?:everyone|here)\b", re.IGNORECASE)
_LINK = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.|discord(?:app)?\s*\.\s*(?:gg|com\s*/\s*invite|me|io|li)\b"
    r"|\b[a-z0-9-]+\s?\.\s?(?:com|net|org|gg|io|me|ly|co|xyz|tv|app|link|site|info|biz|ru|de|uk|us|be|to|cc)\b)",
    re.IGNORECASE,
)


class TermsError(ValueError):
    """Why some terms cannot be saved, phrased for the member who wrote them."""


def check_terms(text: str) -> str:
    """The terms as they will be shown (whitespace folded to single spaces), or TermsError saying why not."""
    if any(unicodedata.category(ch) == "Cf" and ch not in _ALLOWED_FORMAT for ch in text):
        raise TermsError("Your terms contain invisible formatting characters; please type them plainly.")
    if any(unicodedata.category(ch) in {"Cc", "Co", "Cs", "Cn"} and not ch.isspace() for ch in text):
        raise TermsError("Your terms contain characters that can't be shown; please type them plainly.")
    folded = " ".join(text.split())
    if not folded:
        raise TermsError("Your terms are empty: write a sentence or two, or use /terms clear.")
    if len(folded) > MAX_TERMS:
        raise TermsError(f"Your terms are {len(folded)} characters long; the limit is {MAX_TERMS}.")
    plain = unicodedata.normalize("NFKC", folded)
    if _MENTION.search(plain):
        raise TermsError("Your terms can't mention or ping anyone (people, roles, channels, @everyone).")
    if _LINK.search(plain):
        raise TermsError("Your terms can't contain links or invites: say what you follow in your own words.")
    return folded


def shown_terms(stored: str | None) -> str | None:
    """Stored terms, only if they still pass today's checks (older versions may have checked less)."""
    if stored is None:
        return None
    try:
        return check_terms(stored)
    except TermsError:
        return None
