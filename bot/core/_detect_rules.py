"""Rules over normalised text: find what could be a demand, then judge it by its clause.

A follow word is a demand only when it is addressed to the reader: an imperative ("follow me",
"please subscribe"), a request ("can you sub to my channel", "it would mean a lot if you could
subscribe"), an offer made to get one ("check out my art, I follow back"), or the exchange's own name
("f4f").
It is not a demand when somebody else is its subject ("people who follow back"), when it is negated
("I never follow back"), reported ("everyone says sub to him"), asked about ("what is f4f"),
the subject of an opinion ("f4f is pointless"), a noun ("thanks for the follow"), or past.

The clause (text between `|` marks) is the unit of context: what stands before a follow word is read in
`_detect_clause`, what it is done to in `_detect_objects`; word lists live in `_detect_lexicon`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core._detect_clause import LETS, State, clause_state, negated, refused, reported
from bot.core._detect_lexicon import (
    DETERMINERS,
    MY,
    NOT_ACCOUNTS,
    PREDICATES,
    PURPOSE,
    STEPS_ASKED,
    STEPS_TOLD,
    words,
)
from bot.core._detect_objects import Obj, object_of

RECIPROCAL = "reciprocal"
REQUEST = "request"

_NUMBER = r"(?:\d+[km]?|a hundred|a thousand|one hundred|\w+ hundred|\w+ thousand)"
_GROWTH = r"(?:subs|subscribers|followers|follows)"
# Each kind of cue, with the words it can start with; at a word, the first kind that matches wins.
_CUE_KINDS: tuple[tuple[str, str, str], ...] = (
    ("compact", "f4f s4s subs4subs fol4fol add4add follow sub subs subscribe add",
     r"(?:f4f|s4s|subs4subs|fol4fol|add4add|(?:follow|subs?|subscribe|add)(?: a)?"
     r" (?:4|for|x|por|pour|para|contre|gegen) (?:a )?(?:follow|subs?|subscribe|subscriber|add)(?: back)?)\b"),
    ("forback", "for", r"for (?:a )?(?:follow|sub|subs|subscribe) back\b"),
    ("mutual", "follow sub subs subscribe add be become",
     r"(?:follow|subs?|subscribe|add)(?: to)? each other\b|(?:be|become) (?:mutuals|moots)\b"),
    ("give", "give gimme drop leave throw send toss spare",
     r"(?:give|gimme|drop|leave|throw|send|toss|spare)(?: me| us)?(?: a| some| an| your| me a)?"
     r" (?:follow|sub|subscribe|follows|subs|subscription)(?: back)?\b"),
    ("hit", "hit smash click press tap push mash",
     r"(?:hit|smash|click|press|tap|push|mash)(?: on| up)?(?: that| the| dat| this| da)?"
     r" (?:subscribe|sub|follow|subscription)(?: button| bell)?\b"),
    ("help", "help",
     r"help (?:me|us|my (?:channel|page|account)|our (?:channel|page))(?: out)?(?: to)?"
     r" (?:get|reach|hit|gain|grow|achieve|getting|reaching|make it to|get to)\b"),
    ("become", "become be", r"(?:become|be) (?:my|our) (?:\w+ )?(?:subscriber|follower|sub)s?\b"),
    ("plea", "some more a subs subscribers subscriber followers follower follows any your please",
     r"(?:some |more |a )?(?:subs|subscribers|subscriber|followers|follower|follows|a follow|a sub)"
     r" (?:please|appreciated|welcome|wanted|needed)\b"
     r"|(?:a|some|any|your) (?:like and (?:a )?)?(?:follow|sub|subscribe|subscription|follows|subs)(?: back)?"
     r" (?:would|will|d) (?:be|mean|help|make)\b"
     r"|please (?:some |more )?(?:subs|subscribers|followers|follows)\b"),
    ("gerund", "consider feel mind try start keep",
     r"(?:consider|feel like|mind|try|start|keep) (?:subscribing|following|subbing)\b"),
    ("need", "i we im",
     r"(?:i|we|im)(?: really| badly| desperately| just| do| still| so)? (?:need|want|needs|wants)"
     r"(?: more| some| a few| a lot of| lots of| your| a| \d+[km]?)? (?:subs|subscribers|followers|follows|follow|sub)"
     r"(?: back)?\b(?! machine| sandwich| gun| woofer)"),
    ("canget", "can could may if",
     r"(?:if )?(?:(?:can|could|may) (?:i|we)|(?:i|we) (?:can|could))(?: please)? (?:get|have|gain)(?: \w+){0,3}?"
     r" (?:subs|subscribers|followers|follows|sub|follow|subscriber|follower)(?: back)?\b"),
    ("appreciate", "appreciate would d will really greatly",
     rf"appreciate(?: it)? if (?:i|we) (?:got|get|could get|can get|had|gained|reach|reached)\b(?: \w+){{0,3}}"
     rf" {_GROWTH}\b"
     r"|(?:would|d|will|really|greatly) appreciate (?:a|some|any|more|a few|every) (?:follows?|subs?|subscribers"
     r"|followers|subscriptions?)\b"),
    ("goal", "if",
     rf"if (?:i|we) (?:can |could )?(?:get|got|hit|reach|gain|make it to|get to)(?: to)? {_NUMBER}"
     rf"(?: more)? {_GROWTH}\b"),
    ("verb", "follow subscribe sub subs add friend", r"(?:follow|subscribe|subs?|add|friend)\b"),
)


def _cue_index() -> dict[str, tuple[tuple[str, re.Pattern[str]], ...]]:
    index: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for name, starts, pattern in _CUE_KINDS:
        compiled = re.compile(pattern)
        for word in starts.split():
            index.setdefault(word, []).append((name, compiled))
    return {word: tuple(kinds) for word, kinds in index.items()}


_CUES_AT = _cue_index()
_CORE = words("""
follow subscribe sub subs add friend f4f s4s subs4subs fol4fol add4add subscription subscriptions subscriber
subscribers follower followers follows subscribing following subbing mutuals moots
""")
_GROWTH_WORD = re.compile(rf"\b(?:{_GROWTH}|subscriber|follower|subscriptions|goal)\b")
_THANKED = re.compile(
    r"\bthanks(?: \w+){0,4}? (?:follow|follows|following|sub|subs|subbing|subscribing|subscription|add|adding)\b"
    r"|\b(?:you|ya|yall)(?: just| already| also)? (?:followed|subbed|subscribed|added)\b"
)
_UNCONDITIONAL = re.compile(r"\b(?:anyway|anyways|regardless|either way|no matter what)\b")
# The writer plugs something of theirs (or says please): an offer in the same message proposes a trade.
_PROMOTES = re.compile(
    r"\b(?:check|watch|visit|listen to|look at|go to|view|see|join)(?: out)? (?:my|our)\b"
    r"|\bcheck (?:it|me|us|this|them) out\b"
    r"|\b(?:please|@url)\b|(?:^| )@\w|\b(?:my|our) (?:channel|page|account|art|music)\b"
    r"|\b(?:youtube|yt|insta|instagram|ig|twitter|tiktok|twitch|soundcloud|spotify|snapchat|facebook)\b"
)


@dataclass(slots=True)
class Findings:
    """The cues that held up in their clause, by what they show."""

    reciprocal: list[str] = field(default_factory=list)  # an exchange: f4f, follow back, follow each other
    requests: list[str] = field(default_factory=list)  # a follow asked for, nothing offered
    offers_back: list[str] = field(default_factory=list)  # "I'll follow back": with an ask, a plug or a please
    offers_you: list[str] = field(default_factory=list)  # "I'll follow you": an exchange only with an ask
    asks: bool = False  # the reader's follow as a condition: "if you follow me"

    def verdict(self, text: str) -> tuple[str | None, tuple[str, ...]]:
        asked = bool(self.requests) or self.asks
        exchange = list(self.reciprocal)
        # "I'll follow back" alone answers somebody; with an ask, a plug or a please it proposes an exchange.
        if self.offers_back and (asked or (_PROMOTES.search(text) and not _THANKED.search(text))):
            exchange += self.offers_back
        if self.offers_you and (asked or _PROMOTES.search(text)) and not _UNCONDITIONAL.search(text):
            exchange += self.offers_you  # not "I'll follow you anyway, love your art": a gift, not a trade
        if exchange:
            return RECIPROCAL, tuple(dict.fromkeys(exchange + self.requests))
        if self.requests:
            return REQUEST, tuple(dict.fromkeys(self.requests))
        return None, ()


def analyse(text: str) -> tuple[str | None, tuple[str, ...]]:
    """The kind of demand in normalised text (`reciprocal`, `request` or None) and the phrases showing it."""
    words = text.split(" ")
    if _CORE.isdisjoint(words):
        return None, ()  # every cue holds one of these words
    starts = [at for at, word in enumerate(words) if word in _CUES_AT]
    breaks = [at for at, word in enumerate(words) if word == "|"]
    findings = Findings()
    done = offset = counted = 0
    for at in starts:
        if at < done:
            continue  # inside the previous cue
        offset += sum(map(len, words[counted:at])) + at - counted  # where word `at` starts in the text
        counted = at
        for kind, pattern in _CUES_AT[words[at]]:
            if match := pattern.match(text, offset):
                done = at + match.group().count(" ") + 1
                _HANDLERS[kind](_cue(match, words, breaks, at, done), findings)
                break
    return findings.verdict(text)


def _cue(match: re.Match[str], words: list[str], breaks: list[int], at: int, after: int) -> _Cue:
    before = bisect_left(breaks, at)
    first = breaks[before - 1] + 1 if before else 0
    following = bisect_left(breaks, after)
    last = breaks[following] if following < len(breaks) else len(words)
    left = words[first:at]
    return _Cue(match.group(), [w for w in left if w != "~"], [w for w in words[after:last] if w != "~"],
                match.string, match.end(), _after_soft(left))


@dataclass(frozen=True, slots=True)
class _Cue:
    phrase: str
    left: list[str]  # the clause before the cue
    right: list[str]  # the clause after the cue
    text: str
    end: int
    fresh: list[str]  # the words since the last soft break (an emoji, a tag): a sentence may start there


def _after_soft(left: list[str]) -> list[str]:
    for at in range(len(left) - 1, -1, -1):
        if left[at] == "~":
            return left[at + 1:]
    return left


def _compact(cue: _Cue, found: Findings) -> None:
    """f4f, sub 4 sub: the exchange named, unless talked about."""
    left = cue.left
    if negated(left) or reported(left) or (left and left[-1] in DETERMINERS):
        return
    if {"what", "whats", "why", "how"} & set(left) or (left and left[-1] in {"is", "does", "was", "did"}):
        return
    if (cue.right and cue.right[0] in PREDICATES) or refused(cue.text, cue.end):
        return
    found.reciprocal.append(cue.phrase)


def _for_back(cue: _Cue, found: Findings) -> None:
    """follow me on twitter for follow back: the purpose of a request is an exchange."""
    if not _FOLLOW_WORDS.isdisjoint(cue.left) and not negated(cue.left) and "thanks" not in cue.left:
        found.reciprocal.append(cue.phrase)


_FOLLOW_WORDS = frozenset({"follow", "sub", "subscribe", "add"})


def _names_somebody(right: list[str]) -> bool:
    return bool(right) and right[0] not in DETERMINERS and right[0] not in MY and right[0] not in NOT_ACCOUNTS \
        and right[0] not in PREDICATES and right[0] != "~"


def _gerund(cue: _Cue, found: Findings) -> None:
    """please consider subscribing, if you feel like following me: a polite request."""
    if clause_state(cue.left, cue.fresh) in (State.IMPERATIVE, State.NEUTRAL, State.ASKED):
        found.requests.append(cue.phrase)


def _mutual(cue: _Cue, found: Findings) -> None:
    state = clause_state(cue.left, cue.fresh)
    if state is State.IMPERATIVE or (state is not State.BLOCKED and LETS.search(" ".join(cue.left[-6:]))):
        found.reciprocal.append(cue.phrase)


def _solicit(cue: _Cue, found: Findings) -> None:
    """give me a follow, hit subscribe, help me reach 100 subs: asked of the reader like an imperative."""
    if cue.phrase.startswith("help") and not _GROWTH_WORD.search(cue.text):
        return
    state = clause_state(cue.left, cue.fresh)
    back = cue.phrase.endswith(" back")
    if state in (State.IMPERATIVE, State.NEUTRAL):
        (found.reciprocal if back else found.requests).append(cue.phrase)
    elif state is State.FIRST and back:
        found.offers_back.append(cue.phrase)
    elif state is State.ASKED:
        found.asks = True


def _plea(cue: _Cue, found: Findings) -> None:
    """I need subs, subscribers please, if I get 100 followers: the writer asks for followers outright."""
    if negated(cue.left) or reported(cue.left) or refused(cue.text, cue.end) or _PAID.search(cue.phrase) \
            or not _PAID_WORDS.isdisjoint(cue.left[-3:]):
        return  # "gift me a sub please", "could i get a gifted sub": a paid subscription for the writer
    (found.reciprocal if cue.phrase.endswith(" back") else found.requests).append(cue.phrase)


# A paid subscription (Twitch's "sub") is bought or gifted, and counted in months or tiers: a noun.
_PAID_WORDS = frozenset({"gift", "gifted", "gifting", "prime", "tier", "mo", "month", "months", "year", "years",
                         "yr", "yrs"})
_PAID = re.compile(r"\b(?:gift|gifted|gifting|prime|tier) ")


def _verb(cue: _Cue, found: Findings) -> None:
    """A follow word: its object says what it could be, its clause whether it is addressed to the reader."""
    if cue.left and (cue.left[-1] in DETERMINERS or (cue.phrase.startswith("sub") and cue.left[-1] in _PAID_WORDS)):
        return  # a noun: "thanks for the follow", "a follow back", "a 24 month sub", "a gifted sub"
    obj, evidence = object_of(cue.phrase, cue.right)
    if obj is None and cue.phrase == "follow" and cue.left[-1:] == ["go"] and _names_somebody(cue.right):
        obj, evidence = Obj.THIRD, 1  # "go follow Kai, she's so talented"
    if obj is not None:
        state = clause_state(cue.left, cue.fresh)
        _ACCEPT[obj](cue, state, " ".join([cue.phrase, *cue.right[:evidence]]), found)


def _back(cue: _Cue, state: State, phrase: str, found: Findings) -> None:
    """follow (me) back: asked of the reader, an exchange; said by the writer, an offer."""
    if state in (State.IMPERATIVE, State.NEUTRAL):
        found.reciprocal.append(phrase)
    elif state is State.FIRST:
        found.offers_back.append(phrase)
    elif state is State.ASKED:
        found.asks = True


def _you_back(cue: _Cue, state: State, phrase: str, found: Findings) -> None:
    if state in (State.FIRST, State.NEUTRAL, State.IMPERATIVE):  # only the writer can follow you back
        found.offers_back.append(phrase)


def _you(cue: _Cue, state: State, phrase: str, found: Findings) -> None:
    if state is State.FIRST:
        found.offers_you.append(phrase)
    elif state is State.IMPERATIVE and cue.phrase == "subscribe":
        found.requests.append(cue.phrase)  # "subscribe, you will like it"


def _own(cue: _Cue, state: State, phrase: str, found: Findings) -> None:
    """follow me, sub to my channel: a strong object, so only a subject other than the reader stops it."""
    if cue.phrase == "follow" and _steps_follow(cue.text[cue.end:].split()[phrase.count(" "):]):
        return
    if state in (State.IMPERATIVE, State.NEUTRAL):
        found.requests.append(phrase)
    elif state is State.ASKED:
        found.asks = True


def _steps_follow(after: list[str]) -> bool:
    """'follow me: run sudo apt update', 'follow me please - did you run install.sh?': the steps of a task
    come next, so it is 'follow what I say', as in a help channel, not 'follow my account'."""
    words = [word for word in after[:4] if word not in _SOFT_LEAD]
    n0, n1, n2 = [*words, "", "", ""][:3]
    if not MY.isdisjoint(after[:6]) or not _FOLLOW_WORDS.isdisjoint(after[:6]):
        return False  # "follow me - open my channel", "follow me, did you follow back?"
    return n0 in STEPS_TOLD or (n0 in _ASKING and n1 == "you" and n2 in STEPS_ASKED)


_SOFT_LEAD = frozenset({"|", "~", "please", "pls", "plz", "now", "ok", "okay", "so", "then", "first"})
_ASKING = frozenset({"did", "do", "have", "can", "could", "will", "would"})


def _bare_sub(cue: _Cue, state: State, phrase: str, found: Findings) -> None:
    near = cue.left[-3:] + cue.right[:1]
    if state is State.IMPERATIVE and ("please" in near or cue.right[:1] in (["for"], ["and"], ["now"])):
        found.requests.append(phrase)


def _other(cue: _Cue, state: State, phrase: str, found: Findings) -> None:
    """subscribe, follow @artist, subscribe to hear it: only as an imperative (or a call to action)."""
    if state is State.IMPERATIVE or (state is State.NEUTRAL and cue.left[-1:] != ["to"] and _call_to_action(cue)):
        found.requests.append(phrase)
    elif state is State.ASKED:
        found.asks = True


def _call_to_action(cue: _Cue) -> bool:
    """'follow for more', 'subscribe now', 'subscribe to hear it': said only to readers."""
    t0, t1 = [*cue.right, "", ""][:2]
    if cue.phrase in ("subscribe", "sub") and t0 == "to" and t1 in PURPOSE:
        return True
    return t0 in ("please", "now", "today", "asap", "rn") or (t0 == "for" and t1 in _CTA_FOR)


_CTA_FOR = words("more daily updates part content videos vids tips free")
_ACCEPT: dict[Obj, Callable[[_Cue, State, str, Findings], None]] = {
    Obj.BACK: _back, Obj.YOU_BACK: _you_back, Obj.YOU: _you, Obj.OWN: _own, Obj.BARE_SUB: _bare_sub,
    Obj.THIRD: _other, Obj.BARE: _other,
}


_HANDLERS: dict[str, Callable[[_Cue, Findings], None]] = {
    "compact": _compact, "forback": _for_back, "gerund": _gerund, "mutual": _mutual, "give": _solicit,
    "hit": _solicit, "help": _solicit, "become": _solicit, "plea": _plea, "need": _plea, "canget": _plea,
    "appreciate": _plea, "goal": _plea, "verb": _verb,
}


