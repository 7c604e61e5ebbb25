from collections.abc import Iterator

import pytest
from pytest_django import Settings

from hotline.core import cache
from hotline.triage.classifier import TriageModel
from hotline.triage.models import ModelVersion
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_reference_caches() -> Iterator[None]:
    # Each test rolls its data back, which no signal sees: caches must not carry rows across tests.
    from django.core.cache import cache as django_cache

    cache.forget()
    django_cache.clear()
    yield
    cache.forget()
    django_cache.clear()


@pytest.fixture(autouse=True)
def _fresh_order_numbers(request: pytest.FixtureRequest) -> Iterator[None]:
    # Tests that commit (live server, races) leave the days' number sequences behind on PostgreSQL,
    # where emptying the tables does not reach them.
    yield
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        from hotline.orders.numbers import forget_days

        forget_days()


@pytest.fixture(autouse=True)
def outbox(settings: Settings) -> list[dict]:
    """Notifications go to memory in tests; the list of what was sent is the fixture's value."""
    from hotline.notifications.backends import MemoryBackend

    memory = {"BACKEND": "hotline.notifications.backends.MemoryBackend"}
    settings.HOTLINE_NOTIFY_BACKENDS = {"sms": memory, "email": memory}
    MemoryBackend.outbox = []
    return MemoryBackend.outbox


@pytest.fixture
def city(db: None) -> factories.City:
    return factories.city()


@pytest.fixture(scope="session")
def small_model() -> TriageModel:
    """A triage model trained once per test run on a small corpus (fast, still every category)."""
    from hotline.triage import corpus
    from hotline.triage.classifier import train

    return train(corpus.generate(per_category=60, seed=11))


@pytest.fixture
def model_in_use(db: None, small_model: TriageModel) -> ModelVersion:
    """The small model stored and in use, as after ``hotline triage train``."""
    from hotline.triage import selectors
    from hotline.triage.models import ModelVersion

    selectors._loaded = None
    return ModelVersion.objects.create(
        source=ModelVersion.Source.CORPUS,
        examples=small_model.info["examples"],
        blob=small_model.to_bytes(),
    )
