"""Upload limits at every place a file or a body comes in: each attachment checked by content and
size wherever it arrives (console action, portal), and a request too large for the server refused
with a clear answer before it is read, never a server error."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django import Settings

from hotline.api.services import create_token
from hotline.orders import attachments
from hotline.orders.models import Attachment, WorkOrder
from hotline.orders.workflow import Status
from hotline.triage.models import ModelVersion
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
DISGUISED = {
    "empty.jpg": (b"", "是空的"),
    "page.jpg": (b"<html><body onload=alert(1)>", "不是 JPEG、PNG 图片或 PDF 文件"),
    "drawing.jpg": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "不是 JPEG",
    ),
    "drawing.svg": (b"<svg onload=alert(1)>", "不是 JPEG"),
    "program.jpg": (b"MZ\x90\x00" + b"\0" * 100, "不是 JPEG"),
    "gif.png": (b"GIF89a" + b"\0" * 100, "不是 JPEG"),
    "big.jpg": (JPEG + b"\0" * attachments.MAX_BYTES, "超过 5 MB"),
}
PORTAL = {
    "order_type": "help",
    "text": "东城1路11小区路灯不亮",
    "address": "东城1路11小区",
    "caller_phone": "13912345678",
}


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


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


@pytest.mark.parametrize("name", DISGUISED)
def test_the_console_refuses_each_bad_file_by_name_and_takes_nothing(
    city: City, client: Client, name
) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    content, reason = DISGUISED[name]
    answer = reply(
        client, city, order, SimpleUploadedFile("ok.jpg", JPEG), SimpleUploadedFile(name, content)
    )
    assert (
        answer.status_code == 422
        and reason in answer.content.decode()
        and name in answer.content.decode()
    )
    assert (
        WorkOrder.objects.get(pk=order.pk).status == Status.ACCEPTED
        and not Attachment.objects.exists()
    )


@pytest.mark.parametrize("name", DISGUISED)
def test_the_portal_refuses_each_bad_photo_and_registers_nothing(
    city: City, client: Client, model_in_use: ModelVersion, name
) -> None:
    content, reason = DISGUISED[name]
    answer = client.post("/portal/", PORTAL | {"photo": SimpleUploadedFile(name, content)})
    page = answer.content.decode()
    # Django's own form refuses an empty file before our check does, in its words.
    assert answer.status_code == 200 and (
        reason in page or (not content and "所提交的是空文件" in page)
    )
    assert not WorkOrder.objects.exists() and not Attachment.objects.exists()


def test_the_console_refuses_more_files_than_an_action_takes(city: City, client: Client) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    answer = reply(
        client,
        city,
        order,
        *[SimpleUploadedFile(f"{i}.jpg", JPEG) for i in range(attachments.MAX_FILES + 1)],
    )
    assert answer.status_code == 422 and "一次最多上传 5 个文件" in answer.content.decode()
    assert not Attachment.objects.exists()


def test_the_limit_itself_is_accepted(city: City, client: Client) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    files = [
        SimpleUploadedFile(f"{i}.jpg", JPEG + b"\0" * (attachments.MAX_BYTES - len(JPEG)))
        for i in range(attachments.MAX_FILES)
    ]
    assert reply(client, city, order, *files).status_code == 302
    assert Attachment.objects.count() == attachments.MAX_FILES


def test_far_too_many_files_in_one_request_are_refused_before_they_are_read(
    city: City, client: Client
) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    answer = reply(client, city, order, *[SimpleUploadedFile(f"{i}.jpg", JPEG) for i in range(11)])
    assert answer.status_code == 400 and "请求有误" in answer.content.decode()
    assert not Attachment.objects.exists()


def test_a_request_larger_than_the_server_takes_is_refused_before_it_is_read(
    city: City, client: Client, model_in_use: ModelVersion, settings: Settings
) -> None:
    settings.HOTLINE_MAX_REQUEST_BYTES = 1024 * 1024
    answer = client.post(
        "/portal/",
        PORTAL | {"photo": SimpleUploadedFile("big.jpg", JPEG + b"\0" * 2 * 1024 * 1024)},
    )
    assert answer.status_code == 400 and "请求有误" in answer.content.decode()
    assert not WorkOrder.objects.exists()


def test_a_form_with_too_many_fields_is_refused(city: City, client: Client) -> None:
    client.force_login(city.operator)
    answer = client.post("/intake/", {f"field{i}": "x" for i in range(600)})
    assert answer.status_code == 400 and not WorkOrder.objects.exists()


def test_an_oversized_json_body_is_refused_by_the_api_not_a_server_error(
    city: City, client: Client
) -> None:
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {create_token(user=city.operator)}"}
    answer = client.post(
        "/api/v1/orders",
        json.dumps({"text": "路灯" * 2_000_000}),
        content_type="application/json",
        **bearer,
    )
    assert 400 <= answer.status_code < 500
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_oversized_open311_post_gets_413_in_the_specifications_format(
    city: City, client: Client, fmt
) -> None:
    answer = client.post(
        f"/open311/v2/requests.{fmt}",
        {"api_key": create_token(user=city.operator), "description": "x" * 3_000_000},
    )
    assert answer.status_code == 413 and b"413" in answer.content
    assert not WorkOrder.objects.exists()


def test_a_served_file_is_never_sniffed_and_a_document_is_downloaded(
    city: City, client: Client
) -> None:
    order = factories.order_in(Status.ACCEPTED, city)
    reply(
        client,
        city,
        order,
        SimpleUploadedFile("现场.jpg", JPEG),
        SimpleUploadedFile("说明.pdf", b"%PDF-1.7\n" + b"\0" * 10),
    )
    client.force_login(city.dispatcher)
    photo, document = Attachment.objects.order_by("pk")
    for item, disposition in ((photo, "inline"), (document, "attachment")):
        served = client.get(f"/orders/{order.number}/files/{item.pk}/")
        assert (
            served["X-Content-Type-Options"] == "nosniff"
            and served["Content-Security-Policy"] == "default-src 'none'"
        )
        assert (
            served["Content-Disposition"].startswith(disposition)
            and served["Content-Type"] == item.content_type
        )
