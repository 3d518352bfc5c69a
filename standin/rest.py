"""The REST API (``/api/v10``): routing, auth, recording, failure injection and the endpoints."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from . import _payloads as p
from .constants import (
    ERROR_MESSAGES,
    CallbackType,
    ChannelType,
    ComponentType,
    ErrorCode,
    Intents,
    InteractionType,
    MessageFlags,
    MessageType,
    Permissions,
)
from .gateway import Gateway
from .interactions import (
    RESPONSE_DEADLINE,
    TOKEN_LIFETIME,
    InteractionHandle,
    InteractionResponse,
    store_commands,
    validate_commands,
)
from .models import Attachment, Channel, Emoji, Guild, InteractionMetadata, Message, Reaction, User
from .oauth2 import OAuth2
from .recording import Injection, RecordedRequest, RequestLog, UploadedFile
from .state import State

log = logging.getLogger("standin.rest")

JSON = dict[str, Any]
API_PREFIX = "/api/v10"
# Routes an OAuth2 user's Bearer token may call (the dashboard's login), besides the bot's own token.
BEARER_ROUTES = frozenset({"/users/@me", "/users/@me/guilds"})
_CUSTOM_EMOJI = re.compile(r"^(?:a:)?([\w~]{1,32}):(\d+)$")
_SEND_FLAGS = MessageFlags.SUPPRESS_EMBEDS | MessageFlags.SUPPRESS_NOTIFICATIONS | MessageFlags.IS_COMPONENTS_V2


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str | None = None, body: JSON | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.body = body or p.error(code, message or ERROR_MESSAGES.get(code, "Error"))


def form_error(path: list[str | int], code: str, message: str) -> ApiError:
    return ApiError(400, ErrorCode.INVALID_FORM_BODY, body=p.form_error(path, code, message))


@dataclass
class Ctx:
    request: web.Request
    record: RecordedRequest
    params: dict[str, str]
    body: Any
    files: list[UploadedFile] = field(default_factory=list)

    @property
    def json(self) -> JSON:
        return self.body if isinstance(self.body, dict) else {}

    def query(self, name: str) -> str | None:
        return self.record.query.get(name)

    def int_param(self, name: str) -> int:
        value = self.params[name]
        if not value.isdigit():
            raise form_error([name], "NUMBER_TYPE_COERCE", f"Value {value!r} is not snowflake.")
        return int(value)


Reply = tuple[int, Any]  # (status, JSON body or None for 204)
Handler = Callable[[Ctx], Awaitable[Reply]]


@dataclass
class Route:
    method: str
    template: str
    handler: Handler
    auth: bool = True
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template))
        self.pattern = re.compile(regex)

    @property
    def bucket(self) -> str:
        return hashlib.md5(f"{self.method} {self.template}".encode()).hexdigest()


class RestApi:
    def __init__(self, state: State, gateway: Gateway, requests: RequestLog) -> None:
        self.state = state
        self.gateway = gateway
        self.requests = requests
        self.injections: list[Injection] = []
        self.interactions: dict[int, InteractionHandle] = {}
        #: Requests no route handled (answered 404); tests should treat any as a failure.
        self.unknown: list[RecordedRequest] = []
        #: Seconds an interaction may wait for its callback before Discord forgets it (10062).
        self.response_deadline = RESPONSE_DEADLINE
        self.http_base = ""  # set by the server: http://127.0.0.1:PORT
        self._message_waiters: asyncio.Condition = asyncio.Condition()
        self.routes = self._routes()
        self.oauth2 = OAuth2(state)

    # ---- plumbing ------------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        path = request.path[len(API_PREFIX) :] or "/"
        record = RecordedRequest(
            seq=self.requests.next_seq(),
            method=request.method,
            path=path,
            query=dict(request.query),
            json=None,
            files=[],
            headers=dict(request.headers),
            received_at=loop.time(),
            received_wall=dt.datetime.now(dt.UTC),
        )
        status: int
        body: Any
        headers: dict[str, str] = {}
        try:
            parsed, files = await self._read_body(request)
            record.json, record.files = parsed, files
            route, params = self._match(request.method, path)
            record.route = route.template if route else None
            injection = next((i for i in self.injections if i.applies_to(record)), None)
            if injection is not None:
                injection.consume(record)
                record.injected = True
                status, body, headers = injection.status, injection.body, dict(injection.headers)
                if status == 429:
                    headers |= _ratelimit_headers(injection)
            elif route is None:
                log.warning("unknown route: %s %s", request.method, path)
                self.unknown.append(record)
                status, body = 404, p.error(0, f"404: Not Found ({request.method} {path})")
            elif route.template in BEARER_ROUTES and (grant := self.oauth2.bearer_grant(request.headers.get(
                    "Authorization"))) is not None:
                status, body = self.oauth2.me(grant) if route.template == "/users/@me" else self.oauth2.my_guilds(grant)
            elif route.auth and request.headers.get("Authorization") != f"Bot {self.state.token}":
                status, body = 401, p.error(0, "401: Unauthorized")
            else:
                status, body = await route.handler(Ctx(request, record, params, parsed, files))
                headers = _normal_ratelimit_headers(route)
        except ApiError as exc:
            status, body = exc.status, exc.body
        except Exception:
            log.exception("stand-in handler crashed on %s %s", request.method, path)
            status, body = 500, p.error(0, "500: Internal Server Error (stand-in bug)")
        record.status, record.response = status, body
        self.requests.add(record)
        if body is None:
            return web.Response(status=status, headers=headers)
        headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(body).encode(), headers=headers)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        if not request.can_read_body:
            return None, []
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            payload: Any = None
            files: list[UploadedFile] = []
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    continue
                data = await part.read()
                name = part.name or ""
                if name == "payload_json":
                    payload = json.loads(data.decode())
                else:
                    files.append(
                        UploadedFile(
                            field=name,
                            filename=part.filename or name,
                            content_type=part.headers.get("Content-Type"),
                            content=bytes(data),
                        )
                    )
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError as exc:
            raise ApiError(400, ErrorCode.GENERAL, "400: Bad Request (body is not JSON)") from exc

    def _match(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self.routes:
            if route.method != method:
                continue
            found = route.pattern.fullmatch(path)
            if found:
                return route, found.groupdict()
        return None, {}

    def _routes(self) -> list[Route]:
        r = Route
        return [
            r("GET", "/gateway", self.get_gateway, auth=False),
            r("GET", "/gateway/bot", self.get_gateway_bot),
            r("GET", "/users/@me", self.get_me),
            r("GET", "/users/@me/guilds", self.get_my_guilds),
            r("DELETE", "/users/@me/guilds/{guild_id}", self.leave_guild),
            r("POST", "/users/@me/channels", self.create_dm),
            r("GET", "/users/{user_id}", self.get_user),
            r("GET", "/oauth2/applications/@me", self.get_application),
            r("GET", "/applications/@me", self.get_application),
            r("GET", "/channels/{channel_id}", self.get_channel),
            r("POST", "/channels/{channel_id}/typing", self.typing),
            r("GET", "/channels/{channel_id}/messages", self.get_messages),
            r("POST", "/channels/{channel_id}/messages", self.create_message),
            r("POST", "/channels/{channel_id}/messages/bulk-delete", self.bulk_delete),
            r("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message),
            r("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.start_thread),
            r("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message),
            r("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message),
            r("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.add_reaction),
            r("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user}", self.remove_reaction),
            r("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", self.get_reactions),
            r("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", self.clear_emoji),
            r("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions", self.clear_reactions),
            r("GET", "/guilds/{guild_id}", self.get_guild),
            r("GET", "/guilds/{guild_id}/channels", self.get_guild_channels),
            r("GET", "/guilds/{guild_id}/roles", self.get_roles),
            r("GET", "/guilds/{guild_id}/members", self.list_members),
            r("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            r("GET", "/applications/{application_id}/commands", self.get_commands),
            r("PUT", "/applications/{application_id}/commands", self.put_commands),
            r("POST", "/applications/{application_id}/commands", self.post_command),
            r("GET", "/applications/{application_id}/commands/{command_id}", self.get_command),
            r("PATCH", "/applications/{application_id}/commands/{command_id}", self.patch_command),
            r("DELETE", "/applications/{application_id}/commands/{command_id}", self.delete_command),
            r("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self.get_commands),
            r("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self.put_commands),
            r("POST", "/applications/{application_id}/guilds/{guild_id}/commands", self.post_command),
            r("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", self.get_command),
            r("PATCH", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", self.patch_command),
            r("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", self.delete_command),
            r("POST", "/interactions/{interaction_id}/{token}/callback", self.interaction_callback, auth=False),
            r("POST", "/webhooks/{application_id}/{token}", self.followup, auth=False),
            r("GET", "/webhooks/{application_id}/{token}/messages/{message_id}", self.webhook_get, auth=False),
            r("PATCH", "/webhooks/{application_id}/{token}/messages/{message_id}", self.webhook_edit, auth=False),
            r("DELETE", "/webhooks/{application_id}/{token}/messages/{message_id}", self.webhook_delete, auth=False),
        ]

    # ---- lookups -------------------------------------------------------------------------------------

    def _channel(self, ctx: Ctx, *, need: Permissions = Permissions.VIEW_CHANNEL) -> Channel:
        channel = self.state.channels.get(ctx.int_param("channel_id"))
        if channel is None:
            raise ApiError(404, ErrorCode.UNKNOWN_CHANNEL)
        if channel.guild is not None and (not channel.guild.joined or self.state.bot.id not in channel.guild.members):
            raise ApiError(403, ErrorCode.MISSING_ACCESS)
        perms = self.state.bot_permissions(channel)
        if not perms & Permissions.VIEW_CHANNEL:
            raise ApiError(403, ErrorCode.MISSING_ACCESS)
        if need & ~perms:
            raise ApiError(403, ErrorCode.MISSING_PERMISSIONS)
        return channel

    def _message(self, ctx: Ctx, channel: Channel) -> Message:
        message = self.state.messages.get(ctx.int_param("message_id"))
        if message is None or message.deleted or message.channel is not channel or message.ephemeral:
            raise ApiError(404, ErrorCode.UNKNOWN_MESSAGE)
        return message

    def _guild(self, ctx: Ctx) -> Guild:
        guild = self.state.guilds.get(ctx.int_param("guild_id"))
        if guild is None:
            raise ApiError(404, ErrorCode.UNKNOWN_GUILD)
        if not guild.joined or self.state.bot.id not in guild.members:
            raise ApiError(403, ErrorCode.MISSING_ACCESS)
        return guild

    def _check_application(self, ctx: Ctx) -> None:
        if ctx.params.get("application_id") != str(self.state.application.id):
            raise ApiError(403, ErrorCode.MISSING_ACCESS)

    def content_visible(self, message: Message) -> bool:
        if self.state.application.privileged_intents & Intents.MESSAGE_CONTENT:
            return True
        bot = self.state.bot
        return message.channel.is_dm or message.author is bot or bot in message.mentions

    def message_json(self, message: Message) -> JSON:
        return p.message(message, viewer=self.state.bot, with_content=self.content_visible(message))

    # ---- users, application, gateway ---------------------------------------------------------------------

    async def get_gateway(self, ctx: Ctx) -> Reply:
        return 200, {"url": self.gateway.url}

    async def get_gateway_bot(self, ctx: Ctx) -> Reply:
        return 200, self.gateway.sharding.gateway_bot(self.gateway.url)

    async def get_me(self, ctx: Ctx) -> Reply:
        return 200, p.current_user(self.state.bot)

    async def get_my_guilds(self, ctx: Ctx) -> Reply:
        guilds = self.state.visible_guilds()
        return 200, [
            {
                "id": str(g.id),
                "name": g.name,
                "icon": None,
                "banner": None,
                "owner": False,
                "permissions": str(int(g.members[self.state.bot.id].permissions)),
                "features": [],
            }
            for g in guilds
        ]

    async def leave_guild(self, ctx: Ctx) -> Reply:
        guild = self._guild(ctx)
        guild.joined = False
        await _settle(self.gateway.guild_delete(guild))
        return 204, None

    async def get_user(self, ctx: Ctx) -> Reply:
        user = self.state.users.get(ctx.int_param("user_id"))
        if user is None:
            raise ApiError(404, ErrorCode.UNKNOWN_USER)
        return 200, p.user(user)

    async def get_application(self, ctx: Ctx) -> Reply:
        app = self.state.application
        return 200, {
            "id": str(app.id),
            "name": app.name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": p.user(app.owner),
            "team": None,
            "flags": int(self.gateway.application_flags()),
            "bot": p.user(self.state.bot),
            "hook": True,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
            "integration_types_config": {"0": {}},
            "approximate_guild_count": len(self.state.visible_guilds()),
            "tags": [],
        }

    async def create_dm(self, ctx: Ctx) -> Reply:
        recipient = self.state.users.get(int(ctx.json.get("recipient_id", 0)))
        if recipient is None:
            raise form_error(["recipient_id"], "NUMBER_TYPE_COERCE", "Unknown user")
        return 200, p.channel(self.state.dm_channel(recipient))

    # ---- channels and messages ------------------------------------------------------------------------------

    async def get_channel(self, ctx: Ctx) -> Reply:
        return 200, p.channel(self._channel(ctx))

    async def start_thread(self, ctx: Ctx) -> Reply:
        """A public thread from a message; like Discord, the thread's id is the message's."""
        channel = self._channel(ctx, need=Permissions.VIEW_CHANNEL | Permissions.CREATE_PUBLIC_THREADS)
        message = self._message(ctx, channel)
        if channel.kind is not ChannelType.GUILD_TEXT or message.id in self.state.channels:
            raise ApiError(400, 160004, "A thread has already been created for this message")
        name = str(ctx.json.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise form_error(["name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        thread = Channel(id=message.id, name=name, kind=ChannelType.PUBLIC_THREAD, guild=channel.guild,
                         parent=channel, owner_id=self.state.bot.id)
        assert channel.guild is not None
        channel.guild.channels[thread.id] = thread
        self.state.channels[thread.id] = thread
        return 201, p.channel(thread)

    async def typing(self, ctx: Ctx) -> Reply:
        self._channel(ctx, need=Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES)
        return 204, None

    async def get_messages(self, ctx: Ctx) -> Reply:
        channel = self._channel(ctx)
        limit = _int_query(ctx, "limit", 50)
        if not 1 <= limit <= 100:
            raise form_error(["limit"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.")
        if not self.state.bot_permissions(channel) & Permissions.READ_MESSAGE_HISTORY:
            return 200, []
        messages = [m for m in channel.history() if not m.ephemeral]
        around, before, after = (ctx.query(k) for k in ("around", "before", "after"))
        if around is not None:
            pivot = int(around)
            newer = [m for m in messages if m.id > pivot][: limit // 2]
            older = [m for m in messages if m.id <= pivot][-(limit - len(newer)) :]
            page = older + newer
        elif before is not None:
            page = [m for m in messages if m.id < int(before)][-limit:]
        elif after is not None:
            page = [m for m in messages if m.id > int(after)][:limit]
        else:
            page = messages[-limit:]
        return 200, [self.message_json(m) for m in reversed(page)]

    async def get_message(self, ctx: Ctx) -> Reply:
        channel = self._channel(ctx, need=Permissions.VIEW_CHANNEL | Permissions.READ_MESSAGE_HISTORY)
        return 200, self.message_json(self._message(ctx, channel))

    async def create_message(self, ctx: Ctx) -> Reply:
        channel = self._channel(ctx, need=Permissions.VIEW_CHANNEL | Permissions.SEND_MESSAGES)
        if channel.kind is ChannelType.GUILD_CATEGORY:
            raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
        if channel.is_dm:
            recipient = channel.recipient
            assert recipient is not None
            if recipient.bot or not recipient.accepts_dms or not self.state.mutual_guild(recipient):
                raise ApiError(403, ErrorCode.CANNOT_SEND_MESSAGES_TO_USER)
        body = ctx.json
        if body.get("message_reference") and not self.state.bot_permissions(channel) & Permissions.READ_MESSAGE_HISTORY:
            raise ApiError(403, ErrorCode.MISSING_PERMISSIONS)
        if ctx.files and not self.state.bot_permissions(channel) & Permissions.ATTACH_FILES:
            raise ApiError(403, ErrorCode.MISSING_PERMISSIONS)
        duplicate = self._same_nonce(channel, body)
        if duplicate is not None:
            return 200, self.message_json(duplicate)
        message = self.new_message(channel, self.state.bot, body, ctx.files)
        await self.publish(message)
        return 200, self.message_json(message)

    def _same_nonce(self, channel: Channel, body: JSON) -> Message | None:
        """With ``enforce_nonce`` (discord.py sets it), Discord answers a repeated nonce from the last
        few minutes with the message already created instead of posting it twice."""
        nonce = body.get("nonce")
        if nonce is None or not body.get("enforce_nonce"):
            return None
        horizon = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
        for message in reversed(channel.messages):
            if message.timestamp < horizon:
                break
            if message.author is self.state.bot and message.nonce == nonce:
                return message
        return None

    def new_message(
        self,
        channel: Channel,
        author: User,
        body: JSON,
        files: list[UploadedFile],
        *,
        interaction: InteractionMetadata | None = None,
        allow_flags: MessageFlags = _SEND_FLAGS,
        message_type: MessageType | None = None,
    ) -> Message:
        """Validate a create-message body like Discord and build (not yet store) the message."""
        content = body.get("content")
        content = "" if content is None else str(content)
        if len(content) > 2000:
            raise form_error(["content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        embeds = list(body.get("embeds") or ([body["embed"]] if body.get("embed") else []))
        if len(embeds) > 10:
            raise form_error(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        components = list(body.get("components") or [])
        _validate_components(components)
        flags = MessageFlags(int(body.get("flags") or 0))
        if flags & ~allow_flags:
            raise form_error(["flags"], "MESSAGE_FLAGS_INVALID", "Invalid flags")
        if flags & MessageFlags.IS_COMPONENTS_V2 and (content or embeds):
            raise form_error(["content"], "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", "Invalid")
        attachments = self._attachments(channel, body.get("attachments"), files, [])
        if not (content or embeds or components or attachments or body.get("sticker_ids") or body.get("poll")):
            raise ApiError(400, ErrorCode.CANNOT_SEND_EMPTY_MESSAGE)
        referenced = self._reference(channel, body.get("message_reference"))
        mentions, roles, everyone = self.state.parse_mentions(
            channel, content, body.get("allowed_mentions"), referenced
        )
        if message_type is None:
            message_type = MessageType.REPLY if referenced is not None else MessageType.DEFAULT
        return Message(
            id=self.state.ids.next(),
            channel=channel,
            author=author,
            content=content,
            type=message_type,
            mentions=mentions,
            mention_roles=roles,
            mention_everyone=everyone,
            referenced=referenced,
            embeds=embeds,
            components=components,
            attachments=attachments,
            flags=flags,
            tts=bool(body.get("tts")),
            nonce=body.get("nonce"),
            interaction=interaction,
            webhook_id=self.state.application.id if interaction else None,
            application_id=self.state.application.id if interaction else None,
            request_payload=body,
        )

    def _reference(self, channel: Channel, reference: JSON | None) -> Message | None:
        if not reference:
            return None
        target_id = reference.get("message_id")
        target = self.state.messages.get(int(target_id)) if target_id is not None else None
        ok = target is not None and not target.deleted and target.channel is channel and not target.ephemeral
        if ok:
            return target
        if reference.get("fail_if_not_exists", True):
            raise form_error(["message_reference"], "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
        return None

    def _attachments(
        self,
        channel: Channel,
        declared: list[JSON] | None,
        files: list[UploadedFile],
        existing: list[Attachment],
    ) -> list[Attachment]:
        by_index: dict[int, UploadedFile] = {}
        for upload in files:
            found = re.fullmatch(r"files\[(\d+)\]", upload.field) or re.fullmatch(r"file(\d*)", upload.field)
            index = int(found.group(1) or 0) if found else len(by_index)
            by_index[index] = upload
        result: list[Attachment] = []
        used: set[int] = set()
        if declared is None:
            declared = [{"id": i} for i in sorted(by_index)] + [{"id": a.id} for a in existing]
        for entry in declared:
            raw_id = int(entry.get("id", -1))
            kept = next((a for a in existing if a.id == raw_id), None)
            if kept is not None:
                result.append(kept)
                continue
            new_upload = by_index.get(raw_id)
            if new_upload is None:
                raise form_error(["attachments", raw_id], "ATTACHMENT_NOT_FOUND", "Unknown attachment")
            used.add(raw_id)
            result.append(self._new_attachment(channel, new_upload, entry))
        for index, upload in sorted(by_index.items()):
            if index not in used:
                result.append(self._new_attachment(channel, upload, {}))
        return result

    def _new_attachment(self, channel: Channel, upload: UploadedFile, entry: JSON) -> Attachment:
        attachment_id = self.state.ids.next()
        filename = entry.get("filename") or upload.filename
        content_type = upload.content_type
        if content_type in (None, "application/octet-stream"):
            content_type = _guess_type(filename)
        return Attachment(
            id=attachment_id,
            filename=filename,
            content=upload.content,
            content_type=content_type,
            description=entry.get("description"),
            url=f"{self.http_base}/attachments/{channel.id}/{attachment_id}/{filename}",
        )

    async def publish(self, message: Message) -> None:
        """Store a message (unless stored already) and dispatch MESSAGE_CREATE (ephemeral ones are
        only stored)."""
        if message.id not in self.state.messages:
            self.state.store_message(message)
        await _settle(self.gateway.message_create(message))
        async with self._message_waiters:
            self._message_waiters.notify_all()

    async def wait_for_message(self, predicate: Callable[[Message], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            async with self._message_waiters:
                await self._message_waiters.wait_for(lambda: any(predicate(m) for m in self.state.messages.values()))

    async def edit_message(self, ctx: Ctx) -> Reply:
        channel = self._channel(ctx)
        message = self._message(ctx, channel)
        body = ctx.json
        if message.author is not self.state.bot:
            only_flags = set(body) <= {"flags"}
            if not only_flags:
                raise ApiError(403, ErrorCode.CANNOT_EDIT_OTHERS_MESSAGE)
            if not self.state.bot_permissions(channel) & Permissions.MANAGE_MESSAGES:
                raise ApiError(403, ErrorCode.MISSING_PERMISSIONS)
        await self.apply_edit(message, body, ctx.files)
        return 200, self.message_json(message)

    async def apply_edit(self, message: Message, body: JSON, files: list[UploadedFile]) -> None:
        """A PATCH of a message (channel route or webhook route): only the fields present change."""
        snapshot = {
            "content": message.content,
            "embeds": list(message.embeds),
            "components": list(message.components),
            "attachments": [a.filename for a in message.attachments],
            "flags": int(message.flags),
        }
        if "content" in body:
            content = "" if body["content"] is None else str(body["content"])
            if len(content) > 2000:
                raise form_error(["content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
            message.content = content
        if "embeds" in body or "embed" in body:
            message.embeds = list(body.get("embeds") or ([body["embed"]] if body.get("embed") else []))
        if "components" in body:
            components = list(body["components"] or [])
            _validate_components(components)
            message.components = components
        if "attachments" in body or files:
            message.attachments = self._attachments(
                message.channel, body.get("attachments"), files, message.attachments
            )
        if "flags" in body and body["flags"] is not None:
            keep = message.flags & (MessageFlags.EPHEMERAL | MessageFlags.IS_COMPONENTS_V2)
            message.flags = keep | (MessageFlags(int(body["flags"])) & MessageFlags.SUPPRESS_EMBEDS)
        message.flags &= ~MessageFlags.LOADING
        mentions, roles, everyone = self.state.parse_mentions(
            message.channel, message.content, body.get("allowed_mentions"), None
        )
        message.mentions, message.mention_roles, message.mention_everyone = mentions, roles, everyone
        message.edits.append(snapshot)
        message.edited_at = dt.datetime.now(dt.UTC)
        await _settle(self.gateway.message_update(message))

    async def delete_message(self, ctx: Ctx) -> Reply:
        channel = self._channel(ctx)
        message = self._message(ctx, channel)
        if message.author is not self.state.bot and not (
            self.state.bot_permissions(channel) & Permissions.MANAGE_MESSAGES
        ):
            raise ApiError(403, ErrorCode.MISSING_PERMISSIONS)
        await self.remove(message)
        return 204, None

    async def remove(self, message: Message) -> None:
        message.deleted = True
        await _settle(self.gateway.message_delete(message))

    async def bulk_delete(self, ctx: Ctx) -> Reply:
        channel = self._channel(ctx, need=Permissions.VIEW_CHANNEL | Permissions.MANAGE_MESSAGES)
        ids = [int(i) for i in ctx.json.get("messages") or []]
        if not 2 <= len(ids) <= 100:
            raise form_error(["messages"], "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length.")
        for message_id in ids:
            message = self.state.messages.get(message_id)
            if message is not None and message.channel is channel and not message.deleted:
                await self.remove(message)
        return 204, None

    # ---- reactions ----------------------------------------------------------------------------------------------

    def _emoji(self, raw: str) -> Emoji:
        found = _CUSTOM_EMOJI.fullmatch(raw)
        if found:
            emoji_id = int(found.group(2))
            for guild in self.state.visible_guilds():
                for emoji in guild.emojis:
                    if emoji.id == emoji_id:
                        return emoji
            raise ApiError(400, ErrorCode.UNKNOWN_EMOJI)
        if not raw or raw.isascii():
            raise ApiError(400, ErrorCode.UNKNOWN_EMOJI)
        return Emoji(name=raw)

    async def add_reaction(self, ctx: Ctx) -> Reply:
        channel = self._channel(ctx, need=Permissions.VIEW_CHANNEL | Permissions.READ_MESSAGE_HISTORY)
        message = self._message(ctx, channel)
        emoji = self._emoji(ctx.params["emoji"])
        reaction = message.reaction(emoji.key)
        if reaction is None and not self.state.bot_permissions(channel) & Permissions.ADD_REACTIONS:
            raise ApiError(403, ErrorCode.MISSING_PERMISSIONS)
        await self.react(message, self.state.bot, emoji)
        return 204, None

    async def react(self, message: Message, user: User, emoji: Emoji) -> bool:
        reaction = message.reaction(emoji.key)
        if reaction is None:
            reaction = Reaction(emoji=emoji)
            message.reactions.append(reaction)
        if user in reaction.users:
            return False
        reaction.users.append(user)
        await _settle(self.gateway.reaction_event(True, message, user, reaction.emoji))
        return True

    async def unreact(self, message: Message, user: User, emoji_key: str) -> bool:
        reaction = message.reaction(emoji_key)
        if reaction is None or user not in reaction.users:
            return False
        reaction.users.remove(user)
        if not reaction.users:
            message.reactions.remove(reaction)
        await _settle(self.gateway.reaction_event(False, message, user, reaction.emoji))
        return True

    async def remove_reaction(self, ctx: Ctx) -> Reply:
        channel = self._channel(ctx, need=Permissions.VIEW_CHANNEL | Permissions.READ_MESSAGE_HISTORY)
        message = self._message(ctx, channel)
        emoji = self._emoji(ctx.params["emoji"])
        target = ctx.params["user"]
        if target == "@me":
            user = self.state.bot
        else:
            if not self.state.bot_permissions(channel) & Permissions.MANAGE_MESSAGES:
                raise ApiError(403, ErrorCode.MISSING_PERMISSIONS)
            found = self.state.users.get(int(target)) if target.isdigit() else None
            if found is None:
                raise ApiError(404, ErrorCode.UNKNOWN_USER)
            user = found
        await self.unreact(message, user, emoji.key)
        return 204, None

    async def get_reactions(self, ctx: Ctx) -> Reply:
        channel = self._channel(ctx, need=Permissions.VIEW_CHANNEL | Permissions.READ_MESSAGE_HISTORY)
        message = self._message(ctx, channel)
        emoji = self._emoji(ctx.params["emoji"])
        reaction = message.reaction(emoji.key)
        users = sorted(reaction.users, key=lambda u: u.id) if reaction else []
        after = int(ctx.query("after") or 0)
        limit = _int_query(ctx, "limit", 25)
        return 200, [p.user(u) for u in users if u.id > after][:limit]

    async def clear_emoji(self, ctx: Ctx) -> Reply:
        channel = self._channel(ctx, need=Permissions.VIEW_CHANNEL | Permissions.MANAGE_MESSAGES)
        message = self._message(ctx, channel)
        emoji = self._emoji(ctx.params["emoji"])
        reaction = message.reaction(emoji.key)
        if reaction is not None:
            message.reactions.remove(reaction)
            data = {"channel_id": str(channel.id), "message_id": str(message.id), "emoji": p.emoji(emoji)}
            if channel.guild:
                data["guild_id"] = str(channel.guild.id)
            await _settle(
                self.gateway.dispatch(
                    "MESSAGE_REACTION_REMOVE_EMOJI", lambda s: data, intent=Intents.GUILD_MESSAGE_REACTIONS
                )
            )
        return 204, None

    async def clear_reactions(self, ctx: Ctx) -> Reply:
        channel = self._channel(ctx, need=Permissions.VIEW_CHANNEL | Permissions.MANAGE_MESSAGES)
        message = self._message(ctx, channel)
        message.reactions.clear()
        data = {"channel_id": str(channel.id), "message_id": str(message.id)}
        if channel.guild:
            data["guild_id"] = str(channel.guild.id)
        await _settle(
            self.gateway.dispatch("MESSAGE_REACTION_REMOVE_ALL", lambda s: data, intent=Intents.GUILD_MESSAGE_REACTIONS)
        )
        return 204, None

    # ---- guilds ---------------------------------------------------------------------------------------------

    async def get_guild(self, ctx: Ctx) -> Reply:
        guild = self._guild(ctx)
        data = p.guild(guild)
        if ctx.query("with_counts") in ("true", "True", "1"):
            data |= {"approximate_member_count": len(guild.members), "approximate_presence_count": 0}
        return 200, data

    async def get_guild_channels(self, ctx: Ctx) -> Reply:
        guild = self._guild(ctx)
        return 200, [p.channel(c) for c in guild.channels.values()]

    async def get_roles(self, ctx: Ctx) -> Reply:
        guild = self._guild(ctx)
        return 200, [p.role(r) for r in guild.roles.values()]

    async def get_member(self, ctx: Ctx) -> Reply:
        guild = self._guild(ctx)
        member = guild.member(ctx.int_param("user_id"))
        if member is None:
            raise ApiError(404, ErrorCode.UNKNOWN_MEMBER)
        return 200, p.member(member)

    async def list_members(self, ctx: Ctx) -> Reply:
        guild = self._guild(ctx)
        if not self.state.application.privileged_intents & Intents.GUILD_MEMBERS:
            raise ApiError(403, ErrorCode.MISSING_ACCESS)
        limit = _int_query(ctx, "limit", 1)
        if not 1 <= limit <= 1000:
            raise form_error(["limit"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 1000.")
        after = int(ctx.query("after") or 0)
        members = sorted(guild.members.values(), key=lambda m: m.id)
        return 200, [p.member(m) for m in members if m.id > after][:limit]

    # ---- application commands ------------------------------------------------------------------------------

    def _command_scope(self, ctx: Ctx) -> int | None:
        self._check_application(ctx)
        if "guild_id" not in ctx.params:
            return None
        guild = self.state.guilds.get(ctx.int_param("guild_id"))
        if guild is None or not guild.joined:
            raise ApiError(403, ErrorCode.MISSING_ACCESS)
        return guild.id

    async def get_commands(self, ctx: Ctx) -> Reply:
        scope = self._command_scope(ctx)
        return 200, self.state.application.commands.get(scope, [])

    async def put_commands(self, ctx: Ctx) -> Reply:
        scope = self._command_scope(ctx)
        commands = ctx.body if isinstance(ctx.body, list) else None
        if commands is None:
            raise form_error([], "BASE_TYPE_REQUIRED", "This field is required (a list of commands)")
        error = validate_commands(commands)
        if error is not None:
            raise ApiError(400, ErrorCode.INVALID_FORM_BODY, body=error)
        return 200, store_commands(self.state, scope, commands)

    async def post_command(self, ctx: Ctx) -> Reply:
        scope = self._command_scope(ctx)
        error = validate_commands([ctx.json])
        if error is not None:
            raise ApiError(400, ErrorCode.INVALID_FORM_BODY, body=error)
        return 201, store_commands(self.state, scope, [ctx.json], replace=False)[0]

    def _find_command(self, ctx: Ctx, scope: int | None) -> JSON:
        command_id = ctx.params["command_id"]
        for command in self.state.application.commands.get(scope, []):
            if command["id"] == command_id:
                return command
        raise ApiError(404, ErrorCode.UNKNOWN_APPLICATION_COMMAND)

    async def get_command(self, ctx: Ctx) -> Reply:
        return 200, self._find_command(ctx, self._command_scope(ctx))

    async def patch_command(self, ctx: Ctx) -> Reply:
        scope = self._command_scope(ctx)
        command = self._find_command(ctx, scope)
        merged = {k: v for k, v in command.items() if k not in ("id", "application_id", "version", "guild_id")}
        merged |= ctx.json
        return 200, store_commands(self.state, scope, [merged], replace=False)[0]

    async def delete_command(self, ctx: Ctx) -> Reply:
        scope = self._command_scope(ctx)
        command = self._find_command(ctx, scope)
        self.state.application.commands[scope].remove(command)
        return 204, None

    # ---- interactions ------------------------------------------------------------------------------------------

    def _handle_for(self, ctx: Ctx, *, by_id: bool) -> InteractionHandle:
        loop = asyncio.get_running_loop()
        token = ctx.params["token"]
        if by_id:
            handle = self.interactions.get(ctx.int_param("interaction_id"))
            if handle is None or handle.token != token:
                raise ApiError(404, ErrorCode.UNKNOWN_INTERACTION)
            return handle
        if ctx.params.get("application_id") != str(self.state.application.id):
            raise ApiError(404, ErrorCode.UNKNOWN_WEBHOOK)
        handle = next((h for h in self.interactions.values() if h.token == token), None)
        if handle is None or handle.response is None or loop.time() - handle.created_at > TOKEN_LIFETIME:
            raise ApiError(404, ErrorCode.UNKNOWN_WEBHOOK)
        return handle

    async def interaction_callback(self, ctx: Ctx) -> Reply:
        handle = self._handle_for(ctx, by_id=True)
        if handle.response is not None:
            raise ApiError(400, ErrorCode.INTERACTION_ALREADY_ACKNOWLEDGED)
        if asyncio.get_running_loop().time() - handle.created_at > self.response_deadline:
            log.warning("interaction %s answered after the %.1fs deadline", handle.id, self.response_deadline)
            raise ApiError(404, ErrorCode.UNKNOWN_INTERACTION)
        body = ctx.json
        try:
            kind = CallbackType(int(body.get("type", 0)))
        except ValueError:
            raise form_error(["type"], "BASE_TYPE_CHOICES", "Value must be one of the callback types.") from None
        data: JSON = body.get("data") or {}
        allowed = _CALLBACKS_FOR[handle.type]
        if kind not in allowed:
            raise form_error(["type"], "INTERACTION_RESPONSE_TYPE_INVALID", f"{kind.name} is not valid here")
        interaction_json: JSON = {"id": str(handle.id), "type": int(handle.type)}
        resource: JSON = {"type": int(kind)}
        message: Message | None = None
        meta = InteractionMetadata(
            id=handle.id,
            type=int(handle.type),
            user=handle.user,
            name=(handle.payload.get("data") or {}).get("name")
            if handle.type is InteractionType.APPLICATION_COMMAND
            else None,
        )
        message_type = (
            MessageType.CHAT_INPUT_COMMAND
            if handle.type is InteractionType.APPLICATION_COMMAND
            else MessageType.DEFAULT
        )
        if kind is CallbackType.CHANNEL_MESSAGE_WITH_SOURCE:
            message = self.new_message(
                handle.channel,
                self.state.bot,
                data,
                ctx.files,
                interaction=meta,
                allow_flags=_SEND_FLAGS | MessageFlags.EPHEMERAL,
                message_type=message_type,
            )
            handle.original = message
        elif kind is CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            flags = MessageFlags.LOADING | (MessageFlags(int(data.get("flags") or 0)) & MessageFlags.EPHEMERAL)
            message = Message(
                id=self.state.ids.next(),
                channel=handle.channel,
                author=self.state.bot,
                type=message_type,
                flags=flags,
                interaction=meta,
                webhook_id=self.state.application.id,
                application_id=self.state.application.id,
            )
            handle.original = message
            interaction_json["response_message_loading"] = True
        elif kind in (CallbackType.UPDATE_MESSAGE, CallbackType.DEFERRED_UPDATE_MESSAGE):
            message = handle.source_message
            handle.original = message
            if message is not None and kind is CallbackType.UPDATE_MESSAGE:
                await self.apply_edit(message, data, ctx.files)
        elif kind is CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT and len(data.get("choices") or []) > 25:
            raise form_error(["data", "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        if message is not None:
            interaction_json["response_message_id"] = str(message.id)
            interaction_json["response_message_ephemeral"] = message.ephemeral
            interaction_json.setdefault("response_message_loading", False)
            resource["message"] = self.message_json(message)
        handle.response = InteractionResponse(type=kind, data=data, message=message)
        if message is not None and kind in (
            CallbackType.CHANNEL_MESSAGE_WITH_SOURCE,
            CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        ):
            await self.publish(message)
        handle._responded.set()
        await handle._notify()
        return 200, {"interaction": interaction_json, "resource": resource}

    async def followup(self, ctx: Ctx) -> Reply:
        handle = self._handle_for(ctx, by_id=False)
        meta = InteractionMetadata(id=handle.id, type=int(handle.type), user=handle.user)
        message = self.new_message(
            handle.channel,
            self.state.bot,
            ctx.json,
            ctx.files,
            interaction=meta,
            allow_flags=_SEND_FLAGS | MessageFlags.EPHEMERAL,
        )
        await self.publish(message)
        handle.followups.append(message)
        await handle._notify()
        if ctx.query("wait") in ("1", "true", "True"):
            return 200, self.message_json(message)
        return 204, None

    def _webhook_message(self, ctx: Ctx, handle: InteractionHandle) -> Message:
        target = ctx.params["message_id"]
        if target == "@original":
            if handle.original is None or handle.original_deleted:
                raise ApiError(404, ErrorCode.UNKNOWN_MESSAGE)
            return handle.original
        found = next((m for m in handle.followups if str(m.id) == target and not m.deleted), None)
        if found is None:
            raise ApiError(404, ErrorCode.UNKNOWN_MESSAGE)
        return found

    async def webhook_get(self, ctx: Ctx) -> Reply:
        handle = self._handle_for(ctx, by_id=False)
        return 200, self.message_json(self._webhook_message(ctx, handle))

    async def webhook_edit(self, ctx: Ctx) -> Reply:
        handle = self._handle_for(ctx, by_id=False)
        message = self._webhook_message(ctx, handle)
        await self.apply_edit(message, ctx.json, ctx.files)
        if ctx.params["message_id"] == "@original":
            handle.edits.append(ctx.json)
            await handle._notify()
        return 200, self.message_json(message)

    async def webhook_delete(self, ctx: Ctx) -> Reply:
        handle = self._handle_for(ctx, by_id=False)
        message = self._webhook_message(ctx, handle)
        if ctx.params["message_id"] == "@original":
            handle.original_deleted = True
        await self.remove(message)
        await handle._notify()
        return 204, None


_CALLBACKS_FOR: dict[InteractionType, set[CallbackType]] = {
    InteractionType.APPLICATION_COMMAND: {
        CallbackType.CHANNEL_MESSAGE_WITH_SOURCE,
        CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        CallbackType.MODAL,
        CallbackType.PREMIUM_REQUIRED,
        CallbackType.LAUNCH_ACTIVITY,
    },
    InteractionType.MESSAGE_COMPONENT: {
        CallbackType.CHANNEL_MESSAGE_WITH_SOURCE,
        CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        CallbackType.DEFERRED_UPDATE_MESSAGE,
        CallbackType.UPDATE_MESSAGE,
        CallbackType.MODAL,
        CallbackType.PREMIUM_REQUIRED,
    },
    InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE: {CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT},
    InteractionType.MODAL_SUBMIT: {
        CallbackType.CHANNEL_MESSAGE_WITH_SOURCE,
        CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        CallbackType.DEFERRED_UPDATE_MESSAGE,
        CallbackType.UPDATE_MESSAGE,
    },
}


def _validate_components(components: list[JSON]) -> None:
    if len(components) > 40:
        raise form_error(["components"], "BASE_TYPE_MAX_LENGTH", "Must be 40 or fewer in length.")
    seen: set[str] = set()
    stack: list[tuple[list[str | int], JSON]] = [(["components", i], c) for i, c in enumerate(components)]
    while stack:
        path, component = stack.pop()
        custom_id = component.get("custom_id")
        if custom_id is not None:
            if not 1 <= len(str(custom_id)) <= 100:
                raise form_error([*path, "custom_id"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            if custom_id in seen:
                raise form_error(
                    [*path, "custom_id"], "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
                )
            seen.add(custom_id)
        if component.get("type") == ComponentType.ACTION_ROW and len(component.get("components") or []) > 5:
            raise form_error([*path, "components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        for index, child in enumerate(component.get("components") or []):
            stack.append(([*path, "components", index], child))
        for key in ("accessory", "component"):
            if isinstance(component.get(key), dict):
                stack.append(([*path, key], component[key]))


def _int_query(ctx: Ctx, name: str, default: int) -> int:
    raw = ctx.query(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise form_error([name], "NUMBER_TYPE_COERCE", f"Value {raw!r} is not int.") from None


def _guess_type(filename: str) -> str | None:
    import mimetypes

    return mimetypes.guess_type(filename)[0]


def _normal_ratelimit_headers(route: Route) -> dict[str, str]:
    """Generous, well-formed bucket headers so discord.py's rate-limit code runs without ever waiting."""
    return {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": f"{time.time() + 1.0:.3f}",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": route.bucket,
    }


def _ratelimit_headers(injection: Injection) -> dict[str, str]:
    retry_after = float(injection.body.get("retry_after", 1.0))
    headers = {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": hashlib.md5(injection.path.pattern.encode()).hexdigest(),
        "X-RateLimit-Scope": "global" if injection.body.get("global") else "user",
        # discord.py treats a 429 without Via as a Cloudflare ban and raises instead of retrying.
        "Via": "1.1 google",
    }
    if injection.body.get("global"):
        headers["X-RateLimit-Global"] = "true"
    return headers


async def _settle(futures: list[Any], timeout: float = 5.0) -> None:
    """Wait until dispatched frames are written, so a driver returns after the bot could see them."""
    if futures:
        async with asyncio.timeout(timeout):
            await asyncio.gather(*futures)
