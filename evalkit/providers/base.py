"""The one interface every provider implements, and the errors it raises."""

from __future__ import annotations

from abc import ABC, abstractmethod
import contextvars
from dataclasses import dataclass, field

import httpx

from ..redact import redact_url, scrub


@dataclass
class Completion:
    text: str
    thinking: str | None = None
    latency_s: float | None = None
    ttft_s: float | None = None          # time to first token, when streamed
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None


@dataclass
class Request:
    """What generate.py asks for: the messages plus where they come from (replay needs the slot)."""

    messages: list[dict]
    params: dict = field(default_factory=dict)
    task_id: str = ""
    sample: int = 0


DEFAULT_ANSWER_MB = 4.0   # one answer's cap when neither the config nor max_tokens says
MIN_ANSWER_MB = 1.0       # the cap max_tokens can set is never below this
BYTES_PER_TOKEN = 32      # generous: a token is rarely more than a few bytes of UTF-8


def answer_cap(params: dict, max_answer_mb: float | None = None) -> int:
    """Bytes of one answer (text + thinking) evalkit reads before it stops: the configured
    max_answer_mb; else max_tokens x 32 bytes (at least 1 MB) when the request sets max_tokens,
    which a server that ignores it would pass; else 4 MB. A server that streams forever then costs
    a bounded amount of memory, and the answer is stored marked truncated."""
    if max_answer_mb is not None:
        return int(max_answer_mb * 1_000_000)
    tokens = params.get("max_tokens") or params.get("num_predict")
    if isinstance(tokens, int) and not isinstance(tokens, bool) and tokens > 0:
        return max(int(MIN_ANSWER_MB * 1_000_000), tokens * BYTES_PER_TOKEN)
    return int(DEFAULT_ANSWER_MB * 1_000_000)


def truncated_reason(cap: int) -> str:
    return f"truncated: the answer passed {cap / 1_000_000:g} MB (max_answer_mb), evalkit stopped reading"


class AnswerBuffer:
    """Collects a streamed answer's pieces until the cap; `full` says when to stop reading."""

    def __init__(self, cap: int):
        self.cap = cap
        self.size = 0
        self.text: list[str] = []
        self.thinking: list[str] = []
        self.full = False

    def add(self, piece: str | None, thinking: str | None = None) -> None:
        for value, into in ((thinking, self.thinking), (piece, self.text)):
            if not value or self.full:
                continue
            size = len(value.encode("utf-8", "surrogatepass"))
            if self.size + size > self.cap:
                value = value.encode("utf-8", "surrogatepass")[: self.cap - self.size].decode("utf-8", "ignore")
                self.full = True
            self.size += size
            into.append(value)


NON_STREAMED_FACTOR = 8  # a non-streamed body may hold the answer cap x this (JSON escapes, framing)
BODY_LIMIT: contextvars.ContextVar[int | None] = contextvars.ContextVar("evalkit_body_limit", default=None)


class CappedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that stops reading a response body past BODY_LIMIT (set per request, in
    the request's own task): a non-streamed answer that never ends cannot grow memory."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None):
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        limit = BODY_LIMIT.get()
        if limit is not None:
            response.stream = _CappedStream(response.stream, limit, str(request.url.copy_with(query=None)))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner, limit: int, url: str):
        self._inner, self._limit, self._url = inner, limit, url

    async def __aiter__(self):
        size = 0
        async for chunk in self._inner:
            size += len(chunk)
            if size > self._limit:
                raise ProviderError(
                    f"the answer from {redact_url(self._url)} passed {self._limit / 1_000_000:g} MB and was not read "
                    "further; a non-streamed answer cannot be cut (use stream: true, or raise max_answer_mb)", "client")
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class ProviderError(Exception):
    """A failed request, classified so generate.py knows whether to retry.

    kind: connection | timeout | rate_limit | server | client | not_found | malformed
    """

    RETRYABLE = {"connection", "timeout", "rate_limit", "server", "malformed"}

    def __init__(self, message: str, kind: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in self.RETRYABLE


@dataclass
class EndpointInfo:
    reachable: bool
    models: list[str] | None = None      # None when the endpoint cannot list models
    error: str | None = None


class Provider(ABC):
    kind: str = ""

    def __init__(self, model: str, base_url: str | None, *, timeout: float = 600.0, stream: bool = True,
                 max_answer_mb: float | None = None):
        self.model = model
        self.max_answer_mb = max_answer_mb
        self._url = base_url                 # as configured, credentials included: only for the request
        self.base_url = redact_url(base_url)  # what messages, the store and reports show
        self.timeout = timeout
        self.stream = stream

    @abstractmethod
    async def complete(self, request: Request) -> Completion: ...

    @abstractmethod
    async def endpoint_info(self) -> EndpointInfo: ...

    async def model_details(self) -> dict:
        """Digest and server-side parameters of the model, where the server says (recorded per run)."""
        return {}

    def has_model(self, models: list[str]) -> bool:
        return self.model in models

    def _redacted(self, err: ProviderError) -> ProviderError:
        """`err` with any credential of the configured URL masked (a client message may quote it)."""
        if self._url != self.base_url:
            err.args = (scrub(str(err), [self._url]),)
        return err

    def unreachable_hint(self) -> str:
        return f"cannot reach {self.base_url}: is the server running?"

    async def aclose(self) -> None:
        return None
