"""Photos and documents: added with a reply or a portal request, checked by content and size,
served only to those who may see the order."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django import Settings

from hotline.orders import attachments
from hotline.orders.models import Attachment, WorkOrder
from hotline.orders.workflow import Status
from hotline.triage.models import ModelVersion
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
PDF = b"%PDF-1.7\n" + b"\0" * 100


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def upload(name, content):
    return SimpleUploadedFile(name, content)


def reply(client: Client, city: City, order, *files):
    client.force_login(city.handler())
    return client.post(
        f"/orders/{order.number}/reply/",
        {
            "version": order.version,
            "result": "已清运完毕",
            "solved": "on",
            "attachments": list(files),
        },
    )


def test_a_reply_keeps_its_photos_and_the_centre_can_open_them(city: City, client: Client) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    assert (
        reply(client, city, order, upload("现场.png", PNG), upload("说明.pdf", PDF)).status_code
        == 302
    )
    photo, document = Attachment.objects.order_by("pk")
    assert (photo.name, photo.content_type, document.content_type) == (
        "现场.png",
        "image/png",
        "application/pdf",
    )
    client.force_login(city.dispatcher)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "现场.png" in page
    served = client.get(f"/orders/{order.number}/files/{photo.pk}/")
    assert served["Content-Type"] == "image/png" and b"".join(served.streaming_content) == PNG
    assert (
        "attachment"
        in client.get(f"/orders/{order.number}/files/{document.pk}/")["Content-Disposition"]
    )


def test_a_page_disguised_as_a_photo_is_refused_and_the_reply_is_not_taken(
    city: City, client: Client
) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    answer = reply(
        client, city, order, upload("photo.png", b"<html><script>alert(1)</script></html>")
    )
    assert answer.status_code == 422 and "不是 JPEG、PNG 图片或 PDF 文件" in answer.content.decode()
    assert (
        WorkOrder.objects.get(pk=order.pk).status == Status.ACCEPTED
        and not Attachment.objects.exists()
    )


def test_a_file_over_the_limit_is_refused(city: City, client: Client) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    answer = reply(client, city, order, upload("big.png", PNG + b"\0" * attachments.MAX_BYTES))
    assert answer.status_code == 422 and "超过 5 MB" in answer.content.decode()


def test_too_many_files_at_once_are_refused(city: City, client: Client) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    answer = reply(
        client, city, order, *[upload(f"{i}.png", PNG) for i in range(attachments.MAX_FILES + 1)]
    )
    assert answer.status_code == 422 and not Attachment.objects.exists()


def test_another_unit_cannot_open_an_orders_file(city: City, client: Client) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    reply(client, city, order, upload("现场.png", PNG))
    client.force_login(city.handler(city.streets[2]))
    assert (
        client.get(f"/orders/{order.number}/files/{Attachment.objects.get().pk}/").status_code
        == 404
    )


def test_a_citizen_sends_a_photo_with_the_request(
    city: City, client: Client, model_in_use: ModelVersion
) -> None:
    client.post(
        "/portal/",
        {
            "order_type": "help",
            "text": "东城1路11小区路灯不亮",
            "address": "东城1路11小区",
            "caller_phone": "13912345678",
            "photo": upload("路灯.png", PNG),
        },
    )
    photo = Attachment.objects.get()
    assert (photo.order.channel, photo.uploaded_by, photo.name) == ("web", None, "路灯.png")


def test_a_portal_request_with_a_bad_file_registers_nothing(
    city: City, client: Client, model_in_use: ModelVersion
) -> None:
    answer = client.post(
        "/portal/",
        {
            "order_type": "help",
            "text": "东城1路11小区路灯不亮",
            "address": "东城1路11小区",
            "caller_phone": "13912345678",
            "photo": upload("x.png", b"GIF89a..."),
        },
    )
    assert "不是 JPEG、PNG 图片或 PDF 文件" in answer.content.decode()
    assert not WorkOrder.objects.exists()
