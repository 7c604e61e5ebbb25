"""A real HTTP SMS gateway on loopback, whose answers a test scripts.

``Gateway(answers=[503, 503, 200])`` answers the first request 503, the second 503, then 200 for
every later one; ``gateway.down = True`` closes connections unanswered. ``received`` holds each
request as (method, path with query, form fields, headers).
"""

import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Gateway:
    def __init__(self, answers=(200,)) -> None:
        self.answers = list(answers)
        self.received: list[tuple[str, str, dict, dict]] = []
        self.down = False
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = (
                    dict(urllib.parse.parse_qsl(self.rfile.read(length).decode())) if length else {}
                )
                if gateway.down:
                    self.close_connection = True
                    return
                gateway.received.append((self.command, self.path, form, dict(self.headers)))
                code = gateway.answers.pop(0) if len(gateway.answers) > 1 else gateway.answers[0]
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok" if code < 300 else b"rejected")

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def settings(self, **options) -> dict:
        """The ``HOTLINE_NOTIFY_BACKENDS`` entry of an HTTP SMS backend pointed at this gateway."""
        return {
            "BACKEND": "hotline.notifications.backends.HttpSmsBackend",
            "OPTIONS": {"url": self.url + "/send", "backoff": 0.01, "timeout": 2} | options,
        }
