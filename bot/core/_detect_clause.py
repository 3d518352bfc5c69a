"""The clause before a follow word: who it is addressed to (the reader, the writer, somebody else), and
whether it is negated, reported or refused. Part of `_detect_rules`; word lists live in `_detect_lexicon`."""

from __future__ import annotations

import re
from enum import Enum, auto

from bot.core._detect_lexicon import (
    AUX,
    CONDITIONAL,
    CONJUNCTIONS,
    DIRECTIVES,
    INVERTED_AUX,
    ME,
    NEGATION,
    QUESTION_WORDS,
    REFUSALS,
    REPORTING,
    RESTRICTIVE,
    SKIP,
    SUBJECT_FIRST,
    SUBJECT_OTHER,
    SUBJECT_SECOND,
    YOU,
)


class State(Enum):
    """Who a follow word in a clause is addressed to, as far as its left context tells."""

    IMPERATIVE = auto()  # addressed to the reader: clause-initial, after please, or a polite request
    NEUTRAL = auto()  # no subject in sight: a strong object ("me", "back") still makes it a demand
    FIRST = auto()  # the writer's own act: an offer when it is done to the reader or "back"
    ASKED = auto()  # the reader's act as a condition or question: "if you follow me", "you sub to me"
    BLOCKED = auto()  # negated, reported, somebody else's act, a question about the writer


_TAIL = r"(?: (?:please|just|all|go|come|kindly|now|also|yall|maybe|quickly|and|pretty|really|def|guys|first|@\w+))*$"
_ASK_YOU_TO = re.compile(
    r"\b(?:i|we|im|ill)(?: really| just| would| d| am| kindly| do)? (?:want|need|would like|d like|like|would love"
    r"|d love|love|ask|asking|beg|begging|invite|challenge|dare|encourage|urge|recommend|suggest|advise)(?: for)?"
    r" (?:you|ya|yall|everyone|everybody|people|ppl|someone|anyone|somebody|all|more people|guys) to" + _TAIL
)
_MODAL = re.compile(
    r"(?:\b(?:can|could|would|will|wont|wanna|might|may|please) (?:you|ya|yall|anyone|anybody|someone|somebody"
    r"|everyone|everybody|people|ppl|guys|any1|some1)"
    r"|\b(?:you|yall|everyone|everybody|people|ppl|ya|guys) (?:should|must|need to|needa|have to|gotta|got to"
    r"|better|can|could|may|oughta|ought to|will)"
    r"|\b(?:remember to|be sure to|make sure to|make sure you|make sure|feel free to|go ahead and|time to)"
    r"|\ball (?:you|yall) (?:have to|need to|gotta|got to|must) do is"
    r"|\bif (?:you|ya|yall|anyone|someone|somebody|people|everyone)(?: guys| all)? (?:could|can|would|will|wanna"
    r"|want to|are able to|have time to)"
    r"|\b(?:who|anyone|anybody|someone|somebody|any1|some1|whos)(?: else| here)? (?:wants to|wanna|want to|down to"
    r"|tryna|would like to|is down to))" + _TAIL
)
_IF_LIKE = re.compile(
    r"\bif (?:you|ya|yall|anyone|someone|somebody|people|ppl)(?: guys| all| really| ever| actually| even| also| do)?"
    r" (?:like|love|enjoy|liked|loved|enjoyed|agree|want|wanna|think|are|re|do|dig|support|appreciate|care|found"
    r"|find|laughed|watch|watched|made|got|need|have|wanted|would)\b(?: [^ |]+){0,7}$"
)
# Somewhere earlier in the clause the writer started asking: the verbs that follow are part of the ask.
_OPENER = re.compile(
    r"\b(?:please|(?:can|could|would|will) (?:you|yall|anyone|someone)|if (?:you|yall|anyone) (?:could|can|would)"
    r"|feel free to|remember to|be sure to|make sure|would mean|would be (?:great|nice|awesome|cool|appreciated))\b"
)
# A question about how or why ("how to subscribe", "why would anyone follow back") asks nothing of the reader.
_WH_QUESTION = re.compile(
    r"\b(?:why|how|where) (?:to|do|does|did|can|could|would|should|will|is|are|come|many|much)(?: [^ |]+){0,3}$")
LETS = re.compile(r"\b(?:lets|shall we|should we|can we|could we|we should|how about we|wanna|want to)" + _TAIL)


# --- the clause before a cue -------------------------------------------------------------------------

def clause_state(left: list[str], fresh: list[str] | None = None) -> State:
    """Who the follow word after `left` is addressed to; `fresh` is the part after a soft break."""
    joined = " ".join(left[-10:])
    start, please, conjunction = _fillers(left)
    sentence_start = start == 0 or please or (fresh is not None and _fillers(fresh)[0] == 0)
    state = _settled(left, joined) or _addressed(sentence_start, joined) or _go(left) or _subject(left)
    if state is not None:
        return state
    if _IF_LIKE.search(joined) or (conjunction and _chained(left[:start])) or _OPENER.search(" ".join(left[-15:])):
        return State.IMPERATIVE
    return State.NEUTRAL


def _settled(left: list[str], joined: str) -> State | None:
    """Negated or reported: nothing is asked, whatever else the clause says (unless "I ask you to")."""
    if negated(left):
        return State.BLOCKED
    if _ASK_YOU_TO.search(joined):
        return State.IMPERATIVE
    return State.BLOCKED if reported(left) else None


def _addressed(sentence_start: bool, joined: str) -> State | None:
    """An imperative at a sentence start or after please, or a polite question ("can you ...")."""
    if sentence_start:
        return State.IMPERATIVE
    if _WH_QUESTION.search(joined):
        return State.BLOCKED  # "how to subscribe", "why would anyone follow back", "why did he just follow me"
    return State.IMPERATIVE if _MODAL.search(joined) else None


def _go(left: list[str]) -> State | None:
    """'... @kai go follow': "go" right before the verb, with no subject of its own, tells the reader to."""
    if left[-1:] in (["go"], ["come"]) and (len(left) < 2 or left[-2] not in _SUBJECTS):
        return State.IMPERATIVE
    return None


def _fillers(left: list[str]) -> tuple[int, bool, bool]:
    """Where the fillers before the cue begin, and whether they hold a please or a conjunction."""
    start, please, conjunction = len(left), False, False
    while start and (left[start - 1] in SKIP or left[start - 1][0] == "@"):
        please = please or left[start - 1] == "please"
        conjunction = conjunction or left[start - 1] in CONJUNCTIONS
        start -= 1
    return start, please, conjunction


_SUBJECT_SKIP = AUX | RESTRICTIVE | {"follow", "sub", "subscribe", "add", "and"}
_SUBJECTS = SUBJECT_FIRST | SUBJECT_OTHER | SUBJECT_SECOND
_INDEFINITE = frozenset({"someone", "somebody", "anyone", "anybody", "some1", "any1"})
_AGENTS = SUBJECT_OTHER | {"them", "him", "her", "someone", "others", "ppl", "people", "everyone", "kids"}
_IMPLIED_FIRST = {"will", "gonna", "always", "100", "auto"}


def _subject(left: list[str]) -> State | None:
    """The subject right before the verb, past auxiliaries and adverbs ("I will always ...")."""
    end = _skip_back(left, len(left))
    if end >= 2 and left[end - 1] == "to":  # "I promise to", "I want to": the subject of the first verb
        if left[end - 2] in _AGENTS or _wanted_of_someone(left[:end - 1]):
            return State.BLOCKED  # "get people to follow me", "I wanted a girl to follow me": not the reader
        end = _skip_back(left, end - 2)
    if end == 0:
        return State.FIRST if _IMPLIED_FIRST & set(left) else None  # "will follow back!"
    if left[end - 1] in SUBJECT_FIRST:
        return _first_person(left, end)
    if end == len(left) and left[end - 1] in _INDEFINITE:
        return State.IMPERATIVE  # "somebody sub to my channel": a plain verb right after is asked of anyone
    if end >= 2 and left[end - 2] in _NOUN_DETERMINERS and _plural_noun(left[end - 1]) and "and" not in left[end:]:
        return State.BLOCKED  # "y'all's bitches follow me", "my friends follow me": they do, nobody is asked
    return _SUBJECT_STATE.get(left[end - 1])


_NOUN_DETERMINERS = frozenset({"the", "these", "those", "my", "your", "his", "her", "their", "our", "yalls", "all",
                               "some", "many", "most", "ur"})


def _plural_noun(word: str) -> bool:
    return len(word) > 3 and word.endswith("s") and word not in SKIP and word not in YOU and word not in ME


_WANT = frozenset({"want", "wants", "wanted", "need", "needs", "needed", "wish", "wished"})


def _wanted_of_someone(before_to: list[str]) -> bool:
    """'wanted a fat bitch to ...': somebody named, who is not the reader, is wanted to do it."""
    last = before_to[-1:]
    return bool(last) and last[0] not in _WANT and last[0] not in YOU and last[0] not in ME and \
        not _WANT.isdisjoint(before_to[-5:-1])


def _skip_back(left: list[str], end: int) -> int:
    while end and left[end - 1] in _SUBJECT_SKIP:
        end -= 1
    return end


def _first_person(left: list[str], end: int) -> State:
    """I (will) follow back: an offer, unless asked ("should I follow back?") or a habit ("I only ...")."""
    before = left[:end - 1]
    asked = bool(before) and before[-1] in INVERTED_AUX and all(w in SKIP or w in QUESTION_WORDS for w in before[:-1])
    return State.BLOCKED if asked or not RESTRICTIVE.isdisjoint(left[end:]) else State.FIRST


_SUBJECT_STATE = {
    **dict.fromkeys(SUBJECT_OTHER, State.BLOCKED),
    **dict.fromkeys(SUBJECT_SECOND | CONDITIONAL, State.ASKED),
}


def _chained(left: list[str]) -> bool:
    """'check out my channel and subscribe': an imperative joined to an earlier imperative."""
    for at in range(len(left) - 1, max(-1, len(left) - 13), -1):
        if left[at] in DIRECTIVES:
            start, please, _ = _fillers(left[:at])
            if start == 0 or please or _MODAL.search(" ".join(left[max(0, at - 10):at])):
                return True
    return False


def negated(left: list[str]) -> bool:
    """Negated, or a habit given up ("I used to do sub4sub"): either way not asked now."""
    return not NEGATION.isdisjoint(left[-4:]) or "used" in left[-3:]


def reported(left: list[str]) -> bool:
    return not REPORTING.isdisjoint(left[-3:])


def refused(text: str, end: int) -> bool:
    """A rejoinder right after: 'f4f? no thanks'."""
    after = text[end:end + 24].lstrip(" |")
    return any(after == refusal or after.startswith(refusal + " ") for refusal in REFUSALS)
