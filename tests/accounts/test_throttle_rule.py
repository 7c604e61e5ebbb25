"""The lockout rule on its own (hotline/accounts/throttle.py), without a database."""

from datetime import UTC, datetime, timedelta

from hotline.accounts.throttle import Policy, after_failure

POLICY = Policy(limit=5, window=timedelta(minutes=15), lockout=timedelta(minutes=15))
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def failures_at(*minutes: float):
    count = None
    for m in minutes:
        count = after_failure(count, T0 + timedelta(minutes=m), POLICY)
    return count


def test_four_failures_do_not_lock() -> None:
    count = failures_at(0, 1, 2, 3)
    assert count.failures == 4 and not count.locked_at(T0 + timedelta(minutes=3))


def test_the_fifth_failure_within_the_window_locks_for_the_lockout_from_that_failure() -> None:
    count = failures_at(0, 1, 2, 3, 10)
    assert count.locked_until == T0 + timedelta(minutes=25)
    assert count.locked_at(T0 + timedelta(minutes=24, seconds=59))
    assert not count.locked_at(T0 + timedelta(minutes=25))


def test_failures_spread_wider_than_the_window_never_lock() -> None:
    count = failures_at(0, 4, 8, 12, 16, 20, 24, 28)
    assert count.locked_until is None and count.failures < 5


def test_a_count_starts_again_once_its_lock_is_over() -> None:
    count = failures_at(0, 1, 2, 3, 4, 20)
    assert (count.failures, count.window_start, count.locked_until) == (
        1,
        T0 + timedelta(minutes=20),
        None,
    )


def test_a_count_stays_until_its_window_and_its_lock_are_both_over() -> None:
    assert failures_at(0).expires_at(POLICY) == T0 + timedelta(minutes=15)
    assert failures_at(0, 1, 2, 3, 14).expires_at(POLICY) == T0 + timedelta(minutes=29)
