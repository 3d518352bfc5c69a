"""The playground's web server: a Discord-like page and the small JSON API behind it (plain aiohttp, no build step).

Every action goes through the stand-in's own drivers (``send_message``, ``click_button``, ``slash_command``...),
which speak to the bot over the gateway exactly as in the tests; the page shows the stand-in's messages as Discord
JSON, so what you see is what the bot really sent. Ephemeral messages are shown only to the member they answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from .. import _payloads as p
from ..constants import MessageFlags, OptionType, Permissions
from ..interactions import CommandNotRegistered, InteractionHandle, InvalidInvocation
from ..models import Channel, Emoji, Member, Message
from ..server import StandIn
from .community import Community
from .tour import STEPS, Tour

log = logging.getLogger("standin.playground")

STATIC = Path(__file__).parent / "static"
#: How long the page waits for the bot to answer an interaction (Discord gives the bot 3 s).
INTERACTION_WAIT = 3.5
JSON = dict[str, Any]
#: The channel name the page uses for the viewer's direct messages with the bot.
DM = "dm"


class Playground(Protocol):
    """What the page drives: the seeded community (with its stand-in), the tour, and a way back to the seed."""

    @property
    def community(self) -> Community: ...

    @property
    def tour(self) -> Tour: ...

    async def reset(self) -> None: ...


class BadRequest(Exception):
    """Shown to the visitor as it is."""


class PlaygroundApp:
    def __init__(self, playground: Playground) -> None:
        self.playground = playground
        self.version = 0
        self._changed = asyncio.Condition()
        self._busy = asyncio.Lock()  # the tour and reset: one at a time
        self._watcher: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ---- lifecycle -------------------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[_errors])
        routes = [
            web.get("/", self._index),
            web.get("/favicon.ico", self._favicon),
            web.static("/static", STATIC),
            web.get("/api/world", self._world),
            web.get("/api/channels/{channel_id}/messages", self._messages),
            web.post("/api/channels/{channel_id}/messages", self._send),
            web.post("/api/messages/{message_id}/reactions", self._react),
            web.post("/api/messages/{message_id}/buttons", self._button),
            web.post("/api/commands", self._command),
            web.post("/api/autocomplete", self._autocomplete),
            web.post("/api/tour/next", self._tour_next),
            web.post("/api/reset", self._reset),
            web.get("/api/events", self._events),
            web.get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment),
        ]
        app.add_routes(routes)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.url = f"http://{bound_host}:{bound_port}/"
        self._watcher = asyncio.create_task(self._watch(), name="playground-watch")
        return self.url

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- live updates ----------------------------------------------------------------------------------

    async def changed(self) -> None:
        async with self._changed:
            self.version += 1
            self._changed.notify_all()

    async def _watch(self) -> None:
        """Every request the bot makes may change what the page shows: tell the pages when one arrived."""
        seen: tuple[int, int] = (0, 0)
        while True:
            standin = self.playground.community.standin
            now = (id(standin), len(standin.requests.requests))
            if now != seen:
                seen = now
                await self.changed()
            await asyncio.sleep(0.1)

    async def _next_version(self, seen: int) -> int:
        async with self._changed:
            await self._changed.wait_for(lambda: self.version != seen)
            return self.version

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: one per change, with the version; the page then reloads what it shows."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        sent = -1
        try:
            while True:
                sent = await self._next_version(sent)
                await response.write(f"data: {json.dumps({'version': sent})}\n\n".encode())
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response

    # ---- reading ---------------------------------------------------------------------------------------

    async def _index(self, _request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "index.html")

    async def _favicon(self, _request: web.Request) -> web.StreamResponse:
        return web.Response(status=204)

    async def _world(self, request: web.Request) -> web.Response:
        community = self.playground.community
        viewer = self._viewer(request.query.get("as"))
        return _json({
            "guild": {"id": str(community.guild.id), "name": community.guild.name},
            "channels": [{"id": str(c.id), "name": c.name, "topic": c.topic} for c in community.channels.values()],
            "members": [_member(m, community) for m in community.everyone],
            "bot": {"id": str(community.standin.bot.id), "name": community.standin.bot.username},
            "viewer": str(viewer.id),
            "commands": _commands(community.standin, viewer),
            "tour": self._tour_json(),
            "dm": {"messages": sum(1 for m in community.standin.dm_channel(viewer).history() if _visible(m, viewer))},
        })

    def _tour_json(self) -> JSON:
        tour = self.playground.tour
        steps = [{"key": s.key, "title": s.title, "narration": s.narration, "viewer": s.viewer,
                  "channel": s.channel} for s in STEPS]
        return {"position": tour.position, "steps": steps}

    async def _messages(self, request: web.Request) -> web.Response:
        viewer = self._viewer(request.query.get("as"))
        channel = self._channel(request.match_info["channel_id"], viewer)
        answered = {m.interaction.id for m in channel.history() if m.interaction and not m.flags & MessageFlags.LOADING}
        # Like Discord, an interaction's first followup takes the place of its "thinking…" message.
        shown = [m for m in channel.history() if _visible(m, viewer)
                 and not (m.flags & MessageFlags.LOADING and m.interaction and m.interaction.id in answered)]
        return _json({"messages": [self._message_json(m, viewer) for m in shown[-400:]], "version": self.version})

    def _message_json(self, message: Message, viewer: Member) -> JSON:
        data = p.message(message, viewer=viewer.user, with_content=True)
        base = self.playground.community.standin.http_base
        for attachment in data["attachments"]:
            attachment["url"] = attachment["url"].removeprefix(base)
            attachment["proxy_url"] = attachment["url"]
        if message.interaction is not None:
            data["interaction_metadata"]["label"] = self._interaction_label(message.interaction.id)
        data["loading"] = bool(message.flags & MessageFlags.LOADING)
        data["ephemeral"] = message.ephemeral
        return data

    def _interaction_label(self, interaction_id: int) -> str:
        """What Discord shows above an interaction's answer: "used /quidpro stats", "clicked Why?"."""
        handle = self.playground.community.standin.rest.interactions.get(interaction_id)
        if handle is None:
            return "used an app"
        data = handle.payload.get("data") or {}
        if handle.source_message is not None:
            component = handle.source_message.find_component(str(data.get("custom_id"))) or {}
            return f"clicked {component.get('label') or 'a button'}"
        path, options = [str(data.get("name"))], data.get("options") or []
        while options and options[0].get("type") in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP):
            path.append(options[0]["name"])
            options = options[0].get("options") or []
        return "used /" + " ".join(path)

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        attachment_id = int(request.match_info["attachment_id"])
        for message in self.playground.community.standin.state.messages.values():
            for attachment in message.attachments:
                if attachment.id == attachment_id:
                    return web.Response(body=attachment.content,
                                        content_type=attachment.content_type or "application/octet-stream")
        raise web.HTTPNotFound()

    # ---- acting ----------------------------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        body = await _body(request)
        author = self._viewer(body.get("as"))
        channel = self._channel(request.match_info["channel_id"], author)
        content = str(body.get("content") or "").strip()
        if not content:
            raise BadRequest("Type a message first.")
        if len(content) > 2000:
            raise BadRequest("Discord messages are at most 2000 characters.")
        reply_to = self._message(body["reply_to"]) if body.get("reply_to") else None
        message = await self.playground.community.standin.send_message(channel, author, content, reply_to=reply_to)
        await self.changed()
        return _json({"id": str(message.id)})

    async def _react(self, request: web.Request) -> web.Response:
        body = await _body(request)
        message = self._message(request.match_info["message_id"])
        user = self._viewer(body.get("as")).user
        emoji = str(body.get("emoji") or "")
        if not emoji or emoji.isascii() or len(emoji) > 8:
            raise BadRequest("Pick an emoji.")
        standin = self.playground.community.standin
        reaction = message.reaction(emoji)
        if reaction is not None and user in reaction.users:
            await standin.remove_reaction(message, user, emoji)
        else:
            await standin.add_reaction(message, user, Emoji(name=emoji).name)
        await self.changed()
        return _json({})

    async def _button(self, request: web.Request) -> web.Response:
        body = await _body(request)
        message = self._message(request.match_info["message_id"])
        user = self._viewer(body.get("as"))
        standin = self.playground.community.standin
        return await self._interact(lambda: standin.click_button(message, str(body.get("custom_id")), user))

    async def _command(self, request: web.Request) -> web.Response:
        body = await _body(request)
        user = self._viewer(body.get("as"))
        channel = self._channel(str(body.get("channel_id")), user)
        path = str(body.get("command") or "").split()
        options = self._options(channel, path, body.get("options") or {})
        standin = self.playground.community.standin
        return await self._interact(lambda: standin.slash_command(channel, user, path, options))

    async def _autocomplete(self, request: web.Request) -> web.Response:
        body = await _body(request)
        user = self._viewer(body.get("as"))
        channel = self._channel(str(body.get("channel_id")), user)
        path = str(body.get("command") or "").split()
        focused = str(body.get("focused") or "")
        raw = dict(body.get("options") or {})
        typed = str(raw.pop(focused, ""))
        options = self._options(channel, path, raw) | {focused: typed}
        standin = self.playground.community.standin
        try:
            handle = await standin.autocomplete(channel, user, path, options, focused)
            response = await handle.wait_response(timeout=INTERACTION_WAIT)
        except (InvalidInvocation, CommandNotRegistered, TimeoutError):
            return _json({"choices": []})
        return _json({"choices": response.choices})

    async def _interact(self, start: Callable[[], Awaitable[InteractionHandle]]) -> web.Response:
        try:
            handle = await start()
        except (InvalidInvocation, CommandNotRegistered) as error:
            raise BadRequest(str(error)) from None
        await self.changed()
        try:
            await handle.wait_response(timeout=INTERACTION_WAIT)
        except TimeoutError:
            return _json({"error": "This interaction failed: Quid Pro No did not respond in time."}, status=504)
        await self.changed()
        return _json({"interaction": str(handle.id)})

    def _options(self, channel: Channel, path: list[str], raw: dict[str, Any]) -> dict[str, Any]:
        """Form values (strings) as the Python values the stand-in's driver takes, typed by the registered
        command's options."""
        spec = {o["name"]: o for o in _leaf_options(self.playground.community.standin, channel, path)}
        options: dict[str, Any] = {}
        for name, value in raw.items():
            if value in (None, ""):
                continue
            if name not in spec:
                raise BadRequest(f"/{' '.join(path)} has no option {name!r}.")
            options[name] = self._typed(OptionType(spec[name]["type"]), str(value), name)
        return options

    def _typed(self, kind: OptionType, value: str, name: str) -> Any:
        convert: dict[OptionType, Callable[[str], Any]] = {
            OptionType.INTEGER: int,
            OptionType.NUMBER: float,
            OptionType.BOOLEAN: lambda text: text.lower() in ("true", "yes", "1"),
            OptionType.USER: self._viewer,
            OptionType.MENTIONABLE: self._viewer,
            OptionType.CHANNEL: self._channel,
            OptionType.ROLE: lambda text: self.playground.community.guild.roles[int(text)],
        }
        try:
            return convert.get(kind, str)(value)
        except (ValueError, KeyError):
            raise BadRequest(f"{value!r} does not fit option {name!r}.") from None

    async def _tour_next(self, _request: web.Request) -> web.Response:
        async with self._busy:
            try:
                step = await self.playground.tour.advance()
            except LookupError as error:
                raise BadRequest(str(error)) from None
            except TimeoutError:
                log.exception("tour step timed out")
                return _json({"error": "The bot did not answer this step in time; try Reset."}, status=504)
        await self.changed()
        return _json({"played": step.key, "tour": self._tour_json()})

    async def _reset(self, _request: web.Request) -> web.Response:
        async with self._busy:
            await self.playground.reset()
        await self.changed()
        return _json({"reset": True})

    # ---- lookups ---------------------------------------------------------------------------------------

    def _viewer(self, raw: object) -> Member:
        community = self.playground.community
        text = str(raw or "")
        for member in community.everyone:
            if text in (str(member.id), member.user.username):
                return member
        if not text:
            return community.newcomer
        raise BadRequest(f"No member {text!r} here.")

    def _channel(self, raw: str, viewer: Member | None = None) -> Channel:
        """A channel of the server by id or name; "dm" is the viewer's direct messages with the bot."""
        if raw == DM and viewer is not None:
            return self.playground.community.standin.dm_channel(viewer)
        for channel in self.playground.community.channels.values():
            if raw in (str(channel.id), channel.name):
                return channel
        raise BadRequest(f"No channel {raw!r} here.")

    def _message(self, raw: object) -> Message:
        try:
            message = self.playground.community.standin.message(int(str(raw)))
        except (ValueError, KeyError):
            raise BadRequest("That message is gone (was the playground reset?).") from None
        return message


def _visible(message: Message, viewer: Member) -> bool:
    """Ephemeral messages exist only for the member whose interaction they answer."""
    if not message.ephemeral:
        return True
    return message.interaction is not None and message.interaction.user is viewer.user


def _member(member: Member, community: Community) -> JSON:
    return {"id": str(member.id), "handle": member.user.username, "name": member.display_name,
            "moderator": bool(member.permissions & Permissions.MANAGE_GUILD),
            "newcomer": member is community.newcomer}


def _commands(standin: StandIn, viewer: Member) -> list[JSON]:
    """The slash commands the bot registered, one entry per runnable path, as the Discord client lists them
    to this member (commands needing permissions the member lacks are hidden)."""
    guild_id = viewer.guild.id
    found: list[JSON] = []
    for command in [*standin.commands.get(guild_id, []), *standin.commands.get(None, [])]:
        if int(command.get("type", 1)) != 1 or not _may_use(command, viewer):
            continue
        for path, description, options in _leaves([command["name"]], command):
            found.append({"command": " ".join(path), "description": description, "options": options})
    return sorted(found, key=lambda c: c["command"])


def _leaves(path: list[str], node: JSON) -> list[tuple[list[str], str, list[JSON]]]:
    subs = [o for o in node.get("options") or [] if o["type"] in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)]
    if not subs:
        return [(path, node.get("description", ""), list(node.get("options") or []))]
    return [leaf for sub in subs for leaf in _leaves([*path, sub["name"]], sub)]


def _leaf_options(standin: StandIn, channel: Channel, path: list[str]) -> list[JSON]:
    guild_id = channel.guild.id if channel.guild else None
    for command in [*standin.commands.get(guild_id, []), *standin.commands.get(None, [])]:
        for leaf, _description, options in _leaves([command["name"]], command):
            if leaf == path:
                return options
    raise BadRequest(f"There is no /{' '.join(path)} command here.")


def _may_use(command: JSON, member: Member) -> bool:
    required = command.get("default_member_permissions")
    if required is None:
        return True
    needed, have = Permissions(int(required)), member.permissions
    return bool(have & Permissions.ADMINISTRATOR) if needed == 0 else not needed & ~have


async def _body(request: web.Request) -> JSON:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BadRequest("The request body must be JSON.") from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def _json(data: JSON, status: int = 200) -> web.Response:
    return web.json_response(data, status=status)


@web.middleware
async def _errors(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                  ) -> web.StreamResponse:
    try:
        return await handler(request)
    except BadRequest as error:
        return _json({"error": str(error)}, status=400)
    except web.HTTPException:
        raise
    except Exception as error:
        # E.g. a click that raced a reset: the visitor gets a sentence, the log gets the details.
        log.exception("playground request failed: %s %s", request.method, request.path)
        return _json({"error": f"That did not work ({type(error).__name__}); try again, or Reset."}, status=500)

