import pytest

from tests import factories


@pytest.fixture
def city(db):
    return factories.city()
