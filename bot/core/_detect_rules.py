"""Rules over normalised text: find what could be a demand, then judge it by its clause.

A follow word is a demand only when it is addressed to the reader: an imperative ("follow me",
"please subscribe"), a request ("can you sub to my channel", "it would mean a lot if you could
subscribe"), an offer made to get one ("check out my art, I follow back"), or the exchange's own name
("f4f").
It is not a demand when somebody else is its subject ("people who follow back"), when it is negated
("I never follow back"), reported ("everyone says sub to him"), asked about ("what is f4f"),
the subject of an opinion ("f4f is pointless"), a noun ("thanks for the follow"), or past.

The clause (text between `|` marks) is the unit of context; word lists live in `_detect_lexicon`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum, auto
from itertools import pairwise

from bot.core._detect_lexicon import (
    ABSTRACT,
    ACCOUNT,
    AUX,
    BARE_NEXT,
    CONDITIONAL,
    CONJUNCTIONS,
    DETERMINERS,
    DIRECTIVES,
    FOLLOW_ME_NOT,
    INVERTED_AUX,
    ME,
    MY,
    NEGATION,
    NOT_ACCOUNTS,
    PEOPLE,
    PLATFORM,
    PREDICATES,
    PURPOSE,
    QUESTION_WORDS,
    REFUSALS,
    REPORTING,
    RESTRICTIVE,
    SKIP,
    SUBJECT_FIRST,
    SUBJECT_OTHER,
    SUBJECT_SECOND,
    TO,
    TOPIC_NOUNS,
    YOU,
    words,
)

RECIPROCAL = "reciprocal"
REQUEST = "request"


class State(Enum):
    """Who a follow word in a clause is addressed to, as far as its left context tells."""

    IMPERATIVE = auto()  # addressed to the reader: clause-initial, after please, or a polite request
    NEUTRAL = auto()  # no subject in sight: a strong object ("me", "back") still makes it a demand
    FIRST = auto()  # the writer's own act: an offer when it is done to the reader or "back"
    ASKED = auto()  # the reader's act as a condition or question: "if you follow me", "you sub to me"
    BLOCKED = auto()  # negated, reported, somebody else's act, a question about the writer


class Obj(Enum):
    """What a follow word is done to, from its right context."""

    BACK = auto()  # follow (me) back
    YOU = auto()  # follow you (the writer's offer)
    YOU_BACK = auto()  # follow you back
    OWN = auto()  # follow me, sub to my channel
    THIRD = auto()  # follow @someone on twitch, subscribe to X
    BARE = auto()  # follow!, subscribe for more
    BARE_SUB = auto()  # "sub" alone is too often a noun: only with please nearby


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
_LETS = re.compile(r"\b(?:lets|shall we|should we|can we|could we|we should|how about we|wanna|want to)" + _TAIL)

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
    if _negated(left) or _reported(left) or (left and left[-1] in DETERMINERS):
        return
    if {"what", "whats", "why", "how"} & set(left) or (left and left[-1] in {"is", "does", "was", "did"}):
        return
    if (cue.right and cue.right[0] in PREDICATES) or _refused(cue.text, cue.end):
        return
    found.reciprocal.append(cue.phrase)


def _for_back(cue: _Cue, found: Findings) -> None:
    """follow me on twitter for follow back: the purpose of a request is an exchange."""
    if not _FOLLOW_WORDS.isdisjoint(cue.left) and not _negated(cue.left) and "thanks" not in cue.left:
        found.reciprocal.append(cue.phrase)


_FOLLOW_WORDS = frozenset({"follow", "sub", "subscribe", "add"})


def _names_somebody(right: list[str]) -> bool:
    return bool(right) and right[0] not in DETERMINERS and right[0] not in MY and right[0] not in NOT_ACCOUNTS \
        and right[0] not in PREDICATES and right[0] != "~"
_OF_THINGS = frozenset({"of", "these", "those", "the", "my", "them"})


def _gerund(cue: _Cue, found: Findings) -> None:
    """please consider subscribing, if you feel like following me: a polite request."""
    if _state(cue.left, cue.fresh) in (State.IMPERATIVE, State.NEUTRAL, State.ASKED):
        found.requests.append(cue.phrase)


def _mutual(cue: _Cue, found: Findings) -> None:
    state = _state(cue.left, cue.fresh)
    if state is State.IMPERATIVE or (state is not State.BLOCKED and _LETS.search(" ".join(cue.left[-6:]))):
        found.reciprocal.append(cue.phrase)


def _solicit(cue: _Cue, found: Findings) -> None:
    """give me a follow, hit subscribe, help me reach 100 subs: asked of the reader like an imperative."""
    if cue.phrase.startswith("help") and not _GROWTH_WORD.search(cue.text):
        return
    state = _state(cue.left, cue.fresh)
    back = cue.phrase.endswith(" back")
    if state in (State.IMPERATIVE, State.NEUTRAL):
        (found.reciprocal if back else found.requests).append(cue.phrase)
    elif state is State.FIRST and back:
        found.offers_back.append(cue.phrase)
    elif state is State.ASKED:
        found.asks = True


def _plea(cue: _Cue, found: Findings) -> None:
    """I need subs, subscribers please, if I get 100 followers: the writer asks for followers outright."""
    if _negated(cue.left) or _reported(cue.left) or _refused(cue.text, cue.end) or _PAID.search(cue.phrase) \
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
    obj, evidence = _object(cue.phrase, cue.right)
    if obj is None and cue.phrase == "follow" and cue.left[-1:] == ["go"] and _names_somebody(cue.right):
        obj, evidence = Obj.THIRD, 1  # "go follow Kai, she's so talented"
    if obj is not None:
        state = _state(cue.left, cue.fresh)
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
    if state in (State.IMPERATIVE, State.NEUTRAL):
        found.requests.append(phrase)
    elif state is State.ASKED:
        found.asks = True


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


# --- objects -----------------------------------------------------------------------------------------

_Found = tuple[Obj | None, int]  # what a follow word is done to, and how many words after it show that


def _object(verb: str, right: list[str]) -> _Found:
    """What the follow word is done to: the first reading that applies, in order of strength."""
    if verb == "subs":  # only a verb in "I can subs back"
        return (Obj.BACK, 1) if right[:1] == ["back"] else (None, 0)
    return _to_back(right) or _to_you(right) or _to_writer(verb, right) or _to_other(verb, right)


def _to_back(right: list[str]) -> _Found | None:
    t0, t1 = [*right, "", ""][:2]
    if not (t0 == "back" or (t0 in ME and t1 == "back")):
        return None
    after = right.index("back") + 1
    if right[after:after + 1] and (right[after] in PREDICATES or right[after] in TOPIC_NOUNS):
        return None, 0  # "follow back culture is toxic", "follow-back policies": a topic, not an ask
    return Obj.BACK, after


def _to_you(right: list[str]) -> _Found | None:
    t0, t1 = [*right, "", ""][:2]
    if t0 == "all" and t1 in _OF_THINGS:
        return None  # "I follow all of these accounts": a habit, not you
    at = 0 if t0 in YOU else 1 if t0 == "to" and t1 in YOU else None
    if at is None:
        return None
    return (Obj.YOU_BACK, at + 2) if right[at + 1:at + 2] == ["back"] else (Obj.YOU, at + 1)


def _to_writer(verb: str, right: list[str]) -> _Found | None:
    t0, t1 = [*right, "", ""][:2]
    if t0 in ME or (t0 in TO and t1 in ME) or (t0 == "for" and t1 in ME and verb in ("sub", "subscribe")):
        at = 0 if t0 in ME else 1
        return (Obj.OWN, at + 1) if _me_ok(verb, right[at + 1:at + 3]) else (None, 0)
    if t0 in MY or (t0 in TO and t1 in MY):
        at = 0 if t0 in MY else 1
        return _my(verb, right[at + 1:at + 5]), at + 2
    return None


def _to_other(verb: str, right: list[str]) -> _Found:
    t0, t1, t2 = [*right, "", "", ""][:3]
    if verb in ("add", "friend"):
        return None, 0
    if verb == "follow":
        obj = _follow_other(right)
        return obj, 0 if obj is Obj.BARE else 2
    if verb == "sub" and not (t0 == "to" and t1):
        return (Obj.BARE_SUB, 0) if t0 in ("", "please", "for", "and", "now") else (None, 0)
    obj = _subscribe_other(t0, t1, t2)
    return obj, 2 if obj is Obj.THIRD else 0


def _me_ok(verb: str, after: list[str]) -> bool:
    """'follow me' in the social sense, not 'follow me home' or 'add me to the group'."""
    n0, n1 = [*after, "", ""][:2]
    if n0 in ("nicht", "pas", "not"):
        return False
    if verb == "follow":
        return n0 not in FOLLOW_ME_NOT and not (n0 in ("on", "in") and n1 in ("this", "that", "it", "one", "the"))
    if verb == "add" and n0 in ("to", "in", "into"):
        return any(word.startswith("friend") for word in after[1:])
    if verb == "subscribe" and n0 == "to":
        return n1 not in DETERMINERS and n1 != "it"
    return True


def _my(verb: str, after: list[str]) -> Obj | None:
    """'sub to my channel' always; 'follow my twitter' only for an account, not 'follow my lead'."""
    if verb in ("subscribe", "sub"):
        return Obj.OWN
    if verb == "friend":
        return None
    if verb == "follow" and after[:1] and after[0] in PEOPLE:
        return Obj.THIRD  # "follow my brother", "follow my mans": somebody's account
    return Obj.OWN if any(_is_account(word) for word in after) else None


def _is_account(word: str) -> bool:
    return word in ACCOUNT or word in PLATFORM or word.startswith("@")


def _follow_other(right: list[str]) -> Obj | None:
    t0 = right[0] if right else ""
    window = right[:5]
    if t0 == "@url" or any(_is_handle(word) for word in window[:3]) or _on_platform(window):
        return Obj.THIRD  # follow @artist, follow him on twitch; a link only right after ("follow the guide @url")
    # Not "the": "follow the announcements channel" is a server feature, "follow the rules" advice.
    if t0 in ("this", "that", "his", "her", "their", "him", "them") and any(map(_is_account, right[1:3])):
        return Obj.THIRD
    if t0 in PLATFORM and t0 not in _NOT_NAMES:
        return Obj.THIRD  # follow twitter pages, follow insta
    return Obj.BARE if t0 == "" or t0 in BARE_NEXT else None  # not "follow the rules", "follow up"


def _is_handle(word: str) -> bool:
    return word.startswith("@") and word != "@url"


_NOT_NAMES = words("here there lol line x tt sc kick steam epic league plus google")


def _on_platform(window: list[str]) -> bool:
    """follow him on twitch; a link counts only after on/at and not after a thing ("the guide on @url")."""
    thing = window[:1] in (["the"], ["this"], ["that"], ["these"], ["those"], ["a"], ["an"])
    return any(word in TO and nxt in PLATFORM and (nxt != "@url" or (word in ("on", "at") and not thing))
               for word, nxt in pairwise(window))


def _subscribe_other(t0: str, t1: str, t2: str) -> Obj | None:
    if t0 in TO and t1:
        return None if t1 in ABSTRACT or (t1 in DETERMINERS and t2 in ABSTRACT) else Obj.THIRD
    if t0 in ("button", "bell", "count", "box", "link", "feature", "option", "icon", "tab", "rate", "buttons"):
        return None  # "the subscribe button"
    return Obj.BARE


# --- the clause before a cue -------------------------------------------------------------------------

def _state(left: list[str], fresh: list[str] | None = None) -> State:
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
    if _negated(left):
        return State.BLOCKED
    if _ASK_YOU_TO.search(joined):
        return State.IMPERATIVE
    return State.BLOCKED if _reported(left) else None


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


def _negated(left: list[str]) -> bool:
    """Negated, or a habit given up ("I used to do sub4sub"): either way not asked now."""
    return not NEGATION.isdisjoint(left[-4:]) or "used" in left[-3:]


def _reported(left: list[str]) -> bool:
    return not REPORTING.isdisjoint(left[-3:])


def _refused(text: str, end: int) -> bool:
    """A rejoinder right after: 'f4f? no thanks'."""
    after = text[end:end + 24].lstrip(" |")
    return any(after == refusal or after.startswith(refusal + " ") for refusal in REFUSALS)
