"""Delivery backends, in the manner of Django's e-mail backends: one class per way of sending,
chosen per channel in ``settings.HOTLINE_NOTIFY_BACKENDS``.

A backend's ``send(message)`` returns when the message was handed over, or raises
``DeliveryError``: ``permanent`` when retrying cannot help (the gateway rejects the number),
otherwise the worker tries again later.
"""

import json
import smtplib
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core import mail
from django.utils.module_loading import import_string

from .models import Message


class DeliveryError(Exception):
    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


class Backend:
    # The backend's OPTIONS from the settings: texts, numbers, a dict of headers, a stream.
    def __init__(self, **options: Any) -> None:
        self.options = options

    def send(self, message: Message) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the backend held open across a batch of messages."""


def _record(message: Message) -> dict:
    return {
        "id": message.pk,
        "order": message.order.number if message.order else None,
        "problem": message.problem_id,
        "kind": message.kind,
        "channel": message.channel,
        "to": message.recipient,
        "subject": message.subject,
        "body": message.body,
    }


class ConsoleBackend(Backend):
    """Writes each message to standard output (development)."""

    def send(self, message: Message) -> None:
        stream = self.options.get("stream") or sys.stdout
        stream.write(f"[{message.get_channel_display()} → {message.recipient}] {message.body}\n")
        stream.flush()


class FileBackend(Backend):
    """Appends each message as one JSON line to a file (demo, tests, inspection)."""

    _lock = threading.Lock()  # one line at a time from the threads of one process
    _out = None

    def send(self, message: Message) -> None:
        with self._lock:
            if self._out is None:
                path = Path(self.options.get("path") or settings.VAR_DIR / "outbox.jsonl")
                path.parent.mkdir(parents=True, exist_ok=True)
                self._out = path.open("a", encoding="utf-8")
            self._out.write(json.dumps(_record(message), ensure_ascii=False) + "\n")
            self._out.flush()

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


class SmtpBackend(Backend):
    """E-mail through an SMTP server (Django's ``EMAIL_*`` settings unless options override
    them)."""

    def send(self, message: Message) -> None:
        options = dict(self.options)
        sender = options.pop("from_email", None) or settings.DEFAULT_FROM_EMAIL
        connection = mail.get_connection(
            "django.core.mail.backends.smtp.EmailBackend", fail_silently=False, **options
        )
        try:
            mail.EmailMessage(
                message.subject, message.body, sender, [message.recipient], connection=connection
            ).send()
        except smtplib.SMTPRecipientsRefused as e:
            raise DeliveryError(f"收件地址被拒绝：{e.recipients}", permanent=True) from e
        except (smtplib.SMTPException, OSError) as e:
            raise DeliveryError(f"SMTP 发送失败：{e!r}") from e


DEFAULT_FIELDS = {"phone": "{phone}", "text": "{text}"}


class HttpSmsBackend(Backend):
    """SMS through an HTTP gateway, described by options rather than code:

    - ``url``: a template; ``{phone}``, ``{text}`` and ``{id}`` are replaced (URL-quoted);
    - ``method``: ``POST`` (default) or ``GET``;
    - ``data``: for POST, form fields whose values are templates like the URL (default
      ``{"phone": "{phone}", "text": "{text}"}``);
    - ``headers``: e.g. an ``Authorization`` header;
    - ``timeout`` (seconds), ``attempts`` and ``backoff`` (seconds, doubled each try) for the
      retries of one delivery; what still fails goes back to the worker's queue.

    2xx is success; 4xx other than 408 and 429 is a permanent refusal; anything else is retried.
    """

    def send(self, message: Message) -> None:
        o = self.options
        attempts, delay = int(o.get("attempts", 3)), float(o.get("backoff", 0.5))
        for attempt in range(1, attempts + 1):
            try:
                return self._post(message)
            except DeliveryError as e:
                if e.permanent or attempt == attempts:
                    raise
            time.sleep(delay)
            delay *= 2

    def _post(self, message: Message) -> None:
        o = self.options
        values = {"phone": message.recipient, "text": message.body, "id": str(message.pk)}
        url = o["url"].format_map({k: urllib.parse.quote(v) for k, v in values.items()})
        method = o.get("method", "POST").upper()
        body = None
        if method == "POST":
            body = urllib.parse.urlencode(
                {k: v.format_map(values) for k, v in o.get("data", DEFAULT_FIELDS).items()}
            ).encode()
        request = urllib.request.Request(
            url, data=body, method=method, headers=o.get("headers", {})
        )
        try:
            with urllib.request.urlopen(request, timeout=float(o.get("timeout", 5))) as response:
                response.read()
        except urllib.error.HTTPError as e:
            permanent = 400 <= e.code < 500 and e.code not in (408, 429)
            raise DeliveryError(
                f"短信网关返回 {e.code}：{e.read()[:200].decode(errors='replace')}",
                permanent=permanent,
            ) from e
        except (urllib.error.URLError, OSError) as e:
            raise DeliveryError(f"短信网关不可达：{getattr(e, 'reason', e)}") from e


class MemoryBackend(Backend):
    """Keeps sent messages in ``MemoryBackend.outbox`` (tests), like Django's locmem e-mail
    backend."""

    outbox: list[dict] = []

    def send(self, message: Message) -> None:
        MemoryBackend.outbox.append(_record(message))


def backend_for(channel: str) -> Backend:
    config = cast(dict[str, Any], settings.HOTLINE_NOTIFY_BACKENDS[channel])
    return import_string(config["BACKEND"])(**config.get("OPTIONS", {}))
