import pytest

from hotline.core import cache
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_reference_caches():
    # Each test rolls its data back, which no signal sees: caches must not carry rows across tests.
    cache.forget()
    yield
    cache.forget()


@pytest.fixture
def city(db):
    return factories.city()
