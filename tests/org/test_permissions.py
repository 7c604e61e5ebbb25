from django.contrib.auth.models import AnonymousUser

from hotline.orders.workflow import TRANSITIONS, Action
from hotline.org.models import User
from hotline.org.permissions import PERMISSIONS, Capability, may
from hotline.org.roles import STAFF_ROLES, Role
from tests.factories import City


def test_registering_is_granted_to_the_staff_roles_of_the_register_transition() -> None:
    assert PERMISSIONS[Capability.REGISTER].all_roles == TRANSITIONS[Action.REGISTER].roles & set(
        STAFF_ROLES
    )


def test_an_anonymous_visitor_has_no_capability() -> None:
    assert not any(may(AnonymousUser(), c) for c in Capability)


def test_a_deactivated_account_has_no_capability() -> None:
    gone = User(username="gone", role=Role.DISPATCHER, is_active=False, is_staff=True)
    assert not any(may(gone, c) for c in Capability)


def test_reports_are_refused_to_a_unit_dispatcher_outside_the_centre(city: City) -> None:
    assert may(city.staff(Role.DISPATCHER, city.centre), Capability.READ_REPORTS)
    assert not may(city.staff(Role.DISPATCHER, city.streets[0]), Capability.READ_REPORTS)
    assert not may(city.operator, Capability.READ_REPORTS)
