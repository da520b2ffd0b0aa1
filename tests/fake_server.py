"""A protocol-faithful model server on 127.0.0.1 for tests and benchmarks.

Speaks enough of two real APIs for the official clients to talk to it unmodified:
- Ollama: GET /api/tags, POST /api/show, POST /api/chat (NDJSON streaming or one JSON body), GET /api/version
- OpenAI: GET /v1/models, POST /v1/chat/completions (SSE streaming with usage chunk, or one JSON body)

Faults are scripted per request in arrival order: an int status (500, 429...), "drop" (close the
connection mid-stream), "hang" (never answer), "garbage" (a body that is not the API's JSON),
"endless" (stream an answer that never ends, until the client hangs up).
A query string on any path (?api-key=...) is recorded in `queries` and otherwise ignored.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


def default_reply(model: str, messages: list[dict], params: dict) -> tuple[str, str | None]:
    prompt = messages[-1]["content"] if messages else ""
    seed = params.get("seed")
    text = (f"Here is the code (model {model}, seed {seed}):\n\n```python\ndef answer():\n"
            f"    return {len(prompt)}\n```\n\nCall `answer()`.\n")
    return text, None


class FakeModelServer:
    def __init__(self, *, ollama_models: dict[str, str] | None = None, openai_models: list[str] | None = None,
                 latency: float = 0.0, reply: Callable = default_reply, chunk_size: int = 16,
                 retry_after: float | None = None, port: int = 0):
        self.ollama_models = ollama_models if ollama_models is not None else {"qwen3-vl:8b": "sha256:" + "ab" * 32}
        self.openai_models = openai_models if openai_models is not None else ["tuned"]
        self.latency = latency
        self.reply = reply
        self.chunk_size = chunk_size
        self.retry_after = retry_after
        self.stop_after: int | None = None  # shut down (listener closed) after this many chat requests
        self.faults: list = []              # consumed one per chat request
        self.requests: Counter = Counter()  # path -> count
        self.chat_bodies: list[dict] = []
        self.auth_headers: list[str | None] = []
        self.queries: list[str] = []         # query strings of every request, in arrival order
        self.endless_sent = 0                # bytes sent by "endless" answers
        self._lock = threading.Lock()
        ThreadingHTTPServer.request_queue_size = 256  # many clients connect at once at the start of a run
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())  # port 0: any free one
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._stopped = False

    # ---- lifecycle ----
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeModelServer":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def chat_requests(self) -> int:
        return self.requests["/api/chat"] + self.requests["/v1/chat/completions"]

    def _next_fault(self):
        with self._lock:
            return self.faults.pop(0) if self.faults else None

    # ---- HTTP ----
    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # small SSE/NDJSON chunks must not wait for delayed ACKs

            def log_message(self, *args):  # keep test output clean
                pass

            def _json(self, status: int, obj, headers: dict | None = None):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> dict:
                n = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(n) or b"{}")

            def _start_stream(self, content_type: str):
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()

            def _chunk(self, data: bytes):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

            def _end_stream(self):
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

            def _split_query(self):
                self.path, _, query = self.path.partition("?")
                with server._lock:
                    server.queries.append(query)

            def _endless(self, make_chunk) -> None:
                """Stream pieces of one answer until the client hangs up (it must stop reading)."""
                piece = "x = 1  # endless\n" * 64
                try:
                    while True:
                        data = make_chunk(piece)
                        self._chunk(data)
                        with server._lock:
                            server.endless_sent += len(data)
                except OSError:  # the client closed the connection: that is the test passing
                    return

            def do_GET(self):
                self._split_query()
                with server._lock:
                    server.requests[self.path] += 1
                if self.path == "/api/tags":
                    models = [{"name": n, "model": n, "digest": d, "size": 1, "modified_at": "2026-01-01T00:00:00Z",
                               "details": {"family": "qwen3", "parameter_size": "8B", "quantization_level": "Q4_K_M"}}
                              for n, d in server.ollama_models.items()]
                    self._json(200, {"models": models})
                elif self.path == "/api/version":
                    self._json(200, {"version": "0.12.0"})
                elif self.path == "/v1/models":
                    self._json(200, {"object": "list", "data": [
                        {"id": m, "object": "model", "created": 0, "owned_by": "test"} for m in server.openai_models]})
                elif self.path == "/":
                    self._json(200, {"status": "Ollama is running"})
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self):
                self._split_query()
                with server._lock:
                    server.requests[self.path] += 1
                body = self._body()
                if self.path == "/api/show":
                    name = body.get("model") or body.get("name")
                    if name not in server.ollama_models and f"{name}:latest" not in server.ollama_models:
                        return self._json(404, {"error": f"model '{name}' not found"})
                    return self._json(200, {"modelfile": "", "parameters": "temperature 0.7\nnum_ctx 8192",
                                            "template": "", "details": {"family": "qwen3", "parameter_size": "8B"},
                                            "model_info": {}})
                if self.path not in ("/api/chat", "/v1/chat/completions"):
                    return self._json(404, {"error": "not found"})
                with server._lock:
                    server.chat_bodies.append(body)
                    server.auth_headers.append(self.headers.get("Authorization"))
                    stopping = server.stop_after is not None and len(server.chat_bodies) > server.stop_after
                if stopping:  # the server "dies" mid-request: no answer, and later requests cannot connect
                    time.sleep(server.latency)
                    threading.Thread(target=server.stop, daemon=True).start()
                    self.connection.shutdown(2)
                    return
                ollama = self.path == "/api/chat"
                fault = server._next_fault()
                if isinstance(fault, int):
                    headers = {"Retry-After": str(server.retry_after)} if server.retry_after is not None else {}
                    err = {"error": f"injected {fault}"} if ollama else \
                        {"error": {"message": f"injected {fault}", "type": "server_error", "code": fault}}
                    return self._json(fault, err, headers)
                if fault == "hang":
                    time.sleep(30)
                    return
                streaming = body.get("stream", ollama)  # Ollama streams unless told not to
                if fault == "drop" and not streaming:  # the connection dies before any answer
                    self.connection.shutdown(2)
                    return
                if fault == "garbage":
                    data = b"<html>502 bad gateway</html>"
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                model = body.get("model", "")
                known = (model in server.ollama_models or f"{model}:latest" in server.ollama_models) if ollama \
                    else model in server.openai_models
                if not known:
                    if ollama:
                        return self._json(404, {"error": f"model '{model}' not found"})
                    return self._json(404, {"error": {"message": f"The model `{model}` does not exist.",
                                                      "type": "invalid_request_error", "code": "model_not_found"}})
                params = dict(body.get("options") or {}) if ollama else \
                    {k: v for k, v in body.items() if k not in ("model", "messages", "stream", "stream_options")}
                text, thinking = server.reply(model, body.get("messages", []), params)
                if server.latency:
                    time.sleep(server.latency)
                if ollama:
                    self._ollama_chat(body, model, text, thinking, fault)
                else:
                    self._openai_chat(body, model, text, thinking, fault)

            def _pieces(self, text: str) -> list[str]:
                n = server.chunk_size
                return [text[i:i + n] for i in range(0, len(text), n)] or [""]

            def _ollama_chat(self, body, model, text, thinking, fault):
                stats = {"prompt_eval_count": 42, "eval_count": max(1, len(text) // 4), "total_duration": 1000,
                         "eval_duration": 500, "load_duration": 1, "prompt_eval_duration": 1}
                ts = "2026-11-28T00:00:00Z"
                if not body.get("stream", True) and fault == "endless":  # one JSON body that never ends
                    self._start_stream("application/json")
                    self._chunk(b'{"model": "m", "message": {"role": "assistant", "content": "')
                    return self._endless(lambda piece: piece.replace("\n", "\\n").encode())
                if not body.get("stream", True):
                    msg = {"role": "assistant", "content": text}
                    if thinking:
                        msg["thinking"] = thinking
                    return self._json(200, {"model": model, "created_at": ts, "message": msg, "done": True,
                                            "done_reason": "stop", **stats})
                self._start_stream("application/x-ndjson")
                if thinking:
                    self._chunk((json.dumps({"model": model, "created_at": ts, "done": False, "message": {
                        "role": "assistant", "content": "", "thinking": thinking}}) + "\n").encode())
                if fault == "endless":
                    return self._endless(lambda piece: (json.dumps({"model": model, "created_at": ts, "done": False,
                                                                    "message": {"role": "assistant", "content": piece}})
                                                        + "\n").encode())
                pieces = self._pieces(text)
                for i, piece in enumerate(pieces):
                    if fault == "drop" and i == len(pieces) // 2:
                        self.wfile.flush()
                        self.connection.shutdown(2)  # the connection dies mid-stream
                        return
                    self._chunk((json.dumps({"model": model, "created_at": ts, "done": False, "message": {
                        "role": "assistant", "content": piece}}) + "\n").encode())
                self._chunk((json.dumps({"model": model, "created_at": ts, "done": True, "done_reason": "stop",
                                         "message": {"role": "assistant", "content": ""}, **stats}) + "\n").encode())
                self._end_stream()

            def _openai_chat(self, body, model, text, thinking, fault):
                usage = {"prompt_tokens": 42, "completion_tokens": max(1, len(text) // 4)}
                usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
                cid = "chatcmpl-test"
                if not body.get("stream") and fault == "endless":  # one JSON body that never ends
                    self._start_stream("application/json")
                    self._chunk(b'{"id": "x", "object": "chat.completion", "choices": [{"message": {"content": "')
                    return self._endless(lambda piece: piece.replace("\n", "\\n").encode())
                if not body.get("stream"):
                    msg = {"role": "assistant", "content": text}
                    if thinking:
                        msg["reasoning_content"] = thinking
                    return self._json(200, {"id": cid, "object": "chat.completion", "created": 0, "model": model,
                                            "choices": [{"index": 0, "message": msg, "finish_reason": "stop"}],
                                            "usage": usage})
                self._start_stream("text/event-stream")

                def event(obj):
                    self._chunk(b"data: " + json.dumps(obj).encode() + b"\n\n")

                base = {"id": cid, "object": "chat.completion.chunk", "created": 0, "model": model}
                event({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                            "finish_reason": None}]})
                if thinking:
                    event({**base, "choices": [{"index": 0, "delta": {"reasoning_content": thinking},
                                                "finish_reason": None}]})
                if fault == "endless":
                    return self._endless(lambda piece: b"data: " + json.dumps(
                        {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                    ).encode() + b"\n\n")
                pieces = self._pieces(text)
                for i, piece in enumerate(pieces):
                    if fault == "drop" and i == len(pieces) // 2:
                        self.wfile.flush()
                        self.connection.shutdown(2)
                        return
                    if fault == "early_done" and i == len(pieces) // 2:  # llama.cpp's interrupt_requests
                        self._chunk(b"data: [DONE]\n\n")
                        return self._end_stream()
                    event({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
                event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                if (body.get("stream_options") or {}).get("include_usage"):
                    event({**base, "choices": [], "usage": usage})
                self._chunk(b"data: [DONE]\n\n")
                self._end_stream()

        return Handler


if __name__ == "__main__":  # a server to point evalkit at by hand
    import sys

    srv = FakeModelServer(latency=float(sys.argv[1]) if len(sys.argv) > 1 else 0.0).start()
    print(srv.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()
