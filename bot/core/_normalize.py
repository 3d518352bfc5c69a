"""Normalisation for detection: the words a reader sees, with markup and obfuscation taken out.

`normalize(text)` returns lowercase words separated by single spaces, with `|` standing alone between
clauses and `~` at soft breaks (an emoji, a hashtag: often a sentence end, never a word). What it
removes is not the author's own words (code, quotes, quotations) or not words at all (markup, links,
emoji, invisible characters); what it undoes is disguise (leetspeak, spaced letters, fullwidth forms,
lookalike letters, stretched letters). Each word is folded to one spelling, and other languages' common
forms to their English equivalent, so the rules read one language.

Speed: whole-text steps are precompiled regexes or `str.translate`, each skipped when a cheap test
shows it has nothing to do; per-word work is cached, since chat reuses the same few thousand words.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

from bot.core._detect_lexicon import PHRASES, words

# --- Discord markup and HTML -------------------------------------------------------------------------

_CODE_BLOCK = re.compile(r"```.*?```", re.S)
_INLINE_CODE = re.compile(r"``[^`]*``|`[^`\n]*`")
# A quote is someone else's words: "> " quotes a line, ">>> " everything after it.
_QUOTE_REST = re.compile(r"(?m)^[ \t]*>>>(?:[ \t]|$)[\s\S]*")
_QUOTE_LINE = re.compile(r"(?m)^[ \t]*>[ \t].*$")
_STRIKE = re.compile(r"~~.+?~~", re.S)  # struck out: retracted by its own author
_MASKED_LINK = re.compile(r"\[([^\]\n]{1,200})\]\(<?https?://[^)\s]+>?\)")
_DISCORD_TOKEN = re.compile(r"<(@[!&]?|#|a?:\w{1,64}:|t:|/[^:>]{1,64}:|id:)[\w:-]*>")
_TOKEN_WORD = {"@": " @user ", "@!": " @user ", "@&": " @role ", "#": " @chan ", "t:": " @time "}
_BLOCK_TAG = re.compile(r"<(?:br|p|div|li|tr|h[1-6])\b[^<>]*>|</(?:p|div|li|tr|h[1-6])>")
_INLINE_TAG = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]*)?/?>")
_TLD = r"(?:com|net|org|tv|gg|io|co|me|ly|be|us|uk|de|fr|es|br|id|app|xyz|to|link|ru|jp|info|eu|site|page|live|social)"
_URL_HINT = re.compile(rf"://|www\.|/watch|\.{_TLD}\b")
# A bare domain is matched from the start of its token, lazily: linear time even on "a.a.a.a...".
_URL = re.compile(rf"(?:https?://|www\.)\S+|/watch\?v=\S+|(?<!\S)\S*?\.{_TLD}\b\S*")


def _discord_token(match: re.Match[str]) -> str:
    kind = match.group(1)
    if kind in _TOKEN_WORD:
        return _TOKEN_WORD[kind]
    return " ~ " if kind.endswith(":") else " "  # a custom emoji is an emoji


def strip_markup(text: str) -> str:
    """Keep only what the author wrote in their own voice, with links and mentions as neutral tokens.

    Expects lowercase text (see `prepare`).
    """
    if "&" in text:
        text = html.unescape(text)
    if "`" in text:
        text = _INLINE_CODE.sub(" ", _CODE_BLOCK.sub(" | ", text))
    if ">" in text:
        text = _QUOTE_LINE.sub(" | ", _QUOTE_REST.sub(" | ", text))
    if "~~" in text:
        text = _STRIKE.sub(" ", text)
    if "](" in text:
        text = _MASKED_LINK.sub(r" ~ \1 ~ ", text)  # a link's title, set apart like a tag
    if "<" in text:
        text = _DISCORD_TOKEN.sub(_discord_token, text)
        text = _INLINE_TAG.sub("", _BLOCK_TAG.sub("\n", text))
    if _URL_HINT.search(text):
        text = _URL.sub(" @url ", text)
    if "_" in text:
        text = _IDENTIFIER.sub(" ", text)
    return text.replace("||", "")  # spoilers hide words, they do not change them


# snake_case names (QUICKMESSAGE_FOLLOW_ME, config keys) are code or game commands, nobody's voice;
# a handle or hashtag keeps its underscores, and spaced-out letters (f_o_l_l_o_w) are a disguise, not a name.
_IDENTIFIER = re.compile(r"(?<![@#\w])[a-z0-9]{2,}(?:_[a-z0-9]{2,})+\b")


# --- Unicode: invisible characters, compatibility forms, lookalikes, accents, emoji ------------------

_INVISIBLE = "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c" \
             "\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u3164\ufeff\uffa0"
_INVISIBLE_RUN = re.compile(f"[{_INVISIBLE}\ufe00-\ufe0f]+")  # and variation selectors
_QUOTE_TABLE: dict[int, str] = {
    **{ord(c): "'" for c in "\u2018\u2019\u201b\u02bc\u00b4\u2032"},
    **{ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033"},
}
_REGIONAL_RUN = re.compile("[\U0001f1e6-\U0001f1ff]{3,}")  # spelled with flag letters; a pair is one flag
_REGIONAL_TABLE = {0x1F1E6 + i: chr(ord("a") + i) for i in range(26)}

# Letters that only look Latin. Latin-script lookalikes (small capitals, dotless i) are always mapped;
# Cyrillic and Greek ones only inside words that are not wholly written in that script.
_LATIN_LOOKALIKES = dict(zip(
    "ıȷɑɡɩʟʀʏᴀʙᴄᴅᴇꜰɢʜɪᴊᴋᴍɴᴏᴘǫꜱᴛᴜᴠᴡᴢøłđħ",
    "ijagilryabcdefghijkmnopqstuvwzoldh",
    strict=True,
))
_SCRIPT_LOOKALIKES = dict(zip(
    "авеёкмнорстухіїјѕԁԛԝӏһαβεηικνορτυχωςѵ",
    "abeekmhopctyxiijsdqwlhabeniknoptuxwsv",
    strict=True,
))
_LATIN_TABLE = str.maketrans(_LATIN_LOOKALIKES)
_SCRIPT_TABLE = str.maketrans(_SCRIPT_LOOKALIKES)
_SCRIPT_HINT = re.compile("[\u0370-\u03ff\u0400-\u052f]")
_SCRIPT_WORD = re.compile(rf"[^\W\d_]*[{''.join(_SCRIPT_LOOKALIKES)}][^\W\d_]*")
_ACCENT_HINT = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u20d0-\u20ff]+")
_KEYCAP = re.compile("[0-9#*]\u20e3")  # 1️⃣ numbers a list item: a break, like an emoji
_SYMBOLS = re.compile(
    "[\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u2500-\u27bf\u2900-\u297f\u2b00-\u2bff\u3030\u303d\u3297\u3299"
    "\U0001f000-\U0001faff\U000e0000-\U000e007f\u2022\u00b7\u30fb]+"
)


def _unmask_script(match: re.Match[str]) -> str:
    word = match.group()
    if any("a" <= c <= "z" for c in word) or all(c in _SCRIPT_LOOKALIKES or c.isascii() for c in word):
        return word.translate(_SCRIPT_TABLE)
    return word  # a real Cyrillic or Greek word stays as written


def fold_unicode(text: str) -> str:
    """Text to what it looks like, lowercase: compatibility forms, lookalikes, no accents, emoji as `~`."""
    text = _INVISIBLE_RUN.sub("", text)
    if text.isascii():
        return text.lower()
    text = text.translate(_QUOTE_TABLE)
    if _REGIONAL_RUN.search(text):
        text = _REGIONAL_RUN.sub(lambda m: m.group().translate(_REGIONAL_TABLE), text)
    text = unicodedata.normalize("NFKC", text).lower().translate(_LATIN_TABLE)
    if _SCRIPT_HINT.search(text):
        text = _SCRIPT_WORD.sub(_unmask_script, text)
    if "\u20e3" in text:
        text = _KEYCAP.sub(" ~ ", text)
    if _ACCENT_HINT.search(text):
        text = unicodedata.normalize("NFD", text)
    text = _COMBINING.sub("", text)
    # Emoji end sentences as often as full stops do: a soft break (`~`), which the rules see through
    # when they read a verb's object ("follow 🙏 me") but not when they look for a sentence start.
    return _SYMBOLS.sub(" ~ ", text)


# --- Disguise: quoted words, spaced letters, leetspeak -----------------------------------------------

_QUOTED = re.compile(r'"[^"\n]{1,120}"')  # words in quotation marks are mentioned, not meant
_LINES = re.compile(r"[\r\n]+")
# Letters kept apart by separators inside one token: f.o.l.l.o.w, f.4.f, s-u-b.
_SPACED = re.compile(r"(?<![^\W_])[^\W_](?:[.\-_*~+/\\,]{1,3}[^\W_]){2,}(?![^\W_])")
_NOT_ALNUM = re.compile(r"[\W_]+")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_DIGIT_GROUP = re.compile(r"(?<=\d)[.,](?=\d)")  # 1.000 or 1,000 is one number, not two clauses
_LEET_TOKEN = re.compile(r"(?=[\w@$]*[0-9@$])(?=[\w@$]*[a-z])[\w@$]+")
# A number glued to a word: 100subs, bigboss286 (but plea53 is leet for please: only leet digits, short).
_NUMBER_EDGE = re.compile(r"^(\d{2,})(?=[a-z]{2})|(?<=[a-z]{2})(\d*[2689]\d*|\d{4,})$")
_LEET_TABLE = str.maketrans("01357@$", "oiestas")
_LEET_L = re.compile(r"(?<=[aeiouy])1(?=l)|(?<=l)1(?=[aeiouy])")  # fo1low, fol1ow; but l1nk, b1ll
# "4" stays a "for" between two follow words: f4f, s4s, sub4sub, follow4follow.
_FOR_SHAPE = re.compile(r"(?:f|s|l|a|sub+s?|fol+o*w+|like|add)4(?:f|s|l|a|sub+s?|fol+o*w+|like|add)")


def _join_spaced(match: re.Match[str]) -> str:
    return _NOT_ALNUM.sub("", match.group())


def _deleet(token: str) -> list[str]:
    """A word written with digits or symbols for letters, as letters: f0ll0w -> follow, 5ub -> sub."""
    if _NUMBER_EDGE.search(token):  # 100subs, bigboss286: a number glued to a word
        return [word for part in _NUMBER_EDGE.sub(r" \1\2 ", token).split() for word in _deleet(part)]
    letters = sum(c.isalpha() for c in token)
    if letters < 2 and not (token[0].isalpha() and len(token) <= 3):
        return [token]  # 3m, 10k, 4th: numbers with a unit, not disguised words
    token = _LEET_L.sub("l", token.replace("11", "ll")).translate(_LEET_TABLE)
    return [token if _FOR_SHAPE.fullmatch(token) else token.replace("4", "a")]


# --- Punctuation -------------------------------------------------------------------------------------

_PUNCT_SPLIT = re.compile(r"([^\w@#$~|]+)")
_BREAK_CHARS = frozenset(".!?;:,()[]{}\"<>|¡¿")


def _punctuation(run: str) -> tuple[str, ...]:
    """A run of punctuation as the reader takes it: a clause break, an "and", or nothing."""
    if len(run) > 1 and run.count(".") == len(run):
        return ()  # an ellipsis trails off; people also use it between every word
    if not _BREAK_CHARS.isdisjoint(run):
        return ("|",)
    return ("and",) if "&" in run or "+" in run else ()


# --- Words -------------------------------------------------------------------------------------------

_STRETCH = re.compile(r"([a-z])\1{2,}")
# Glued words: followme, subscribeplz, followback, follback, sub4sub.
_COMPOUND = re.compile(
    r"(?P<verb>fo+l+o*w+|subscribe|sub+|add)(?P<me>me+|us)?(?P<pl>plz|pls|please)?(?P<back>ba+c?k)?"
    r"|(?:di)?(?P<folback>fol+(?:ow)?b[ae]c?k+)"
    r"|(?P<give>fo+l+o*w+|sub+s?|like|add)(?P<for>4|for)(?P<take>fo+l+o*w+|sub+s?|like|add)"
)
_SUBSCRIBE_FORMS = {
    None: "subscribe", "s": "subscribes", "d": "subscribed", "ed": "subscribed", "ing": "subscribing",
    "r": "subscriber", "er": "subscriber", "rs": "subscribers", "ers": "subscribers",
}
_FORMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"ple+a*s+e*|ple+z+e*|plz+|pl[sz]{1,3}|pli+[sz]+e*|plox|pwease|pweez|plis+|pleez"), lambda m: "please"),
    (re.compile(r"f+o+l+o*w+(s|ed|ing|ers?)?"), lambda m: "follow" + (m.group(1) or "")),
    (re.compile(r"s+u+(?:bs?|s)?c?r?i+b+l?e*(rs?|ers?|d|ed|s|ing)?"), lambda m: _SUBSCRIBE_FORMS[m.group(1)]),
    (re.compile(r"s+u+b+(s)?"), lambda m: "sub" + (m.group(1) or "")),
    (re.compile(r"a+d{2,}"), lambda m: "add"),
    (re.compile(r"me{2,}"), lambda m: "me"),
    (re.compile(r"ba+c+k+|ba+k|bck|ba+ck+"), lambda m: "back"),
    (re.compile(r"u|yu|yuo|youu+"), lambda m: "you"),
    (re.compile(r"ur"), lambda m: "your"),
    (re.compile(r"wi+l+"), lambda m: "will"),
)
_CONNECTIVES = words("but because cause cuz coz bc so then though tho although however")


@lru_cache(maxsize=65536)
def _word(token: str) -> tuple[str, ...]:
    """One typed word as the words it stands for: 'folllowme' -> ('follow', 'me'), 'so' -> ('|', 'so')."""
    if "_" in token:
        return tuple(word for part in token.split("_") if part for word in _word(part))
    token = _STRETCH.sub(r"\1\1", token)
    compound = _COMPOUND.fullmatch(token)
    if compound and compound.lastindex and compound.lastindex > 1:
        if compound.group("folback"):
            return "follow", "back"
        return tuple(word for part in compound.groups() if part for word in _word(part))
    for pattern, spelling in _FORMS:
        if form := pattern.fullmatch(token):
            return (spelling(form),)
    return ("|", token) if token in _CONNECTIVES else (token,)


def _phrase_index(table: Mapping[str, str]) -> dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]]:
    """Phrases by their first word, longest first, so a scan checks only phrases that can start here."""
    index: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for phrase, meaning in table.items():
        words = tuple(phrase.split())
        index.setdefault(words[0], []).append((words, tuple(meaning.split())))
    for candidates in index.values():
        candidates.sort(key=lambda pair: -len(pair[0]))
    return index


_PHRASE_INDEX = _phrase_index(PHRASES)


def _translate(words: list[str]) -> list[str]:
    """Known phrases (other languages, contractions) to the English words the rules read."""
    starts = [at for at, word in enumerate(words) if word in _PHRASE_INDEX]
    if not starts:
        return words
    out: list[str] = []
    done = 0
    for at in starts:
        if at < done:
            continue
        for phrase, meaning in _PHRASE_INDEX[words[at]]:
            if len(phrase) == 1 or tuple(words[at:at + len(phrase)]) == phrase:
                out += words[done:at]
                out += meaning
                done = at + len(phrase)
                break
    out += words[done:]
    return out


def _token(token: str) -> tuple[str, ...]:
    """A whitespace-separated token as words: handles stay whole, a hashtag is a topic between soft breaks."""
    if token[0] == "@":
        return (token,) if len(token) > 1 else ()
    if token[0] == "#":
        return ("~", *(word for part in token.split("#") if part for word in _token(part)), "~")
    if _LEET_TOKEN.fullmatch(token):
        return tuple(word for part in _deleet(token) for word in _word(part))
    return _word(token)


def _raw(token: str) -> tuple[str, ...]:
    """A whitespace-free piece of text as words and breaks: "don't!!" -> ('dont', '|'), "f.4.f" -> ('f4f',)."""
    if token in ("|", "~"):
        return (token,)
    if "'" in token:
        token = _APOSTROPHE.sub("", token)
    if "." in token or "," in token:
        token = _DIGIT_GROUP.sub("", token)
    token = _SPACED.sub(_join_spaced, token)
    parts = _PUNCT_SPLIT.split(token)
    if len(parts) == 1:
        return _token(token)
    words: list[str] = []
    for at, part in enumerate(parts):
        if at % 2:
            words += _punctuation(part)
        elif part:
            words += _token(part)
    return tuple(words)


_RAW: dict[str, tuple[str, ...]] = {}


def _tokens(text: str) -> list[str]:
    """All words of the text. Each distinct token is worked out once: chat reuses a few thousand."""
    if len(_RAW) > 100_000:
        _RAW.clear()  # bounded memory on a long-running bot
    if _SPACED_RUN.search(text):
        text = _SPACED_RUN.sub(_join_spaced, text)  # "f o l l o w" is one word spaced out
    raw = _RAW
    return [word for token in text.split() for word in (raw.get(token) or _learn(token))]


def _learn(token: str) -> tuple[str, ...]:
    words = _RAW[token] = _raw(token)
    return words


# Three or more single letters (each perhaps followed by a separator) in a row: f o l l o w, f. 4. f.
_SPACED_RUN = re.compile(r"(?<!\S)[^\W_][.\-_*~+/\\,]?(?:\s+[^\W_][.\-_*~+/\\,]?){2,}(?!\S)")
_BREAK_RUN = re.compile(r"(?:^| )[|~](?: [|~])*(?: |$)")


def _join(words: list[str]) -> str:
    """Words to text with one `|` between clauses and one `~` at soft breaks, none at the ends."""
    text = " ".join(words)
    if "|" in text or "~" in text:
        text = _BREAK_RUN.sub(lambda m: " | " if "|" in m.group() else " ~ ", text).strip(" |~")
    return text


MAX_CHARS = 4_000  # Discord's longest message; longer input (a pasted file) is read up to here


def prepare(text: str) -> str:
    """The first steps of `normalize`: markup out, Unicode folded, lowercase. Cheap; shared with the prefilter."""
    text = strip_markup(text[:MAX_CHARS].lower())  # markup and links are matched in lowercase
    return fold_unicode(text) if not text.isascii() else text


def finish(text: str) -> str:
    """The rest of `normalize`, on prepared text: disguise undone, punctuation as breaks, words folded."""
    if '"' in text:
        text = _QUOTED.sub(" | ", text)
    if "\n" in text or "\r" in text:
        text = _LINES.sub(" | ", text)
    return _join(_translate(_tokens(text)))


def normalize(text: str) -> str:
    """The message as lowercase words with ` | ` clause breaks and ` ~ ` soft breaks; see the module doc."""
    return finish(prepare(text))


_SKELETON_DROP = bytes(c for c in range(128) if not chr(c).isalnum() and chr(c) not in "@$")
_SKELETON_LEET = bytes.maketrans(b"013457@$", b"oieastas")


def skeleton(prepared: str) -> bytes:
    """Prepared text as ASCII letters only, leet digits read as letters: where the prefilter looks for stems.

    Every disguise `finish` undoes (spaced letters, separators, leet digits, stretched letters) leaves
    the stem visible here, so a message the rules could call a demand always passes the prefilter.
    """
    return prepared.encode("ascii", "ignore").translate(_SKELETON_LEET, _SKELETON_DROP)


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """Normalised phrases as one alternation, longest first, matching whole words of normalised text."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    return re.compile(r"(?<!\S)(?:" + "|".join(re.escape(p) for p in ordered) + r")(?!\S)")
