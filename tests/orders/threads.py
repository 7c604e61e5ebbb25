"""Running the same work at the same moment on separate database connections."""

import threading
from collections.abc import Callable

from django.db import connection

from hotline.core import clock


def run_together(calls: list[Callable[[], object]], *, frozen_at=None, timeout: float = 60) -> list:
    """Run each call in its own thread (so on its own connection), released together by a
    barrier; return each call's result or the exception it raised, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=timeout)
            if frozen_at is None:
                results[i] = call()
            else:
                with clock.frozen_at(frozen_at):  # a context variable: threads do not inherit it
                    results[i] = call()
        except Exception as error:  # handed back to the test
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results
