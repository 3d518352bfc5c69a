"""A server's read-only pages: the overview (the numbers of `/quidpro stats`), the audit trail and the
engagement graph."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.core import graph as graph_core
from bot.core import stats as stats_core
from bot.core.model import Outcome
from bot.storage.dashboard import AuditFilter
from bot.web.guard import GuildRequest, guild_route

STATS_DAYS = 30  # the same window as /quidpro stats
AUDIT_PAGE = 50
CHART_WIDTH, CHART_HEIGHT = 720, 200


def add_routes(app: web.Application) -> None:
    app.router.add_get("/guilds/{guild_id}", overview)
    app.router.add_get("/guilds/{guild_id}/audit", audit)
    app.router.add_get("/guilds/{guild_id}/graph", graph)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    height: float
    colour: str
    title: str


def chart_bars(stats: stats_core.Stats) -> tuple[list[Bar], float, int]:
    """Stacked bars per day for an inline SVG: no image rendering on the request path."""
    totals = [sum(counts[i] for counts in stats.per_day.values()) for i in range(len(stats.days))]
    peak = max(max(totals, default=0), 1)
    slot = CHART_WIDTH / max(len(stats.days), 1)
    bars = []
    for i, day in enumerate(stats.days):
        bottom = 0.0
        for group, counts in stats.per_day.items():
            if not counts[i]:
                continue
            height = CHART_HEIGHT * counts[i] / peak
            bars.append(Bar(round(i * slot + 1, 1), round(CHART_HEIGHT - bottom - height, 1), round(height, 1),
                            stats_core.GROUP_COLOURS[group], f"{day:%b %d}: {counts[i]} {group}"))
            bottom += height
    return bars, round(slot - 2, 1), peak


@guild_route
async def overview(req: GuildRequest) -> web.StreamResponse:
    stats = await req.dashboard.overview.stats(req.guild_id, now(), STATS_DAYS)
    bars, bar_width, peak = chart_bars(stats)
    mix = sorted(stats.outcomes.items(), key=lambda item: -item[1])
    names = await req.dashboard.names.of(req.guild_id, (user for user, _ in stats.top_requesters))
    return aiohttp_jinja2.render_template("overview.html", req.request, req.context(
        names=names,
        section="overview", stats=stats, bars=bars, bar_width=bar_width, peak=peak, mix=mix,
        colours=stats_core.GROUP_COLOURS, chart_width=CHART_WIDTH, chart_height=CHART_HEIGHT,
        summary=stats_core.render(stats, mention=False)))


def _audit_filter(query: Any) -> tuple[AuditFilter, list[str]]:
    problems = []
    member = query.get("member", "").strip()
    if member and not member.isdigit():
        problems.append("A member is given by their numeric Discord id.")
    outcome = query.get("outcome", "").strip() or None
    if outcome is not None and outcome != "change" and outcome not in {o.value for o in Outcome}:
        problems.append(f"There is no outcome {outcome!r}.")
    dates = []
    for name in ("from", "to"):
        text = query.get(name, "").strip()
        try:
            dates.append(datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC) if text else None)
        except ValueError:
            problems.append(f"{text!r} is not a date (YYYY-MM-DD).")
            dates.append(None)
    until = dates[1] + timedelta(days=1) if dates[1] else None
    where = AuditFilter(int(member) if member.isdigit() else None,
                        outcome if not problems or outcome in {o.value for o in Outcome} | {"change"} else None,
                        dates[0], until)
    return where, problems


@guild_route
async def audit(req: GuildRequest) -> web.StreamResponse:
    where, problems = _audit_filter(req.request.query)
    page = max(int(req.request.query.get("page", "1")) if req.request.query.get("page", "1").isdigit() else 1, 1)
    rows = await req.dashboard.dashboard_store.audit_page(req.guild_id, where, (page - 1) * AUDIT_PAGE,
                                                          AUDIT_PAGE + 1)
    query = {k: v for k, v in req.request.query.items() if k != "page" and v}
    return aiohttp_jinja2.render_template("audit.html", req.request, req.context(
        section="audit", rows=rows[:AUDIT_PAGE], page=page, more=len(rows) > AUDIT_PAGE, query=query,
        problems=problems, outcomes=[o.value for o in Outcome]))


@guild_route
async def graph(req: GuildRequest) -> web.StreamResponse:
    days = _bounded(req.request.query.get("days"), 30, 1, 365)
    top = _bounded(req.request.query.get("top"), 30, 5, 80)
    at = now()
    settings = await req.dashboard.guild_settings(req.guild_id)
    counts = await req.dashboard.dashboard_store.engagement_counts(req.guild_id, at - timedelta(days=days), at)
    edges = graph_core.decayed_edges((graph_core.DailyCount(c.actor_id, c.target_id, c.kind, c.day, c.count)
                                      for c in counts), settings.policy, at.date())
    drawn = graph_core.build(edges, top)
    names = await req.dashboard.names.of(req.guild_id, (node.id for node in drawn.nodes))
    return aiohttp_jinja2.render_template("graph.html", req.request, req.context(
        names=names,
        section="graph", graph=drawn, days=days, top=top, size=640,
        palette=["#3b7dd8", "#2e9e5b", "#d9822b", "#9c5bd9", "#d94f6b", "#2aa6a6", "#b59a2b", "#6b7bd9"]))


def _bounded(text: str | None, default: int, low: int, high: int) -> int:
    return min(max(int(text), low), high) if text and text.isdigit() else default
