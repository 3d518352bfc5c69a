"""What the bot asked of the REST API, and the failures the test wants it to meet."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class UploadedFile:
    """One ``files[n]`` part of a multipart request."""

    field: str
    filename: str
    content_type: str | None
    content: bytes


@dataclass(eq=False)
class RecordedRequest:
    """One REST call, recorded once the stand-in has answered it (``status``/``response`` are set)."""

    seq: int
    method: str
    #: The path below the API base, e.g. ``/channels/1234/messages`` (no ``/api/v10``).
    path: str
    query: dict[str, str]
    #: The JSON body; for multipart requests the parsed ``payload_json`` part. None without a body.
    json: Any
    files: list[UploadedFile]
    headers: dict[str, str]
    #: ``loop.time()`` and wall-clock time when the request arrived.
    received_at: float
    received_wall: dt.datetime
    #: The route template that handled it, e.g. ``/channels/{channel_id}/messages``; None if unknown.
    route: str | None = None
    status: int = 0
    response: Any = None
    #: Set when an injected failure (``StandIn.inject_*``) produced the answer.
    injected: bool = False

    def matches(self, method: str | None, path: str | re.Pattern[str] | None) -> bool:
        if method is not None and self.method != method.upper():
            return False
        return path is None or re.fullmatch(path, self.path) is not None

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


RequestPredicate = Callable[[RecordedRequest], bool]


@dataclass(eq=False)
class Injection:
    """A failure the next ``times`` matching requests get instead of their normal answer."""

    method: str | None
    path: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    #: How many more requests to fail; None = until cancelled.
    times: int | None
    predicate: RequestPredicate | None = None
    hits: list[RecordedRequest] = field(default_factory=list)
    cancelled: bool = False

    @property
    def active(self) -> bool:
        return not self.cancelled and (self.times is None or self.times > 0)

    def cancel(self) -> None:
        self.cancelled = True

    def applies_to(self, request: RecordedRequest) -> bool:
        if not self.active:
            return False
        if self.method is not None and request.method != self.method:
            return False
        if self.path.fullmatch(request.path) is None:
            return False
        return self.predicate is None or self.predicate(request)

    def consume(self, request: RecordedRequest) -> None:
        self.hits.append(request)
        if self.times is not None:
            self.times -= 1


class RequestLog:
    """Every request in arrival order, plus awaiting with consume-once semantics.

    ``wait_for`` hands out each request at most once: it returns the oldest matching request that no
    earlier ``wait_for`` returned, waiting for one if there is none yet. So "do X, wait for the POST;
    do Y, wait for the POST" gets the two different POSTs even if both already arrived.
    """

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._consumed: set[int] = set()
        self._waiters: list[tuple[Callable[[RecordedRequest], bool], asyncio.Future[RecordedRequest]]] = []
        self._seq = 0

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def mark(self) -> int:
        """A position for ``since=``: only requests arriving after this call will match."""
        return self._seq + 1

    def add(self, request: RecordedRequest) -> None:
        self.requests.append(request)
        for index, (match, future) in enumerate(self._waiters):
            if not future.done() and match(request):
                self._consumed.add(request.seq)
                future.set_result(request)
                del self._waiters[index]
                break
        self._waiters = [(m, f) for m, f in self._waiters if not f.done()]

    def filter(
        self,
        method: str | None = None,
        path: str | None = None,
        predicate: RequestPredicate | None = None,
        *,
        since: int = 0,
    ) -> list[RecordedRequest]:
        match = _matcher(method, path, predicate)
        return [r for r in self.requests if r.seq >= since and match(r)]

    async def wait_for(
        self,
        method: str | None = None,
        path: str | None = None,
        predicate: RequestPredicate | None = None,
        *,
        timeout: float = 5.0,
        since: int = 0,
    ) -> RecordedRequest:
        base = _matcher(method, path, predicate)

        def match(request: RecordedRequest) -> bool:
            return request.seq >= since and request.seq not in self._consumed and base(request)

        for request in self.requests:
            if match(request):
                self._consumed.add(request.seq)
                return request
        future: asyncio.Future[RecordedRequest] = asyncio.get_running_loop().create_future()
        entry = (match, future)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            recent = ", ".join(repr(r) for r in self.requests[-8:]) or "none"
            wanted = " ".join(str(x) for x in (method, path) if x) or "a request"
            raise TimeoutError(f"no {wanted} matching within {timeout}s; last requests: {recent}") from None
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)


def _matcher(
    method: str | None, path: str | None, predicate: RequestPredicate | None
) -> Callable[[RecordedRequest], bool]:
    pattern = re.compile(path) if path is not None else None

    def match(request: RecordedRequest) -> bool:
        if not request.matches(method, pattern):
            return False
        return predicate is None or predicate(request)

    return match
