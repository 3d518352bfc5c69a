"""The words after a follow word: what it is done to (me, back, you, my channel, @someone, nothing).
Part of `_detect_rules`; word lists live in `_detect_lexicon`."""

from __future__ import annotations

from enum import Enum, auto
from itertools import pairwise

from bot.core._detect_lexicon import (
    ABSTRACT,
    ACCOUNT,
    BARE_NEXT,
    DETERMINERS,
    FOLLOW_ME_NOT,
    ME,
    MY,
    PEOPLE,
    PLATFORM,
    PREDICATES,
    TO,
    TOPIC_NOUNS,
    YOU,
    words,
)


class Obj(Enum):
    """What a follow word is done to, from its right context."""

    BACK = auto()  # follow (me) back
    YOU = auto()  # follow you (the writer's offer)
    YOU_BACK = auto()  # follow you back
    OWN = auto()  # follow me, sub to my channel
    THIRD = auto()  # follow @someone on twitch, subscribe to X
    BARE = auto()  # follow!, subscribe for more
    BARE_SUB = auto()  # "sub" alone is too often a noun: only with please nearby


_OF_THINGS = frozenset({"of", "these", "those", "the", "my", "them"})


# --- objects -----------------------------------------------------------------------------------------

_Found = tuple[Obj | None, int]  # what a follow word is done to, and how many words after it show that


def object_of(verb: str, right: list[str]) -> _Found:
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


