"""The backends other than the HTTP gateway (see test_delivery): file, console and a real SMTP
server on loopback."""

import json
import socket
from email import message_from_bytes, policy
from io import StringIO
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from hotline.notifications.backends import ConsoleBackend, DeliveryError, FileBackend, SmtpBackend
from hotline.notifications.models import Message
from hotline.orders.workflow import Status
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(city: City):
    """The e-mail alert to the street's duty address for a freshly dispatched order."""
    order = factories.order_in(Status.DISPATCHED, city)
    return Message.objects.get(order=order, kind="new_order", channel="email")


class Mailbox:
    """An SMTP handler that keeps what it receives and refuses one address."""

    def __init__(self, refuse: str = "") -> None:
        self.received, self.refuse = [], refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    def start(refuse=""):
        mailbox = Mailbox(refuse)
        controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append(controller)
        return mailbox, controller.port

    started = []
    yield start
    for controller in started:
        controller.stop()


def test_the_smtp_backend_delivers_the_subject_and_chinese_body(alert, smtp_server) -> None:
    mailbox, port = smtp_server()
    SmtpBackend(host="127.0.0.1", port=port, from_email="12345@jianglin.gov.cn").send(alert)
    ((to, mail),) = mailbox.received
    assert to == ["duty@dongcheng1.gov.cn"] and mail["From"] == "12345@jianglin.gov.cn"
    assert mail["Subject"].strip() == alert.subject and mail.get_content().strip() == alert.body


def test_a_refused_mailbox_is_a_permanent_failure(alert, smtp_server) -> None:
    _, port = smtp_server(refuse="duty@dongcheng1.gov.cn")
    with pytest.raises(DeliveryError) as refused:
        SmtpBackend(host="127.0.0.1", port=port).send(alert)
    assert refused.value.permanent


def test_an_unreachable_smtp_server_is_retried_later(alert) -> None:
    with pytest.raises(DeliveryError) as failed:
        SmtpBackend(host="127.0.0.1", port=free_port(), timeout=2).send(alert)
    assert not failed.value.permanent


def test_the_file_backend_appends_one_json_line_per_message(alert, tmp_path: Path) -> None:
    path = tmp_path / "outbox" / "email.jsonl"
    FileBackend(path=path).send(alert)
    FileBackend(path=path).send(alert)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2
    assert lines[0] | {"id": None} == {
        "id": None,
        "order": alert.order.number,
        "problem": None,
        "kind": "new_order",
        "channel": "email",
        "to": "duty@dongcheng1.gov.cn",
        "subject": alert.subject,
        "body": alert.body,
    }


def test_the_console_backend_prints_the_recipient_and_the_text(alert) -> None:
    stream = StringIO()
    ConsoleBackend(stream=stream).send(alert)
    assert stream.getvalue() == f"[邮件 → duty@dongcheng1.gov.cn] {alert.body}\n"
