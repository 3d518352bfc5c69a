"""Reply texts: short, kind public replies and private explanations with the numbers.

Templates use `str.format` fields. Which fields a template may name is fixed here, so a
configuration naming an unknown field is rejected at start-up rather than failing mid-reply.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.core.model import Outcome, Verdict

# Every reason code the policy emits, with the numbers it carries.
REASON_FIELDS: Mapping[str, frozenset[str]] = {
    "self_demand": frozenset(),
    "bot_follows_nobody": frozenset(),
    "target_takes_no_requests": frozenset(),
    "target_takes_requests_from_engaged_only": frozenset(),
    "asked_recently": frozenset({"cooldown_minutes", "minutes_left"}),
    "target_already_follows": frozenset(),
    "mutual_engagement": frozenset({"score_out", "score_in", "needed"}),
    "target_engaged": frozenset({"score_in", "needed"}),
    "one_sided_engagement": frozenset({"score_out", "score_in", "needed"}),
    "not_enough_engagement": frozenset({"score_out", "interactions_out", "needed", "window_days"}),
    "new_member": frozenset({"days_known", "needed"}),
    "low_activity": frozenset({"activity", "needed", "window_days"}),
    "follow_is_not_engagement": frozenset(),
    "daily_cap_reached": frozenset({"demands_today", "cap"}),
    "target_own_bar": frozenset(),
    "target_quota_reached": frozenset(),
}

NAME_FIELDS = frozenset({"requester", "target"})
# Public replies name people only: numbers are private.
PUBLIC_FIELDS = NAME_FIELDS
PRIVATE_FIELDS = NAME_FIELDS | {"window_days"}
HOW_TO_EARN_FIELDS = NAME_FIELDS | {"channel"}
TERMS_FIELDS = NAME_FIELDS | {"terms"}
# Outcomes whose private explanation quotes the target's own stated terms, when they wrote some.
QUOTES_TERMS = frozenset({Outcome.DECLINE, Outcome.QUOTA, Outcome.OPTED_OUT})
DEFAULT_TERMS_QUOTE = "In {target}'s words: “{terms}”"
# Outcomes whose private explanation ends with a concrete way to earn the connection.
EARNABLE = frozenset({Outcome.DECLINE, Outcome.PROPOSE, Outcome.OPTED_OUT})


MAX_TEMPLATE = 1_000  # characters in one configured template
MAX_MESSAGE = 2_000  # Discord's limit for one message


def template_fields(template: str) -> set[str]:
    """The field names a format template uses.

    Raises ValueError on a malformed template, and on anything but plain `{name}` fields: a format
    spec such as `{requester:>2000000000}` or an attribute such as `{requester.__class__}` would let
    a server's configuration allocate gigabytes or reach into objects.
    """
    if len(template) > MAX_TEMPLATE:
        raise ValueError(f"longer than {MAX_TEMPLATE} characters")
    fields = set()
    for _literal, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            written = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise ValueError(f"only plain {{name}} fields are allowed, not {{{written}}}")
        fields.add(name)
    return fields


def unknown_fields(template: str, allowed: frozenset[str]) -> set[str]:
    return template_fields(template) - allowed


def _clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


@dataclass(frozen=True, slots=True)
class Names:
    """How the adapter wants people and places shown (mentions in Discord, plain ids in a terminal)."""

    requester: str
    target: str
    channel: str | None = None
    terms: str | None = None  # the target's own stated terms, already checked (no mentions, no links)


@dataclass(frozen=True, slots=True)
class Templates:
    public: Mapping[str, str]
    private: Mapping[str, str]
    reasons: Mapping[str, str]
    how_to_earn: str
    how_to_earn_anywhere: str
    suggestions: str
    terms: str = DEFAULT_TERMS_QUOTE


def render_public(verdict: Verdict, templates: Templates, names: Names) -> str:
    return _clip(templates.public[verdict.outcome].format(requester=names.requester, target=names.target))


def render_private(verdict: Verdict, templates: Templates, names: Names, suggested: Sequence[str] = ()) -> str:
    """The explanation only the requester sees: outcome, each reason with its numbers, a way forward."""
    name_values = {"requester": names.requester, "target": names.target}
    lines = [templates.private[verdict.outcome].format(window_days=verdict.evidence.get("window_days"),
                                                       **name_values)]
    lines += [
        "- " + templates.reasons[reason.code].format(**name_values, **reason.numbers)
        for reason in verdict.reasons
    ]
    if verdict.outcome in EARNABLE:
        if names.channel:
            lines.append(templates.how_to_earn.format(channel=names.channel, **name_values))
        else:
            lines.append(templates.how_to_earn_anywhere.format(**name_values))
    if names.terms and verdict.outcome in QUOTES_TERMS:
        lines.append(templates.terms.format(terms=names.terms, **name_values))
    if suggested and verdict.outcome is Outcome.DECLINE:
        lines.append(templates.suggestions.format(members=", ".join(suggested)))
    return _clip("\n".join(lines))
