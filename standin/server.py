"""``StandIn``: a local Discord (REST v10 + gateway) on 127.0.0.1 for testing a real discord.py client."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from . import _payloads as p
from .constants import (
    ERROR_MESSAGES,
    ChannelType,
    ComponentType,
    ErrorCode,
    Intents,
    InteractionType,
    MessageType,
    Permissions,
)
from .gateway import Gateway, GatewayConnection
from .interactions import (
    InteractionHandle,
    InvalidInvocation,
    command_data,
    find_command,
    interaction_payload,
    new_token,
)
from .models import Channel, Emoji, Guild, Member, Message, Overwrite, Role, User
from .oauth2 import OAuth2
from .recording import Injection, RecordedRequest, RequestLog, RequestPredicate
from .rest import API_PREFIX, RestApi
from .sharding import Sharding, shard_for
from .state import State

log = logging.getLogger("standin")


class StandIn:
    """A Discord stand-in. Use as ``async with StandIn() as discord: ...`` (or ``start()``/``stop()``).

    Point discord.py at it before the client connects::

        discord.http.Route.BASE = standin.api_base                        # includes /api/v10
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(standin.gateway_url)

    (``patch_discord()`` does both and restores them; ``env()`` gives them as environment variables.)
    Log in with ``standin.token``.

    Builder methods (``add_*``, sync) shape the world and, when a client is connected, send the events
    that keep its cache right (GUILD_CREATE, CHANNEL_CREATE, GUILD_ROLE_CREATE, GUILD_MEMBER_ADD...).
    ``add_message`` only writes history. Driver methods (async) act as users would and return once
    the resulting gateway events are written to every connected client.
    """

    def __init__(
        self,
        *,
        bot_name: str = "Quid Pro No",
        token: str | None = None,
        heartbeat_interval_ms: int = 41_250,
        privileged_intents: Intents = Intents.GUILD_MEMBERS | Intents.GUILD_PRESENCES | Intents.MESSAGE_CONTENT,
        fail_on_unknown_routes: bool = True,
        shards: int = 1,
        max_concurrency: int = 1,
    ) -> None:
        self.state = State(bot_name=bot_name, token=token)
        self.state.application.privileged_intents = privileged_intents
        self.requests = RequestLog()
        self.sharding = Sharding(shard_count=shards, max_concurrency=max_concurrency)
        self.gateway = Gateway(self.state, heartbeat_interval_ms=heartbeat_interval_ms, sharding=self.sharding)
        self.rest = RestApi(self.state, self.gateway, self.requests)
        self.fail_on_unknown_routes = fail_on_unknown_routes
        self.interactions: list[InteractionHandle] = []
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._consumed_messages: set[int] = set()

    # ---- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway-resume", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._attachment)
        # OAuth2 (a dashboard's login): the browser's authorize page and the form-encoded token exchange.
        app.router.add_get("/oauth2/authorize", self.oauth2.authorize_page)
        app.router.add_post("/oauth2/authorize", self.oauth2.authorize)
        app.router.add_post("/api/oauth2/token", self.oauth2.token)
        app.router.add_post(API_PREFIX + "/oauth2/token", self.oauth2.token)
        app.router.add_post("/api/oauth2/token/revoke", self.oauth2.revoke_token)
        app.router.add_post(API_PREFIX + "/oauth2/token/revoke", self.oauth2.revoke_token)
        app.router.add_route("*", API_PREFIX + "{tail:/.*}", self.rest.handle)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        (address, *_) = self._runner.addresses
        self._port = int(address[1])
        self.gateway.url = self.gateway_url
        self.gateway.resume_url = f"ws://127.0.0.1:{self._port}/gateway-resume"
        self.rest.http_base = self.http_base
        log.info("Discord stand-in on %s", self.http_base)
        return self

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
        if exc_type is None and self.fail_on_unknown_routes and self.rest.unknown:
            calls = ", ".join(f"{r.method} {r.path}" for r in self.rest.unknown)
            raise AssertionError(f"the bot called routes the stand-in does not implement: {calls}")

    @property
    def http_base(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` must be: ``http://127.0.0.1:PORT/api/v10`` (includes /api/v10)."""
        return self.http_base + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """What ``DiscordWebSocket.DEFAULT_GATEWAY`` must be (as ``yarl.URL``): ``ws://127.0.0.1:PORT/gateway``."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    def env(self) -> dict[str, str]:
        return {"DISCORD_API_BASE": self.api_base, "DISCORD_GATEWAY_URL": self.gateway_url}

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py (in this process) at the stand-in; restores the previous values on exit."""
        import discord.gateway
        import discord.http
        import yarl

        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    @property
    def oauth2(self) -> OAuth2:
        """Discord's OAuth2 endpoints: ``client_id``, ``client_secret``, ``signed_in``, ``redirect_uris``."""
        return self.rest.oauth2

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def bot(self) -> User:
        return self.state.bot

    @property
    def application_id(self) -> int:
        return self.state.application.id

    @property
    def commands(self) -> dict[int | None, list[dict[str, Any]]]:
        """Registered application commands by guild id (``None`` = global)."""
        return self.state.application.commands

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        return self.rest.unknown

    # ---- building the world ---------------------------------------------------------------------------

    def add_user(self, name: str, *, bot: bool = False, global_name: str | None = None) -> User:
        return self.state.add_user(name, bot=bot, global_name=global_name)

    def add_guild(
        self,
        name: str,
        *,
        owner: User | None = None,
        bot_permissions: Permissions | int | None = None,
        shard: int | None = None,
    ) -> Guild:
        """A guild the bot is in, with @everyone, an owner member and the bot's member. With
        ``bot_permissions`` the bot gets a managed role carrying them. With ``shard`` its id routes it
        to that shard of ``sharding.shard_count``."""
        guild_id = None if shard is None else self.state.ids.routed(shard, self.sharding.shard_count)
        guild = self.state.add_guild(name, owner=owner, guild_id=guild_id)
        if bot_permissions is not None:
            role = self.state.add_role(guild, self.bot.username, permissions=bot_permissions, managed=True)
            guild.members[self.bot.id].roles.append(role)
        self.gateway.guild_create(guild)
        return guild

    def add_channel(
        self,
        guild: Guild,
        name: str,
        kind: ChannelType = ChannelType.GUILD_TEXT,
        *,
        topic: str | None = None,
        parent: Channel | None = None,
    ) -> Channel:
        channel = self.state.add_channel(guild, name, kind, topic=topic, parent=parent)
        if guild.joined:
            self.gateway.channel_event("CHANNEL_CREATE", channel)
        return channel

    def add_role(
        self,
        guild: Guild,
        name: str,
        *,
        permissions: Permissions | int = 0,
        color: int = 0,
        mentionable: bool = False,
    ) -> Role:
        role = self.state.add_role(guild, name, permissions=permissions, color=color, mentionable=mentionable)
        if guild.joined:
            self.gateway.role_event("GUILD_ROLE_CREATE", guild, p.role(role))
        return role

    def add_member(
        self,
        guild: Guild,
        user: User | str,
        *,
        bot: bool = False,
        permissions: Permissions | int | None = None,
        roles: Sequence[Role] = (),
        nick: str | None = None,
        joined_at: dt.datetime | None = None,
    ) -> Member:
        """Add a member (a new user when ``user`` is a name). ``permissions`` gives the member a role of
        their own with those permissions, e.g. ``Permissions.MANAGE_GUILD`` for a moderator."""
        if isinstance(user, str):
            user = self.state.add_user(user, bot=bot)
        member_roles = list(roles)
        if permissions is not None:
            member_roles.append(self.add_role(guild, f"{user.username}-perms", permissions=permissions))
        member = self.state.add_member(guild, user, roles=member_roles, nick=nick, joined_at=joined_at)
        if guild.joined:
            self.gateway.member_add(member)
        return member

    def set_roles(self, member: Member, roles: Sequence[Role]) -> None:
        member.roles = list(roles)
        if member.guild.joined:
            self.gateway.member_update(member)

    def set_overwrite(
        self,
        channel: Channel,
        target: Role | Member | User,
        *,
        allow: Permissions | int = 0,
        deny: Permissions | int = 0,
    ) -> None:
        """Set a channel permission overwrite (replaces the target's previous one); sends CHANNEL_UPDATE.
        E.g. ``set_overwrite(ch, standin.bot, deny=Permissions.SEND_MESSAGES)``: the bot's posts then
        fail with 403/50013 and ``channel.permissions_for(guild.me)`` shows it."""
        kind = 0 if isinstance(target, Role) else 1
        channel.overwrites = [o for o in channel.overwrites if o.id != target.id]
        channel.overwrites.append(
            Overwrite(id=target.id, type=kind, allow=Permissions(int(allow)), deny=Permissions(int(deny)))
        )
        if channel.guild is not None and channel.guild.joined:
            self.gateway.channel_event("CHANNEL_UPDATE", channel)

    def add_emoji(self, guild: Guild, name: str, *, animated: bool = False) -> Emoji:
        return self.state.add_emoji(guild, name, animated=animated)

    def dm_channel(self, user: User | Member) -> Channel:
        return self.state.dm_channel(_user(user))

    def add_message(
        self,
        channel: Channel,
        author: User | Member,
        content: str = "",
        *,
        mentions: Sequence[User | Member | Role] | None = None,
        reply_to: Message | None = None,
        mention_author: bool = True,
        timestamp: dt.datetime | None = None,
        embeds: Sequence[dict[str, Any]] = (),
        components: Sequence[dict[str, Any]] = (),
    ) -> Message:
        """Store a message in history without dispatching it (it was sent while the bot was away).

        ``mentions`` defaults to what the content mentions (``<@id>``, ``<@&id>``, like Discord);
        a reply mentions the replied-to author unless ``mention_author=False``. ``timestamp`` dates
        the message (its id encodes it); by default it is now.
        """
        user = _user(author)
        guild = channel.guild
        if guild is not None and guild.member(user) is None:
            raise ValueError(f"{user!r} is not a member of {guild!r}")
        if channel.is_dm and user is not channel.recipient and user is not self.bot:
            raise ValueError("only the recipient and the bot can post in a DM channel")
        if reply_to is not None and reply_to.channel is not channel:
            raise ValueError("a reply must be in the channel of the message it replies to")
        if mentions is None:
            allowed = {"parse": ["users", "roles", "everyone"], "replied_user": mention_author}
            users, roles, everyone = self.state.parse_mentions(channel, content, allowed, reply_to)
        else:
            users = [_user(m) for m in mentions if not isinstance(m, Role)]
            roles = [m for m in mentions if isinstance(m, Role)]
            everyone = "@everyone" in content
            if reply_to is not None and mention_author and reply_to.author not in users:
                users.append(reply_to.author)
        message = Message(
            id=self.state.ids.at(timestamp) if timestamp is not None else self.state.ids.next(),
            channel=channel,
            author=user,
            content=content,
            type=MessageType.REPLY if reply_to is not None else MessageType.DEFAULT,
            mentions=users,
            mention_roles=roles,
            mention_everyone=everyone,
            referenced=reply_to,
            embeds=list(embeds),
            components=list(components),
        )
        return self.state.store_message(message)

    # ---- driving: users act -------------------------------------------------------------------------

    async def send_message(
        self,
        channel: Channel,
        author: User | Member,
        content: str = "",
        *,
        mentions: Sequence[User | Member | Role] | None = None,
        reply_to: Message | None = None,
        mention_author: bool = True,
        timestamp: dt.datetime | None = None,
        embeds: Sequence[dict[str, Any]] = (),
    ) -> Message:
        """A user posts: stored like ``add_message`` and dispatched as MESSAGE_CREATE (content blanked
        for clients without the message-content intent unless the message mentions the bot)."""
        message = self.add_message(
            channel,
            author,
            content,
            mentions=mentions,
            reply_to=reply_to,
            mention_author=mention_author,
            timestamp=timestamp,
            embeds=embeds,
        )
        await self.rest.publish(message)
        return message

    async def edit_message(self, message: Message, content: str) -> Message:
        """The author edits their message (MESSAGE_UPDATE)."""
        await self.rest.apply_edit(message, {"content": content}, [])
        return message

    async def delete_message(self, message: Message) -> None:
        """The message disappears (its author or a moderator deleted it): MESSAGE_DELETE."""
        await self.rest.remove(message)

    async def add_reaction(self, message: Message, user: User | Member, emoji: str | Emoji) -> None:
        await self.rest.react(message, _user(user), emoji if isinstance(emoji, Emoji) else Emoji(name=emoji))

    async def remove_reaction(self, message: Message, user: User | Member, emoji: str | Emoji) -> None:
        key = emoji.key if isinstance(emoji, Emoji) else emoji
        await self.rest.unreact(message, _user(user), key)

    async def member_leave(self, guild: Guild, member: Member | User) -> None:
        """The member leaves (or is kicked): GUILD_MEMBER_REMOVE (members intent only)."""
        user = _user(member)
        if user.id not in guild.members:
            raise ValueError(f"{user!r} is not in {guild!r}")
        del guild.members[user.id]
        if guild.joined:
            await _settle(self.gateway.member_remove(guild, user))

    async def remove_guild(self, guild: Guild) -> None:
        """The bot is removed from the guild: GUILD_DELETE; its REST routes answer 403 from now on."""
        guild.joined = False
        await _settle(self.gateway.guild_delete(guild))

    async def click_button(self, message: Message, custom_id: str, user: User | Member) -> InteractionHandle:
        """A user clicks a button of ``message`` (INTERACTION_CREATE type 3)."""
        component = self._component(message, custom_id, user, ComponentType.BUTTON)
        if component.get("disabled"):
            raise InvalidInvocation(f"button {custom_id!r} is disabled")
        return await self._component_interaction(message, user, {"custom_id": custom_id, "component_type": 2})

    async def select(
        self, message: Message, custom_id: str, user: User | Member, values: Sequence[str]
    ) -> InteractionHandle:
        """A user picks ``values`` in a string select menu of ``message``."""
        component = self._component(message, custom_id, user, ComponentType.STRING_SELECT)
        offered = {o["value"] for o in component.get("options") or []}
        unknown = set(values) - offered
        if unknown:
            raise InvalidInvocation(f"select {custom_id!r} offers no {sorted(unknown)}")
        data = {"custom_id": custom_id, "component_type": int(ComponentType.STRING_SELECT), "values": list(values)}
        return await self._component_interaction(message, user, data)

    async def slash_command(
        self,
        channel: Channel,
        user: User | Member,
        command: str | Sequence[str],
        options: Mapping[str, Any] | None = None,
    ) -> InteractionHandle:
        """A user runs a registered slash command (INTERACTION_CREATE type 2).

        ``command`` is the path: ``"quidpro policy set"`` or ``["quidpro", "policy", "set"]``. Option
        values are Python values; USER options take ``User``/``Member``, ROLE ``Role``, CHANNEL
        ``Channel`` (resolved data is filled in). Raises ``CommandNotRegistered`` if the bot never
        synced the command where the channel is, and ``InvalidInvocation`` for what the Discord client
        would not allow (unknown/missing options, a user lacking ``default_member_permissions``).
        """
        path = command.split() if isinstance(command, str) else list(command)
        the_user = _user(user)
        self._check_command_allowed(channel, the_user, path[0])
        data = command_data(self.state, channel, path, options or {})
        return await self._interaction(InteractionType.APPLICATION_COMMAND, the_user, channel, data)

    async def autocomplete(
        self,
        channel: Channel,
        user: User | Member,
        command: str | Sequence[str],
        options: Mapping[str, Any],
        focused: str,
    ) -> InteractionHandle:
        """A user types in option ``focused`` (INTERACTION_CREATE type 4); answer has ``choices``."""
        path = command.split() if isinstance(command, str) else list(command)
        the_user = _user(user)
        self._check_command_allowed(channel, the_user, path[0])
        data = command_data(self.state, channel, path, options, focused=focused)
        return await self._interaction(InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE, the_user, channel, data)

    async def submit_modal(
        self, handle: InteractionHandle, values: Mapping[str, str], user: User | Member | None = None
    ) -> InteractionHandle:
        """Submit the modal the bot opened in answer to ``handle`` (INTERACTION_CREATE type 5).
        ``values`` maps text-input custom ids to what the user typed."""
        response = await handle.wait_response()  # the modal, once the bot opened it
        if response.type != 9:
            raise InvalidInvocation("the bot did not answer with a modal")
        modal = response.data
        missing = set(values)

        def fill(component: dict[str, Any]) -> dict[str, Any] | None:
            kind = component.get("type")
            if kind == ComponentType.ACTION_ROW:
                inner = [c for c in (fill(x) for x in component.get("components") or []) if c is not None]
                return {"type": 1, "components": inner}
            if kind == 18:  # label
                inner_component = fill(component["component"])
                return None if inner_component is None else {"type": 18, "component": inner_component}
            if kind == ComponentType.TEXT_INPUT:
                custom_id = component["custom_id"]
                if custom_id not in values and component.get("required", True):
                    raise InvalidInvocation(f"required text input {custom_id!r} left empty")
                missing.discard(custom_id)
                return {"type": 4, "custom_id": custom_id, "value": values.get(custom_id, "")}
            return None

        components = [c for c in (fill(x) for x in modal.get("components") or []) if c is not None]
        if missing:
            raise InvalidInvocation(f"the modal has no text inputs {sorted(missing)}")
        data = {"custom_id": modal["custom_id"], "components": components}
        submitter = _user(user) if user is not None else handle.user
        return await self._interaction(
            InteractionType.MODAL_SUBMIT, submitter, handle.channel, data, source=handle.source_message
        )

    # ---- failures ----------------------------------------------------------------------------------------

    def inject_ratelimit(
        self,
        method: str | None,
        path: str,
        *,
        retry_after: float = 0.25,
        times: int | None = 1,
        global_: bool = False,
        predicate: RequestPredicate | None = None,
    ) -> Injection:
        """The next ``times`` matching requests get 429 with ``retry_after`` (JSON and headers, incl.
        ``Via``, as discord.py needs to retry rather than raise). ``path`` is a regex matched in full
        against the path below /api/v10, e.g. ``r"/channels/\\d+/messages"``."""
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": global_}
        if global_:
            body["code"] = 0
        return self._inject(method, path, status=429, body=body, headers={}, times=times, predicate=predicate)

    def inject_error(
        self,
        method: str | None,
        path: str,
        *,
        status: int,
        code: int = 0,
        message: str | None = None,
        times: int | None = 1,
        predicate: RequestPredicate | None = None,
    ) -> Injection:
        """The next ``times`` matching requests get ``status`` with a Discord error body. Note discord.py
        retries 500/502/504 itself (sleeping 1 s, 3 s...)."""
        text = message or ERROR_MESSAGES.get(code) or f"{status}: error"
        body = p.error(code, text)
        return self._inject(method, path, status=status, body=body, headers={}, times=times, predicate=predicate)

    def refuse_posts(self, channel: Channel, *, code: int = ErrorCode.MISSING_PERMISSIONS) -> Injection:
        """Every ``POST /channels/{id}/messages`` to ``channel`` fails with 403 and ``code`` until the
        returned injection is cancelled. The client is not told (unlike ``set_overwrite``)."""
        return self.inject_error("POST", rf"/channels/{channel.id}/messages", status=403, code=code, times=None)

    def _inject(
        self,
        method: str | None,
        path: str,
        *,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str],
        times: int | None,
        predicate: RequestPredicate | None,
    ) -> Injection:
        injection = Injection(
            method=method.upper() if method else None,
            path=re.compile(path),
            status=status,
            body=body,
            headers=headers,
            times=times,
            predicate=predicate,
        )
        self.rest.injections.append(injection)
        return injection

    # ---- gateway control --------------------------------------------------------------------------------

    @property
    def connections(self) -> list[GatewayConnection]:
        return self.gateway.connections

    async def wait_for_ready(self, timeout: float = 10.0) -> GatewayConnection:
        """An open connection that has been sent READY and all GUILD_CREATEs (or RESUMED). discord.py
        fires ``on_ready`` ``guild_ready_timeout`` (default 2 s) after the last GUILD_CREATE."""
        return await self.gateway.wait_for_ready(timeout)

    async def wait_for_shards(self, shard_ids: set[int] | None = None, timeout: float = 10.0) -> None:
        """Every shard (default: all of ``sharding.shard_count``) ready on an open connection."""
        wanted = set(range(self.sharding.shard_count)) if shard_ids is None else shard_ids
        await self.gateway.wait_for_shards(wanted, timeout)

    def shard_of(self, guild: Guild) -> int:
        return shard_for(guild.id, self.sharding.shard_count)

    async def wait_for_disconnect(self, timeout: float = 10.0) -> GatewayConnection:
        return await self.gateway.wait_for_disconnect(timeout)

    async def flush(self, timeout: float = 5.0) -> None:
        """Wait until every queued gateway event (e.g. from ``add_*``) is written."""
        await self.gateway.flush(timeout)

    async def reconnect_client(self, *, redeliver: int = 0) -> None:
        """Ask clients to reconnect (op 7); discord.py then RESUMEs and gets missed events replayed,
        and with ``redeliver`` also that many dispatches it already had (Discord may send events twice)."""
        self.gateway.redeliver_on_resume = redeliver
        await self.gateway.send_reconnect()

    def message_payload(self, message: Message) -> dict[str, Any]:
        """The MESSAGE_CREATE data Discord would send for ``message`` (to mutate into a malformed one)."""
        return p.message(message, viewer=self.state.bot, with_content=True, gateway=True)

    async def dispatch_raw(self, event: str, data: Any) -> None:
        """Send a dispatch exactly as given, however malformed, to every live session."""
        await _settle(self.gateway.dispatch(event, lambda _session: data))

    async def redispatch(self, message: Message) -> None:
        """Send ``message``'s MESSAGE_CREATE once more, as a duplicate dispatch would."""
        await _settle(self.gateway.message_create(message))

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        await self.gateway.invalidate_session(resumable=resumable)

    async def drop_connections(self, code: int = 4000) -> None:
        await self.gateway.drop(code)

    async def gateway_outage(self, seconds: float, *, resume_window: float | None = None) -> None:
        """The gateway is down for `seconds` (connections dropped, new ones refused with 503); with
        `resume_window` shorter than the outage, the session cannot be resumed afterwards."""
        if resume_window is not None:
            self.gateway.resume_window = resume_window
        await self.gateway.outage(seconds)

    # ---- observing -----------------------------------------------------------------------------------------

    def mark(self) -> int:
        return self.requests.mark()

    async def wait_for(
        self,
        method: str | None = None,
        path: str | None = None,
        predicate: RequestPredicate | None = None,
        *,
        timeout: float = 5.0,
        since: int = 0,
    ) -> RecordedRequest:
        """The oldest matching REST request not yet returned by ``wait_for`` (waits if none).
        ``path`` is a regex matched in full against the path below /api/v10."""
        return await self.requests.wait_for(method, path, predicate, timeout=timeout, since=since)

    def bot_messages(
        self,
        channel: Channel | None = None,
        *,
        include_deleted: bool = False,
        include_ephemeral: bool = False,
    ) -> list[Message]:
        """Messages the bot posted (REST, interaction responses and followups), oldest first."""
        messages = sorted(self.state.messages.values(), key=lambda m: m.id)
        return [
            m
            for m in messages
            if m.author is self.bot
            and (channel is None or m.channel is channel)
            and (include_deleted or not m.deleted)
            and (include_ephemeral or not m.ephemeral)
        ]

    async def wait_for_bot_message(
        self,
        channel: Channel | None = None,
        predicate: Callable[[Message], bool] | None = None,
        *,
        timeout: float = 5.0,
        include_ephemeral: bool = False,
    ) -> Message:
        """The oldest bot message (in ``channel``, matching ``predicate``) not yet returned by this
        method; waits for one if there is none. Deleted messages count (they were posted)."""

        def match(message: Message) -> bool:
            return (
                message.author is self.bot
                and message.id not in self._consumed_messages
                and (include_ephemeral or not message.ephemeral)
                and (channel is None or message.channel is channel)
                and (predicate is None or predicate(message))
            )

        try:
            await self.rest.wait_for_message(match, timeout)
        except TimeoutError:
            where = f" in {channel!r}" if channel else ""
            raise TimeoutError(f"the bot posted no matching message{where} within {timeout}s") from None
        found = min((m for m in self.state.messages.values() if match(m)), key=lambda m: m.id)
        self._consumed_messages.add(found.id)
        return found

    def message(self, message_id: int) -> Message:
        return self.state.messages[message_id]

    # ---- internals ---------------------------------------------------------------------------------------

    def _check_command_allowed(self, channel: Channel, user: User, name: str) -> None:
        command = find_command(self.state, channel, name)
        if channel.guild is None:
            if command.get("dm_permission") is False or (
                command.get("contexts") is not None and 1 not in command["contexts"]
            ):
                raise InvalidInvocation(f"/{name} cannot be used in DMs")
            return
        if command.get("contexts") is not None and 0 not in command["contexts"]:
            raise InvalidInvocation(f"/{name} cannot be used in guilds")
        member = channel.guild.member(user)
        if member is None:
            raise InvalidInvocation(f"{user!r} is not a member of {channel.guild!r}")
        required = command.get("default_member_permissions")
        if required is not None:
            needed = Permissions(int(required))
            have = member.permissions_in(channel)
            if (needed == 0 and not have & Permissions.ADMINISTRATOR) or needed & ~have:
                raise InvalidInvocation(f"{user!r} lacks the permissions /{name} requires")

    def _component(self, message: Message, custom_id: str, user: User | Member, kind: ComponentType) -> dict[str, Any]:
        if message.deleted:
            raise InvalidInvocation("the message was deleted")
        component = message.find_component(custom_id)
        if component is None or component.get("type") != kind:
            raise InvalidInvocation(
                f"{message!r} has no {kind.name.lower()} {custom_id!r}; it has {message.custom_ids}"
            )
        the_user = _user(user)
        if message.guild is not None and message.guild.member(the_user) is None:
            raise InvalidInvocation(f"{the_user!r} is not a member of {message.guild!r}")
        return component

    async def _component_interaction(
        self, message: Message, user: User | Member, data: dict[str, Any]
    ) -> InteractionHandle:
        return await self._interaction(
            InteractionType.MESSAGE_COMPONENT, _user(user), message.channel, data, source=message
        )

    async def _interaction(
        self,
        kind: InteractionType,
        user: User,
        channel: Channel,
        data: dict[str, Any],
        *,
        source: Message | None = None,
    ) -> InteractionHandle:
        interaction_id = self.state.ids.next()
        token = new_token()
        message_json = self.rest.message_json(source) if source is not None else None
        payload = interaction_payload(
            self.state,
            interaction_id=interaction_id,
            token=token,
            kind=kind,
            user=user,
            channel=channel,
            data=data,
            message=message_json,
        )
        handle = InteractionHandle(
            id=interaction_id,
            token=token,
            type=kind,
            user=user,
            channel=channel,
            payload=payload,
            created_at=asyncio.get_running_loop().time(),
            source_message=source,
        )
        self.rest.interactions[interaction_id] = handle
        self.interactions.append(handle)
        delivered = self.gateway.interaction_create(payload)
        if not delivered:
            log.warning("interaction %s created with no connected client", interaction_id)
        await _settle(delivered)
        return handle

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        attachment_id = int(request.match_info["attachment_id"])
        for message in self.state.messages.values():
            for attachment in message.attachments:
                if attachment.id == attachment_id:
                    content_type = attachment.content_type or "application/octet-stream"
                    return web.Response(body=attachment.content, content_type=content_type)
        return web.Response(status=404)

    async def _not_found(self, request: web.Request) -> web.StreamResponse:
        log.warning("request outside the API: %s %s", request.method, request.path)
        return web.Response(status=404, text="not found")


def _user(who: User | Member) -> User:
    return who.user if isinstance(who, Member) else who


async def _settle(futures: list[Any], timeout: float = 5.0) -> None:
    if futures:
        async with asyncio.timeout(timeout):
            await asyncio.gather(*futures)
