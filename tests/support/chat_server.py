"""A real HTTP server on 127.0.0.1 speaking OpenAI Chat Completions, for tests.

Its replies are fixtures written by the tests - never a model's output - and say so in
their text (`FIXTURE_NOTE`). It can answer the first requests, or all of them, with an HTTP
error (429 / 5xx / 4xx) to exercise retries and fallbacks, and it records every request body.
The reply names the model the request asked for.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FIXTURE_NOTE = "FIXTURE reply served by the test's local HTTP server, not a model's output."
FAIL_ALL = sys.maxsize
"""`fail_first=FAIL_ALL`: every request is answered with `fail_status`."""


class ChatServer:
    """`reply(body, served)` writes the text of each choice; `served` counts choices so far."""

    def __init__(self, reply: Callable[[dict, int], str], fail_first: int = 0,
                 fail_status: int = 500) -> None:
        self.reply, self.fail_first, self.fail_status = reply, fail_first, fail_status
        self.requests: list[dict] = []
        self.served = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                if len(server.requests) <= server.fail_first:
                    return self._send(server.fail_status, {"error": {"message": "injected failure"}})
                choices = []
                for i in range(body.get("n", 1)):
                    server.served += 1
                    choices.append({"index": i, "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": server.reply(body, server.served)}})
                self._send(200, {"id": "fixture", "object": "chat.completion", "model": body.get("model"),
                                 "choices": choices,
                                 "usage": {"prompt_tokens": 50, "completion_tokens": 20 * len(choices),
                                           "total_tokens": 50 + 20 * len(choices)}})

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> ChatServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
