"""The policy page: every setting with its default, this server's override and its description; edits are
validated like config.yaml, previewed as a dry run over recent demands, then applied and audited."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.config import ConfigError, override_validator, with_overrides
from bot.core.setting_changes import VIA_WEB, Proposal, audited, current_value_of, propose
from bot.core.setting_keys import (
    GUILD_SECTIONS,
    current_value,
    overridden_keys,
    setting_keys,
    shown,
)
from bot.core.settings import Settings
from bot.core.simulate import Simulation, replays, simulate, transition_lines
from bot.web.guard import GuildRequest, guild_route

log = logging.getLogger(__name__)

LONG_TEXT = 60


def add_routes(app: web.Application) -> None:
    app.router.add_get("/guilds/{guild_id}/policy", policy_page)
    app.router.add_post("/guilds/{guild_id}/policy/preview", preview)
    app.router.add_post("/guilds/{guild_id}/policy/apply", apply)


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    name: str  # the key without its section
    default: str
    override: str | None
    value: str  # what the field shows: the typed text, or the value in force
    description: str
    long: bool
    error: str | None


def _rows(req: GuildRequest, overrides: dict[str, Any], typed: dict[str, str],
          errors: dict[str, str]) -> dict[str, list[Row]]:
    base = req.dashboard.settings
    current = _settings(base, overrides)
    changed = set(overridden_keys(overrides))
    described = req.dashboard.descriptions
    sections: dict[str, list[Row]] = {section: [] for section in GUILD_SECTIONS}
    for key in setting_keys(base):
        section, _, name = key.partition(".")
        value = typed.get(key, shown(current_value(current, key)))
        sections[section].append(Row(
            key, name, shown(current_value(base, key)),
            shown(current_value_of(overrides, key)) if key in changed else None, value,
            described.get(key) or described.get(key.rsplit(".", 1)[0], ""), len(value) > LONG_TEXT,
            errors.get(key)))
    return sections


def _settings(base: Settings, overrides: dict[str, Any]) -> Settings:
    try:
        return with_overrides(base, overrides)
    except ConfigError:  # config.yaml changed under stored overrides: the bot uses the defaults too
        return base


@guild_route
async def policy_page(req: GuildRequest) -> web.StreamResponse:
    overrides = await req.dashboard.store.guild_overrides(req.guild_id)
    applied = req.session.pop("applied", None)
    return _render(req, overrides, {}, {}, applied=applied)


def _render(req: GuildRequest, overrides: dict[str, Any], typed: dict[str, str], errors: dict[str, str],
            **extra: Any) -> web.Response:
    return aiohttp_jinja2.render_template("policy.html", req.request, req.context(
        section="policy", sections=_rows(req, overrides, typed, errors), errors=errors,
        preview=extra.pop("preview", None), applied=extra.pop("applied", None), names=extra.pop("names", {}),
        **extra),
        status=400 if errors else 200)


async def _proposal(req: GuildRequest) -> tuple[dict[str, Any], dict[str, str], Proposal]:
    assert req.form is not None
    overrides = await req.dashboard.store.guild_overrides(req.guild_id)
    keys = setting_keys(req.dashboard.settings)
    edits = {key: str(req.form[f"k:{key}"]) for key in keys if f"k:{key}" in req.form}
    resets = {key for key in keys if f"r:{key}" in req.form}
    channels: set[int] = set()
    if "audit.channel_id" in edits:
        channels = await req.dashboard.guild_channels(req.guild_id)
    proposal = propose(req.dashboard.settings, overrides, edits, resets, channel_in_guild=channels.__contains__,
                       validate=override_validator(req.dashboard.settings))
    return overrides, edits, proposal


@dataclass(frozen=True, slots=True)
class Preview:
    proposal: Proposal
    simulation: Simulation | None
    days: int
    lines: list[str]
    affected: list[int]


@guild_route
async def preview(req: GuildRequest) -> web.StreamResponse:
    overrides, edits, proposal = await _proposal(req)
    if proposal.errors:
        return _render(req, overrides, edits, proposal.errors)
    if not proposal.changes:
        return _render(req, overrides, {}, {}, applied="Nothing to preview: every value is as it was.")
    current = _settings(req.dashboard.settings, overrides)
    days = current.audit.dry_run_days
    simulation = await _dry_run(req, current, proposal.settings, days) if proposal.policy_changed else None
    lines = transition_lines(simulation) if simulation else []
    affected = sorted(simulation.affected) if simulation else []
    names = await req.dashboard.names.of(req.guild_id, affected)
    return _render(req, overrides, edits, {}, preview=Preview(proposal, simulation, days, lines, affected),
                   names=names)


async def _dry_run(req: GuildRequest, current: Settings, changed: Settings, days: int) -> Simulation:
    since = datetime.now(UTC) - timedelta(days=days)
    replayed = await replays(req.dashboard.moderation, req.guild_id, since, limit=current.audit.dry_run_max_demands,
                             current=current.policy, changed=changed.policy, bot_id=req.dashboard.bot_user_id())
    return simulate(replayed, current.policy, changed.policy)


@guild_route
async def apply(req: GuildRequest) -> web.StreamResponse:
    overrides, edits, proposal = await _proposal(req)
    if proposal.errors:
        return _render(req, overrides, edits, proposal.errors)
    if proposal.changes:
        now = datetime.now(UTC)
        await req.dashboard.store.set_guild_overrides(req.guild_id, proposal.overrides, now)
        action, detail = audited(proposal.changes, VIA_WEB)
        await req.dashboard.store.record_audit(req.guild_id, req.user_id, action, detail, now)
        req.dashboard.on_settings_changed(req.guild_id)
        log.info("event=policy_changed guild_id=%s user_id=%s via=web keys=%s", req.guild_id, req.user_id,
                 ",".join(change.key for change in proposal.changes))
        req.session["applied"] = "Applied: " + "; ".join(f"{c.key} {c.old} → {c.new}" for c in proposal.changes)
    raise web.HTTPSeeOther(f"/guilds/{req.guild_id}/policy")
