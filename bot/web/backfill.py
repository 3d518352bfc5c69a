"""The backfill page: start, follow and cancel the same job as `/quidpro backfill`, run from the dashboard's
process over Discord's REST API (the engine, its cursors and its audit entry are the bot's own)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp_jinja2
from aiohttp import web

from bot.adapter.backfill import BackfillResult, Window
from bot.adapter.terminal import GuildUnreachable, KeptRateLimited, TokenRejected, backfill_from_terminal
from bot.config import Environment
from bot.core import backfill as progress_text
from bot.core.backfill import Progress
from bot.web.app import Dashboard
from bot.web.guard import GuildRequest, guild_route

log = logging.getLogger(__name__)

REFRESH_SECONDS = 2

# (guild, days, moderator, progress callback, cancel) -> the finished job's result
Runner = Callable[[int, int, int, Callable[[Progress, float], Awaitable[None]], asyncio.Event],
                  Awaitable[BackfillResult]]


@dataclass
class Job:
    guild_id: int
    days: int
    cancel: asyncio.Event = field(default_factory=asyncio.Event)
    started: float = field(default_factory=time.monotonic)
    progress: Progress | None = None
    elapsed: float = 0.0
    result: BackfillResult | None = None
    error: str | None = None
    task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def describe(self) -> str:
        if self.error:
            return f"Backfill stopped: {self.error}"
        if self.result is not None:
            state = "cancelled (start it again to resume)" if self.result.cancelled else "finished"
            return (f"Backfill {state}: {self.result.messages_read:,} messages read, {self.result.events_written:,}"
                    f" interactions recorded in {time.monotonic() - self.started:.0f} s.")
        if self.progress is None:
            return "Backfill starting: listing the channels…"
        return progress_text.describe(self.progress, self.elapsed)


class Backfills:
    """One job per server at a time, in this process."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.jobs: dict[int, Job] = {}

    def start(self, guild_id: int, days: int, actor_id: int) -> Job | None:
        if (current := self.jobs.get(guild_id)) is not None and current.running:
            return None
        job = self.jobs[guild_id] = Job(guild_id, days)
        job.task = asyncio.create_task(self._run(job, actor_id), name=f"web-backfill-{guild_id}")
        return job

    async def _run(self, job: Job, actor_id: int) -> None:
        async def progress(done: Progress, elapsed: float) -> None:
            job.progress, job.elapsed = done, elapsed

        try:
            job.result = await self.runner(job.guild_id, job.days, actor_id, progress, job.cancel)
        except TokenRejected:
            job.error = "Discord rejected DISCORD_TOKEN."
        except GuildUnreachable:
            job.error = "the bot is not a member of this server (or may not see it)."
        except KeptRateLimited as stopped:
            job.error = str(stopped)
        except Exception:
            log.exception("event=backfill_failed guild_id=%s via=web", job.guild_id)
            job.error = "an error on our side; it has been logged. Start it again to resume where it stopped."

    async def close(self) -> None:
        for job in self.jobs.values():
            job.cancel.set()
        await asyncio.gather(*(job.task for job in self.jobs.values() if job.task), return_exceptions=True)


def rest_runner(env: Environment, dashboard: Dashboard) -> Runner:
    """Jobs run by the engine `quidprono backfill` uses: REST only, logged in with DISCORD_TOKEN."""

    async def run(guild_id: int, days: int, actor_id: int, on_progress: Callable[[Progress, float], Awaitable[None]],
                  cancel: asyncio.Event) -> BackfillResult:
        def resumed(window: Window) -> None:
            log.info("event=backfill_resuming guild_id=%s since=%s via=web", guild_id, window.since.isoformat())

        return await backfill_from_terminal(env, dashboard.store, await dashboard.guild_settings(guild_id), guild_id,
                                            days, actor_id=actor_id, on_resume=resumed, on_progress=on_progress,
                                            cancel=cancel)

    return run


def add_routes(app: web.Application) -> None:
    app.router.add_get("/guilds/{guild_id}/backfill", backfill_page)
    app.router.add_post("/guilds/{guild_id}/backfill/start", start)
    app.router.add_post("/guilds/{guild_id}/backfill/cancel", cancel)


@guild_route
async def backfill_page(req: GuildRequest) -> web.StreamResponse:
    settings = (await req.dashboard.guild_settings(req.guild_id)).backfill
    backfills = req.dashboard.backfills
    job = backfills.jobs.get(req.guild_id) if backfills else None
    cursors = await req.dashboard.moderation.cursors(req.guild_id)
    return aiohttp_jinja2.render_template("backfill.html", req.request, req.context(
        section="backfill", job=job, available=backfills is not None, settings=settings,
        unfinished=sum(not c.done for c in cursors), refresh=REFRESH_SECONDS if job and job.running else None,
        notice=req.session.pop("backfill_notice", None)))


@guild_route
async def start(req: GuildRequest) -> web.StreamResponse:
    assert req.form is not None
    settings = (await req.dashboard.guild_settings(req.guild_id)).backfill
    text = str(req.form.get("days", "")).strip()
    backfills = req.dashboard.backfills
    if backfills is None:
        notice = "Backfills need DISCORD_TOKEN in the dashboard's environment."
    elif not text.isdigit() or not 1 <= int(text) <= settings.max_days:
        notice = f"Days must be a whole number from 1 to {settings.max_days} (backfill.max_days)."
    elif backfills.start(req.guild_id, int(text), req.user_id) is None:
        notice = "A backfill is already running here."
    else:
        log.info("event=backfill_started guild_id=%s user_id=%s days=%s via=web", req.guild_id, req.user_id, text)
        notice = None
    if notice:
        req.session["backfill_notice"] = notice
    raise web.HTTPSeeOther(f"/guilds/{req.guild_id}/backfill")


@guild_route
async def cancel(req: GuildRequest) -> web.StreamResponse:
    backfills = req.dashboard.backfills
    job = backfills.jobs.get(req.guild_id) if backfills else None
    if job is not None and job.running:
        job.cancel.set()
        req.session["backfill_notice"] = "Cancelling after the current page of history…"
    raise web.HTTPSeeOther(f"/guilds/{req.guild_id}/backfill")
