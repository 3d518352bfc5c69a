"""The gateway websocket: HELLO, heartbeats, IDENTIFY/RESUME, intent-filtered dispatches, chunking.

Frames are sent uncompressed as text even when the client asks for ``compress=zlib-stream``;
discord.py only decompresses binary frames, so text frames are read as they are.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from . import _payloads as p
from .constants import (
    PRIVILEGED_INTENTS,
    ApplicationFlags,
    CloseCode,
    Intents,
    Op,
)
from .models import Channel, Emoji, Guild, Member, Message, User
from .sharding import Sharding, parse_shard, shard_for
from .state import State

log = logging.getLogger("standin.gateway")

JSON = dict[str, Any]
#: Builds one dispatch's payload for a session (None = don't send it to that session).
PayloadBuilder = Callable[["GatewaySession"], JSON | None]

_BUFFER_LIMIT = 5000
_CHUNK_SIZE = 1000


@dataclass(eq=False)
class GatewaySession:
    """An identified session. Survives its connection so that a RESUME can pick it up."""

    id: str
    intents: Intents
    large_threshold: int
    shard: list[int] | None
    seq: int = 0
    #: Dispatch frames sent (or buffered while disconnected), for replay on RESUME.
    buffer: list[JSON] = field(default_factory=list)
    connection: GatewayConnection | None = None
    invalidated: bool = False
    #: The last presence the client set (IDENTIFY ``presence`` or op 3).
    presence: JSON | None = None

    def has(self, intent: Intents) -> bool:
        return bool(self.intents & intent)

    @property
    def shard_id(self) -> int:
        return (parse_shard(self.shard) or (0, 1))[0]

    def serves(self, guild_id: int | None) -> bool:
        """Whether this session's shard receives the guild's events (DMs, ``None``, go to shard 0)."""
        shard_id, count = parse_shard(self.shard) or (0, 1)
        return shard_id == (0 if guild_id is None else shard_for(guild_id, count))


@dataclass(eq=False)
class GatewayConnection:
    """One websocket connection from a client."""

    id: int
    ws: web.WebSocketResponse
    path: str
    query: dict[str, str]
    opened_at: float
    closed_at: float | None = None
    session: GatewaySession | None = None
    #: "identify" or "resume" once the client has sent either.
    start: str | None = None
    #: Close code, from whichever side closed first.
    close_code: int | None = None
    #: Every payload the client sent / every frame the stand-in sent, in order.
    received: list[JSON] = field(default_factory=list)
    sent: list[JSON] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    outbox: asyncio.Queue[tuple[JSON | None, asyncio.Future[bool] | None]] = field(default_factory=asyncio.Queue)

    @property
    def is_open(self) -> bool:
        return not self.closed.is_set()

    @property
    def intents(self) -> Intents:
        return self.session.intents if self.session else Intents(0)

    def __repr__(self) -> str:
        state = "open" if self.is_open else f"closed({self.close_code})"
        return f"<GatewayConnection #{self.id} {self.start or 'unidentified'} {state}>"


class Gateway:
    def __init__(self, state: State, *, heartbeat_interval_ms: int = 41_250, sharding: Sharding | None = None) -> None:
        self.state = state
        self.sharding = sharding or Sharding()
        self.heartbeat_interval_ms = heartbeat_interval_ms
        #: Set False to stop answering heartbeats (a "zombie" connection, to test reconnect logic).
        self.ack_heartbeats = True
        #: Seconds a session stays resumable after its connection closed.
        self.resume_window = 120.0
        #: Dispatches the client already had, sent again on its next RESUME (Discord may deliver twice).
        self.redeliver_on_resume = 0
        #: Loop time until which the gateway is down: new connections are refused with 503 (see `outage`).
        self.down_until = 0.0
        #: Loop times of connections refused during an outage.
        self.refused: list[float] = []
        self.url = ""  # set by the server once it knows its port
        self.resume_url = ""
        self.sessions: list[GatewaySession] = []
        self.connections: list[GatewayConnection] = []
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._tasks: set[asyncio.Task[Any]] = set()

    # ---- public helpers --------------------------------------------------------------------------

    @property
    def open_connections(self) -> list[GatewayConnection]:
        return [c for c in self.connections if c.is_open]

    def current(self) -> GatewayConnection | None:
        """The most recent open connection that completed IDENTIFY or RESUME."""
        for connection in reversed(self.connections):
            if connection.is_open and connection.session is not None:
                return connection
        return None

    async def wait_for_ready(self, timeout: float) -> GatewayConnection:
        """An open connection that has been sent READY and every GUILD_CREATE (or RESUMED)."""

        def ready() -> GatewayConnection | None:
            for connection in reversed(self.connections):
                if connection.is_open and connection.ready.is_set():
                    return connection
            return None

        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(lambda: ready() is not None)
        found = ready()
        assert found is not None
        return found

    def ready_shards(self) -> set[int]:
        """Shard ids with an open connection that has been sent READY and its GUILD_CREATEs (or RESUMED)."""
        return {c.session.shard_id for c in self.connections if c.is_open and c.ready.is_set() and c.session}

    async def wait_for_shards(self, shard_ids: set[int], timeout: float) -> None:
        """Wait until every one of ``shard_ids`` is ready on an open connection."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(lambda: shard_ids <= self.ready_shards())

    async def wait_for_disconnect(self, timeout: float) -> GatewayConnection:
        """Wait until no connection is open; returns the last one to close."""
        async with asyncio.timeout(timeout):
            async with self._changed:
                await self._changed.wait_for(lambda: not self.open_connections)
        closed = [c for c in self.connections if c.closed_at is not None]
        if not closed:
            raise RuntimeError("no client has connected yet")
        return max(closed, key=lambda c: c.closed_at or 0.0)

    async def flush(self, timeout: float = 5.0) -> None:
        """Wait until everything queued so far has been written to every open socket."""
        futures = [self._enqueue(c, None) for c in self.open_connections]
        if futures:
            async with asyncio.timeout(timeout):
                await asyncio.gather(*futures)

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client closes and RESUMEs."""
        for connection in self.open_connections:
            await self._enqueue(connection, {"op": Op.RECONNECT, "d": None})

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; with ``resumable=False`` the session can no longer be resumed."""
        for connection in self.open_connections:
            if connection.session is not None and not resumable:
                connection.session.invalidated = True
            await self._enqueue(connection, {"op": Op.INVALID_SESSION, "d": resumable})

    async def drop(self, code: int = CloseCode.UNKNOWN_ERROR) -> None:
        """Close every open connection with ``code`` (4000 lets discord.py reconnect and resume)."""
        for connection in self.open_connections:
            await self._close(connection, code)

    async def close(self) -> None:
        for connection in self.open_connections:
            await self._close(connection, 1001)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=2.0)

    # ---- dispatching -----------------------------------------------------------------------------

    def live_sessions(self) -> list[GatewaySession]:
        now = asyncio.get_running_loop().time()
        alive = []
        for session in self.sessions:
            if session.invalidated:
                continue
            connection = session.connection
            recently_closed = (
                connection is not None
                and connection.closed_at is not None
                and now - connection.closed_at < self.resume_window
            )
            if connection is None or connection.is_open or recently_closed:
                alive.append(session)
        return alive

    def dispatch(self, event: str, build: PayloadBuilder, *, intent: Intents | None = None) -> list[Any]:
        """Queue a dispatch to every live session whose intents allow it. Returns futures resolved once
        the frame is written (or immediately for a session that is disconnected and only buffers it)."""
        futures: list[Any] = []
        for session in self.live_sessions():
            if intent is not None and not session.has(intent):
                continue
            data = build(session)
            if data is None or not session.serves(_guild_of(event, data)):
                continue
            futures.append(self._dispatch_to(session, event, data))
        return futures

    def _dispatch_to(self, session: GatewaySession, event: str, data: JSON) -> asyncio.Future[bool]:
        session.seq += 1
        frame = {"op": Op.DISPATCH, "t": event, "s": session.seq, "d": data}
        session.buffer.append(frame)
        if len(session.buffer) > _BUFFER_LIMIT:
            del session.buffer[: len(session.buffer) - _BUFFER_LIMIT]
        connection = session.connection
        if connection is not None and connection.is_open:
            return self._enqueue(connection, frame)
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        done.set_result(False)
        return done

    def _enqueue(self, connection: GatewayConnection, frame: JSON | None) -> asyncio.Future[bool]:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if not connection.is_open:
            future.set_result(False)
            return future
        connection.outbox.put_nowait((frame, future))
        return future

    # ---- events built from the world ---------------------------------------------------------------

    def content_visible(self, session: GatewaySession, message: Message) -> bool:
        """Discord blanks message content for apps without the MESSAGE_CONTENT intent, except in DMs,
        in messages that mention the app, and in the app's own messages."""
        if session.has(Intents.MESSAGE_CONTENT):
            return True
        bot = self.state.bot
        return message.channel.is_dm or message.author is bot or bot in message.mentions

    def message_intent(self, channel: Channel) -> Intents:
        return Intents.DIRECT_MESSAGES if channel.is_dm else Intents.GUILD_MESSAGES

    def message_create(self, message: Message) -> list[Any]:
        return self._message_event("MESSAGE_CREATE", message)

    def message_update(self, message: Message) -> list[Any]:
        return self._message_event("MESSAGE_UPDATE", message)

    def _message_event(self, event: str, message: Message) -> list[Any]:
        if message.ephemeral:
            return []
        bot = self.state.bot

        def build(session: GatewaySession) -> JSON:
            return p.message(message, viewer=bot, with_content=self.content_visible(session, message), gateway=True)

        return self.dispatch(event, build, intent=self.message_intent(message.channel))

    def message_delete(self, message: Message) -> list[Any]:
        data: JSON = {"id": str(message.id), "channel_id": str(message.channel.id)}
        if message.guild is not None:
            data["guild_id"] = str(message.guild.id)
        return self.dispatch("MESSAGE_DELETE", lambda s: data, intent=self.message_intent(message.channel))

    def reaction_event(self, add: bool, message: Message, user: User, emoji: Emoji) -> list[Any]:
        data: JSON = {
            "user_id": str(user.id),
            "channel_id": str(message.channel.id),
            "message_id": str(message.id),
            "emoji": p.emoji(emoji),
            "burst": False,
            "type": 0,
        }
        guild = message.guild
        if guild is not None:
            data["guild_id"] = str(guild.id)
        if add:
            data["message_author_id"] = str(message.author.id)
            data["burst_colors"] = []
            member = guild.member(user) if guild is not None else None
            if member is not None:
                data["member"] = p.member(member)
        intent = Intents.DIRECT_MESSAGE_REACTIONS if message.channel.is_dm else Intents.GUILD_MESSAGE_REACTIONS
        event = "MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE"
        return self.dispatch(event, lambda s: data, intent=intent)

    def guild_create(self, guild: Guild) -> list[Any]:
        """The bot joined ``guild`` (after READY)."""
        return self.dispatch(
            "GUILD_CREATE", lambda s: self._guild_create_payload(s, guild, joining=True), intent=Intents.GUILDS
        )

    def guild_delete(self, guild: Guild, *, unavailable: bool = False) -> list[Any]:
        data: JSON = {"id": str(guild.id)}
        if unavailable:
            data["unavailable"] = True
        return self.dispatch("GUILD_DELETE", lambda s: data, intent=Intents.GUILDS)

    def member_add(self, member: Member) -> list[Any]:
        data = p.member(member) | {"guild_id": str(member.guild.id)}
        return self.dispatch("GUILD_MEMBER_ADD", lambda s: data, intent=Intents.GUILD_MEMBERS)

    def member_update(self, member: Member) -> list[Any]:
        data = p.member(member) | {"guild_id": str(member.guild.id)}
        return self.dispatch("GUILD_MEMBER_UPDATE", lambda s: data, intent=Intents.GUILD_MEMBERS)

    def member_remove(self, guild: Guild, user: User) -> list[Any]:
        data: JSON = {"guild_id": str(guild.id), "user": p.user(user)}
        return self.dispatch("GUILD_MEMBER_REMOVE", lambda s: data, intent=Intents.GUILD_MEMBERS)

    def channel_event(self, event: str, channel: Channel) -> list[Any]:
        data = p.channel(channel)
        return self.dispatch(event, lambda s: data, intent=Intents.GUILDS)

    def role_event(self, event: str, guild: Guild, role_data: JSON) -> list[Any]:
        data = {"guild_id": str(guild.id), "role": role_data}
        return self.dispatch(event, lambda s: data, intent=Intents.GUILDS)

    def interaction_create(self, payload: JSON) -> list[Any]:
        return self.dispatch("INTERACTION_CREATE", lambda s: payload)

    def _guild_create_payload(self, session: GatewaySession, guild: Guild, *, joining: bool) -> JSON:
        large = len(guild.members) > session.large_threshold
        me = guild.member(self.state.bot)
        if session.has(Intents.GUILD_PRESENCES) and not large:
            members = list(guild.members.values())
        else:
            # Without the presences intent Discord sends only the bot's own member (and voice members).
            members = [me] if me is not None else []
        joined_at = me.joined_at if me is not None else None
        return p.guild_create(guild, members=members, large=large, joined_at=joined_at, joining=joining)

    # ---- the websocket ------------------------------------------------------------------------------

    async def outage(self, seconds: float) -> None:
        """The gateway goes down for `seconds`: open connections drop (4000, as when Discord's gateway goes away)
        and new ones are refused with 503 until it is back. Sessions stay resumable for `resume_window` after
        their connection closed, like Discord's; an outage longer than that leaves nothing to resume."""
        self.down_until = asyncio.get_running_loop().time() + seconds
        await self.drop(CloseCode.UNKNOWN_ERROR)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if asyncio.get_running_loop().time() < self.down_until:
            self.refused.append(asyncio.get_running_loop().time())
            return web.Response(status=503, text="gateway unavailable")
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        loop = asyncio.get_running_loop()
        connection = GatewayConnection(
            id=next(self._ids), ws=ws, path=request.path, query=dict(request.query), opened_at=loop.time()
        )
        self.connections.append(connection)
        log.info("gateway connection #%d opened on %s", connection.id, request.path_qs)
        writer = asyncio.create_task(self._writer(connection), name=f"standin-gw-writer-{connection.id}")
        self._tasks.add(writer)
        writer.add_done_callback(self._tasks.discard)
        await self._notify()
        try:
            if request.query.get("encoding", "json") != "json":
                await self._close(connection, CloseCode.DECODE_ERROR)
                return ws
            self._enqueue(connection, {"op": Op.HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    if msg.type is WSMsgType.BINARY:
                        await self._close(connection, CloseCode.DECODE_ERROR)
                    continue
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    await self._close(connection, CloseCode.DECODE_ERROR)
                    break
                connection.received.append(payload)
                await self._received(connection, payload)
        finally:
            await self._mark_closed(connection, ws.close_code)
            writer.cancel()
        return ws

    async def _writer(self, connection: GatewayConnection) -> None:
        while True:
            frame, future = await connection.outbox.get()
            sent = False
            try:
                if frame is not None and not connection.ws.closed:
                    await connection.ws.send_str(json.dumps(frame))
                    connection.sent.append(frame)
                    sent = True
                elif frame is None:
                    sent = True
            except (ConnectionError, RuntimeError) as exc:
                log.info("gateway connection #%d: send failed: %s", connection.id, exc)
            finally:
                if future is not None and not future.done():
                    future.set_result(sent)

    async def _received(self, connection: GatewayConnection, payload: JSON) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == Op.HEARTBEAT:
            if self.ack_heartbeats:
                self._enqueue(connection, {"op": Op.HEARTBEAT_ACK, "d": None})
        elif op == Op.IDENTIFY:
            await self._identify(connection, data or {})
        elif op == Op.RESUME:
            await self._resume(connection, data or {})
        elif op == Op.REQUEST_GUILD_MEMBERS:
            self._request_members(connection, data or {})
        elif op == Op.PRESENCE_UPDATE:
            if connection.session is not None:
                connection.session.presence = data
        elif op == Op.VOICE_STATE_UPDATE:
            pass
        else:
            log.warning("gateway connection #%d: unknown op %r", connection.id, op)
            await self._close(connection, CloseCode.UNKNOWN_OPCODE)

    async def _identify(self, connection: GatewayConnection, data: JSON) -> None:
        if connection.session is not None:
            await self._close(connection, CloseCode.ALREADY_AUTHENTICATED)
            return
        if data.get("token") != self.state.token:
            log.warning("gateway connection #%d: IDENTIFY with a wrong token", connection.id)
            await self._close(connection, CloseCode.AUTHENTICATION_FAILED)
            return
        if not isinstance(data.get("intents"), int):
            await self._close(connection, CloseCode.INVALID_INTENTS)
            return
        refusal = self.sharding.refusal(data.get("shard"), (g.id for g in self.state.visible_guilds()))
        if refusal is not None:
            log.warning("gateway connection #%d: IDENTIFY refused: %s", connection.id, refusal[1])
            await self._close(connection, refusal[0])
            return
        intents = Intents(data["intents"])
        missing = intents & PRIVILEGED_INTENTS & ~self.state.application.privileged_intents
        if missing:
            log.warning("gateway connection #%d: disallowed intents %r", connection.id, missing)
            await self._close(connection, CloseCode.DISALLOWED_INTENTS)
            return
        session = GatewaySession(
            id=secrets.token_hex(16),
            intents=intents,
            large_threshold=int(data.get("large_threshold", 50)),
            shard=data.get("shard"),
            connection=connection,
            presence=data.get("presence"),
        )
        self.sessions.append(session)
        connection.session = session
        connection.start = "identify"
        self.sharding.record(asyncio.get_running_loop().time(), session.shard)
        log.info("gateway connection #%d identified (intents %d, shard %s)", connection.id, int(intents), session.shard)
        guilds = [g for g in self.state.visible_guilds() if session.serves(g.id)]
        ready: JSON = {
            "v": 10,
            "user": p.current_user(self.state.bot),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_url,
            "application": {"id": str(self.state.application.id), "flags": int(self.application_flags())},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "auth": {},
        }
        if session.shard is not None:
            ready["shard"] = session.shard
        self._dispatch_to(session, "READY", ready)
        if session.has(Intents.GUILDS):
            for guild in guilds:
                payload = self._guild_create_payload(session, guild, joining=False)
                self._dispatch_to(session, "GUILD_CREATE", payload)
        self._mark_ready_when_flushed(connection)

    async def _resume(self, connection: GatewayConnection, data: JSON) -> None:
        if connection.session is not None:
            await self._close(connection, CloseCode.ALREADY_AUTHENTICATED)
            return
        if data.get("token") != self.state.token:
            await self._close(connection, CloseCode.AUTHENTICATION_FAILED)
            return
        session = next((s for s in self.live_sessions() if s.id == data.get("session_id")), None)
        seq = data.get("seq")
        if session is None or not isinstance(seq, int) or seq > session.seq:
            log.info("gateway connection #%d: RESUME refused, session invalid", connection.id)
            self._enqueue(connection, {"op": Op.INVALID_SESSION, "d": False})
            return
        previous = session.connection
        if previous is not None and previous is not connection and previous.is_open:
            await self._close(previous, CloseCode.SESSION_TIMED_OUT)
        oldest = session.buffer[0]["s"] if session.buffer else session.seq + 1
        if seq + 1 < oldest:
            self._enqueue(connection, {"op": Op.INVALID_SESSION, "d": False})
            return
        session.connection = connection
        connection.session = session
        connection.start = "resume"
        replay_from = seq - self.redeliver_on_resume
        self.redeliver_on_resume = 0
        missed = [frame for frame in session.buffer if frame["s"] > replay_from and frame["t"] != "RESUMED"]
        log.info("gateway connection #%d resumed session, replaying %d events", connection.id, len(missed))
        for frame in missed:
            self._enqueue(connection, frame)
        self._dispatch_to(session, "RESUMED", {})
        self._mark_ready_when_flushed(connection)

    def _request_members(self, connection: GatewayConnection, data: JSON) -> None:
        session = connection.session
        if session is None:
            return
        guild_ids = data.get("guild_id")
        ids = guild_ids if isinstance(guild_ids, list) else [guild_ids]
        for raw_id in ids:
            guild = self.state.guilds.get(int(raw_id)) if raw_id is not None else None
            if guild is None or not guild.joined:
                continue
            self._send_chunks(session, guild, data)

    def _send_chunks(self, session: GatewaySession, guild: Guild, data: JSON) -> None:
        not_found: list[str] = []
        user_ids = data.get("user_ids")
        if user_ids:
            wanted = [int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])]
            members = [guild.members[u] for u in wanted if u in guild.members]
            not_found = [str(u) for u in wanted if u not in guild.members]
        elif not session.has(Intents.GUILD_MEMBERS):
            log.warning("member chunk request without the GUILD_MEMBERS intent; answering with no members")
            members = []
        else:
            query = str(data.get("query") or "").lower()
            limit = int(data.get("limit") or 0)
            members = [
                m
                for m in guild.members.values()
                if m.user.username.lower().startswith(query) or (m.nick or "").lower().startswith(query)
            ]
            if query and limit:
                members = members[:limit]
        chunks = [members[i : i + _CHUNK_SIZE] for i in range(0, len(members), _CHUNK_SIZE)] or [[]]
        for index, chunk in enumerate(chunks):
            payload: JSON = {
                "guild_id": str(guild.id),
                "members": [p.member(m) for m in chunk],
                "chunk_index": index,
                "chunk_count": len(chunks),
            }
            if not_found and index == len(chunks) - 1:
                payload["not_found"] = not_found
            if data.get("nonce") is not None:
                payload["nonce"] = data["nonce"]
            if data.get("presences"):
                payload["presences"] = []
            self._dispatch_to(session, "GUILD_MEMBERS_CHUNK", payload)

    def application_flags(self) -> ApplicationFlags:
        enabled = self.state.application.privileged_intents
        flags = ApplicationFlags.APPLICATION_COMMAND_BADGE
        if enabled & Intents.GUILD_PRESENCES:
            flags |= ApplicationFlags.GATEWAY_PRESENCE_LIMITED
        if enabled & Intents.GUILD_MEMBERS:
            flags |= ApplicationFlags.GATEWAY_GUILD_MEMBERS_LIMITED
        if enabled & Intents.MESSAGE_CONTENT:
            flags |= ApplicationFlags.GATEWAY_MESSAGE_CONTENT_LIMITED
        return flags

    def _mark_ready_when_flushed(self, connection: GatewayConnection) -> None:
        future = self._enqueue(connection, None)

        def done(_: asyncio.Future[bool]) -> None:
            connection.ready.set()
            self._spawn(self._notify())

        future.add_done_callback(done)

    async def _close(self, connection: GatewayConnection, code: int) -> None:
        if connection.close_code is None:
            connection.close_code = code
        if not connection.ws.closed:
            await connection.ws.close(code=code)
        await self._mark_closed(connection, code)

    async def _mark_closed(self, connection: GatewayConnection, code: int | None) -> None:
        if connection.closed.is_set():
            return
        if connection.close_code is None:
            connection.close_code = code
        connection.closed_at = asyncio.get_running_loop().time()
        connection.closed.set()
        # Anything still queued will never be written.
        while not connection.outbox.empty():
            _, future = connection.outbox.get_nowait()
            if future is not None and not future.done():
                future.set_result(False)
        log.info("gateway connection #%d closed (%s)", connection.id, connection.close_code)
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _guild_of(event: str, data: JSON) -> int | None:
    """The guild a dispatch belongs to, which decides the shard that receives it (None: every shard,
    also for a deliberately malformed payload)."""
    if not isinstance(data, dict):
        return None
    raw = data.get("id") if event in {"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"} else data.get("guild_id")
    return int(raw) if isinstance(raw, int | str) and str(raw).isdigit() else None
