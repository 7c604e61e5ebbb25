"""Files as part of the lifecycle: on their own (the attach action) or with another action, each
named by an event, checked before anything is written; and the one stale-version check."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hotline.core.errors import Conflict, InvalidInput, PermissionDenied, TransitionNotAllowed
from hotline.orders import services
from hotline.orders.models import Attachment, Event, WorkOrder
from hotline.orders.workflow import Action, Status
from tests import factories

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def photo(name="现场.png", content=PNG):
    return SimpleUploadedFile(name, content)


def test_attaching_is_an_event_naming_the_files_and_the_state_stays(city):
    order = factories.order_in(Status.ACCEPTED, city)
    after = services.attach_files(order=order, actor=city.handler(), files=[photo()], note="补拍")
    event = after.events.last()
    stored = Attachment.objects.get()
    assert (event.action, event.from_status, event.to_status) == ("attach", "accepted", "accepted")
    assert event.note == "补拍" and event.seq == order.version + 1 == after.version
    assert event.payload["attachments"] == [
        {"id": stored.pk, "name": "现场.png", "content_type": "image/png"}
    ]
    assert stored.uploaded_by == city.handler()


def test_files_given_with_a_reply_are_named_by_the_reply_event(city):
    order = factories.order_in(Status.ACCEPTED, city)
    after = services.reply_order(
        order=order, actor=city.handler(), result="已清运", solved=True, files=[photo()]
    )
    event = after.events.last()
    assert event.action == Action.REPLY and [a["name"] for a in event.payload["attachments"]] == [
        "现场.png"
    ]
    assert after.events.filter(action=Action.ATTACH).count() == 0


def test_a_bad_file_refuses_the_whole_action_and_writes_nothing(city):
    order = factories.order_in(Status.ACCEPTED, city)
    before = Event.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.reply_order(
            order=order,
            actor=city.handler(),
            result="已清运",
            solved=True,
            files=[photo(), photo("page.png", b"<html></html>")],
        )
    assert "attachments" in refused.value.errors
    assert WorkOrder.objects.get(pk=order.pk).status == Status.ACCEPTED
    assert Event.objects.count() == before and not Attachment.objects.exists()


def test_a_citizens_request_keeps_its_photo_in_the_registration_event(city):
    order = factories.register(city, actor=None, channel="web", files=[photo()])
    event = order.events.get()
    assert event.action == Action.REGISTER
    assert event.payload["attachments"][0]["id"] == order.attachments.get().pk


def test_attaching_nothing_is_refused_naming_the_field(city):
    order = factories.order_in(Status.ACCEPTED, city)
    with pytest.raises(InvalidInput) as refused:
        services.attach_files(order=order, actor=city.handler(), files=[])
    assert "attachments" in refused.value.errors
    assert WorkOrder.objects.get(pk=order.pk).version == order.version


def test_a_unit_that_cannot_see_the_order_cannot_attach_to_it(city):
    order = factories.order_in(Status.ACCEPTED, city)
    with pytest.raises(PermissionDenied):
        services.attach_files(order=order, actor=city.handler(city.streets[1]), files=[photo()])
    assert not Attachment.objects.exists()


def test_a_finished_order_takes_no_more_files(city):
    order = factories.order_in(Status.CLOSED, city)
    with pytest.raises(TransitionNotAllowed):
        services.attach_files(order=order, actor=city.dispatcher, files=[photo()])


def test_an_older_expected_version_is_a_conflict_that_names_both_versions(city):
    order = factories.order_in(Status.DISPATCHED, city)
    with pytest.raises(Conflict) as refused:
        services.accept_order(order=order, actor=city.handler(), expected_version=order.version - 1)
    assert f"第 {order.version} 版" in refused.value.reason
    assert f"第 {order.version - 1} 版" in refused.value.reason
    assert WorkOrder.objects.get(pk=order.pk).status == Status.DISPATCHED


def test_the_version_seen_now_is_taken(city):
    order = factories.order_in(Status.DISPATCHED, city)
    after = services.accept_order(order=order, actor=city.handler(), expected_version=order.version)
    assert after.status == Status.ACCEPTED
