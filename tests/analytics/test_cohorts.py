"""Hand-made event histories with known answers: what each order adds to which day and unit."""

from datetime import date, datetime

from hotline.analytics.cohorts import EventFacts, OrderFacts, fold, total
from hotline.sla.worktime import SHANGHAI

STREET, OTHER = 7, 9


def at(month, day, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def iso(moment):
    return moment.isoformat()


class History:
    """Builds an order's events the way the services record them."""

    def __init__(self, *, reachable=True):
        self.order = OrderFacts(1, category_id=3, street_id=5, channel="phone", reachable=reachable)
        self.events: list[EventFacts] = []
        self.unit = None
        self.status = "registered"

    def _add(self, moment, action, to=None, **payload):
        self.status = to or self.status
        self.events.append(
            EventFacts(len(self.events) + 1, moment, action, self.status, self.unit, payload)
        )
        return self

    def register(self, moment):
        return self._add(moment, "register", "registered", channel="phone")

    def dispatch(self, moment, unit=STREET, *, accept, contact, finish, action="dispatch"):
        self.unit = unit
        deadlines = {
            "accept": iso(accept),
            "contact": iso(contact),
            "finish": iso(finish),
            "original_finish": iso(finish),
            "visit": None,
        }
        return self._add(moment, action, "dispatched", deadlines=deadlines, unit=unit)

    def accept(self, moment):
        return self._add(moment, "accept", "accepted")

    def contact(self, moment):
        return self._add(moment, "record_contact", first=True)

    def extend(self, moment, finish):
        return self._add(moment, "approve_extension", deadlines={"finish": iso(finish)})

    def stage_reply(self, moment):
        return self._add(moment, "stage_reply")

    def reply(self, moment, solved=True):
        return self._add(moment, "reply", "replied", solved=solved)

    def reject_reply(self, moment):
        return self._add(moment, "reject_reply", "accepted")

    def approve(self, moment):
        return self._add(moment, "approve_reply", "pending_visit", deadlines={"visit": iso(moment)})

    def visit(self, moment, resolved=True, satisfaction="satisfied"):
        return self._add(moment, "visit", "closed", resolved=resolved, satisfaction=satisfaction)

    def request_return(self, moment):
        return self._add(moment, "request_return", "returned")

    def approve_return(self, moment):
        self.unit = None
        return self._add(
            moment,
            "approve_return",
            "pending_dispatch",
            deadlines=dict.fromkeys(["accept", "contact", "finish", "original_finish", "visit"]),
        )

    def merge(self, moment):
        return self._add(moment, "merge", "merged", master=99)

    def cancel(self, moment):
        return self._add(moment, "cancel", "cancelled")

    def close(self, moment):
        return self._add(moment, "close", "closed")

    def counts(self):
        return fold(self.order, self.events)

    def on(self, day, unit=STREET):
        return dict(self.counts().cells.get((day, unit), {}))


def handled_in_time():
    return (
        History()
        .register(at(10, 12, 9))
        .dispatch(
            at(10, 12, 10),
            accept=at(10, 12, 12),
            contact=at(10, 13, 17, 30),
            finish=at(10, 19, 17, 30),
        )
        .accept(at(10, 12, 11))
        .contact(at(10, 12, 15))
        .reply(at(10, 15, 16))
        .approve(at(10, 16, 9))
        .visit(at(10, 16, 10))
    )


def test_a_well_handled_order_counts_its_dispatch_reply_and_visit_on_their_own_days():
    h = handled_in_time()
    assert h.on(date(2026, 10, 12)) == {
        "registered": 1,
        "dispatched": 1,
        "accepted_on_time": 1,
        "contact_required": 1,
        "contacted_on_time": 1,
        "accepted": 1,
    }
    assert h.on(date(2026, 10, 15)) == {"due": 1, "finished_on_time": 1, "replied_on_time": 1}
    assert h.on(date(2026, 10, 16)) == {"visited": 1, "resolved": 1, "satisfied": 1, "closed": 1}


def test_late_acceptance_and_late_contact_are_not_counted_as_in_time():
    h = (
        History()
        .register(at(10, 12, 9))
        .dispatch(
            at(10, 12, 10),
            accept=at(10, 12, 12),
            contact=at(10, 13, 17, 30),
            finish=at(10, 19, 17, 30),
        )
        .accept(at(10, 12, 14))
        .contact(at(10, 14, 9))
    )
    counts = h.on(date(2026, 10, 12))
    assert counts["dispatched"] == 1 and "accepted_on_time" not in counts
    assert counts["contact_required"] == 1 and "contacted_on_time" not in counts


def test_a_caller_without_a_phone_is_not_in_the_first_contact_cohort():
    h = (
        History(reachable=False)
        .register(at(10, 12, 9))
        .dispatch(at(10, 12, 10), accept=at(10, 12, 12), contact=at(10, 13), finish=at(10, 19))
    )
    assert "contact_required" not in h.on(date(2026, 10, 12))


def test_an_unreplied_order_falls_due_on_its_deadline_and_is_overdue():
    h = (
        History()
        .register(at(10, 12, 9))
        .dispatch(
            at(10, 12, 10), accept=at(10, 12, 12), contact=at(10, 13), finish=at(10, 19, 17, 30)
        )
        .accept(at(10, 12, 11))
    )
    assert h.on(date(2026, 10, 19)) == {"due": 1}


def test_a_late_reply_counts_on_the_deadline_day_not_again_on_the_reply_day():
    h = (
        History()
        .register(at(10, 12, 9))
        .dispatch(
            at(10, 12, 10), accept=at(10, 12, 12), contact=at(10, 13), finish=at(10, 19, 17, 30)
        )
        .accept(at(10, 12, 11))
        .reply(at(10, 22, 10))
    )
    assert h.on(date(2026, 10, 19)) == {"due": 1}
    assert h.on(date(2026, 10, 22)) == {}


def test_an_approved_extension_moves_the_deadline_in_force_but_not_the_original_one():
    h = (
        History()
        .register(at(10, 12, 9))
        .dispatch(
            at(10, 12, 10), accept=at(10, 12, 12), contact=at(10, 13), finish=at(10, 19, 17, 30)
        )
        .accept(at(10, 12, 11))
        .extend(at(10, 16, 9), finish=at(10, 26, 17, 30))
        .reply(at(10, 23, 10))
    )
    assert h.on(date(2026, 10, 12))["extended"] == 1
    # finished by the extended deadline, but the first reply came after the original one
    assert h.on(date(2026, 10, 23)) == {"due": 1, "finished_on_time": 1}


def test_a_stage_reply_before_the_original_deadline_makes_an_extended_order_timely():
    h = (
        History()
        .register(at(10, 12, 9))
        .dispatch(
            at(10, 12, 10), accept=at(10, 12, 12), contact=at(10, 13), finish=at(10, 19, 17, 30)
        )
        .accept(at(10, 12, 11))
        .extend(at(10, 16, 9), finish=at(10, 26, 17, 30))
        .stage_reply(at(10, 19, 9))
        .reply(at(10, 23, 10))
    )
    assert h.on(date(2026, 10, 23)) == {"due": 1, "finished_on_time": 1, "replied_on_time": 1}


def test_a_reply_sent_back_counts_only_when_the_unit_replies_again():
    h = (
        History()
        .register(at(10, 12, 9))
        .dispatch(
            at(10, 12, 10), accept=at(10, 12, 12), contact=at(10, 13), finish=at(10, 19, 17, 30)
        )
        .accept(at(10, 12, 11))
        .reply(at(10, 14, 10))
        .reject_reply(at(10, 15, 9))
    )
    assert h.on(date(2026, 10, 19)) == {"due": 1, "replied_on_time": 1}  # no final reply: overdue
    h.reply(at(10, 20, 9))
    assert h.on(date(2026, 10, 19)) == {"due": 1, "replied_on_time": 1}  # late final reply


def test_a_reopened_order_counts_again_in_the_period_of_its_second_handling():
    h = handled_in_time().dispatch(
        at(11, 2, 10),
        accept=at(11, 2, 12),
        contact=at(11, 3),
        finish=at(11, 5, 17, 30),
        action="reopen",
    )
    h.accept(at(11, 2, 11)).reply(at(11, 4, 10)).approve(at(11, 4, 15)).visit(at(11, 5, 9))
    counts = h.counts()
    assert counts.cells[(date(2026, 11, 2), STREET)]["reopened"] == 1
    assert counts.cells[(date(2026, 11, 2), STREET)]["dispatched"] == 1
    assert counts.cells[(date(2026, 11, 4), STREET)] == {
        "due": 1,
        "finished_on_time": 1,
        "replied_on_time": 1,
    }
    totals = total([counts])
    assert (totals["dispatched"], totals["due"], totals["visited"], totals["reopened"]) == (
        2,
        2,
        2,
        1,
    )
    assert totals["closed"] == 1  # closed once, on the last visit


def test_an_unsatisfied_unresolved_visit_is_rated_but_not_resolved():
    h = handled_in_time()
    h.events[-1] = EventFacts(
        h.events[-1].seq,
        at(10, 16, 10),
        "visit",
        "closed",
        STREET,
        {"resolved": False, "satisfaction": "unsatisfied"},
    )
    assert h.on(date(2026, 10, 16)) == {"visited": 1, "unsatisfied": 1, "closed": 1}


def test_an_approved_return_counts_against_the_dispatch_and_the_next_unit_gets_its_own_round():
    h = (
        History()
        .register(at(10, 12, 9))
        .dispatch(at(10, 12, 10), accept=at(10, 12, 12), contact=at(10, 13), finish=at(10, 19))
        .request_return(at(10, 12, 11))
        .approve_return(at(10, 12, 14))
        .dispatch(
            at(10, 12, 15), OTHER, accept=at(10, 12, 17), contact=at(10, 13), finish=at(10, 19)
        )
        .accept(at(10, 12, 16))
        .reply(at(10, 14, 9))
    )
    assert h.on(date(2026, 10, 12), STREET) == {
        "dispatched": 1,
        "returned": 1,
        "contact_required": 1,
    }
    assert h.on(date(2026, 10, 14), OTHER) == {
        "due": 1,
        "finished_on_time": 1,
        "replied_on_time": 1,
    }
    assert total([h.counts()])["due"] == 1
    assert h.on(date(2026, 10, 12), OTHER)["registered"] == 1  # volume goes to the unit that has it


def test_a_reassigned_round_leaves_the_first_units_finish_cohort():
    h = (
        History()
        .register(at(10, 12, 9))
        .dispatch(at(10, 12, 10), accept=at(10, 12, 12), contact=at(10, 13), finish=at(10, 13))
        .accept(at(10, 12, 11))
        .dispatch(
            at(10, 14, 9),
            OTHER,
            accept=at(10, 14, 11),
            contact=at(10, 15),
            finish=at(10, 20),
            action="reassign",
        )
    )
    assert total([h.counts()])["due"] == 1
    assert h.on(date(2026, 10, 20), OTHER) == {"due": 1}


def test_a_merged_duplicate_counts_only_as_a_registration_and_a_repeat():
    h = (
        History()
        .register(at(10, 12, 9))
        .dispatch(at(10, 12, 10), accept=at(10, 12, 12), contact=at(10, 13), finish=at(10, 19))
        .merge(at(10, 12, 11))
    )
    assert h.counts().rows() == [(date(2026, 10, 12), STREET, {"registered": 1, "merged": 1})]


def test_a_cancelled_order_counts_only_in_volume():
    h = History().register(at(10, 12, 9)).cancel(at(10, 12, 10))
    assert h.counts().rows() == [(date(2026, 10, 12), 0, {"registered": 1, "cancelled": 1})]


def test_an_order_dispatched_at_the_end_of_a_month_falls_due_in_the_next():
    h = (
        History()
        .register(at(10, 30, 16))
        .dispatch(
            at(10, 30, 16, 30),
            accept=at(10, 30, 17),
            contact=at(11, 2, 17, 30),
            finish=at(11, 6, 17, 30),
        )
        .accept(at(10, 30, 16, 45))
        .contact(at(11, 2, 9))
        .reply(at(11, 4, 10))
    )
    october = {
        k: v for (day, _), c in h.counts().cells.items() if day.month == 10 for k, v in c.items()
    }
    november = {
        k: v for (day, _), c in h.counts().cells.items() if day.month == 11 for k, v in c.items()
    }
    assert october == {
        "registered": 1,
        "dispatched": 1,
        "accepted_on_time": 1,
        "contact_required": 1,
        "contacted_on_time": 1,
        "accepted": 1,
    }
    assert november == {"due": 1, "finished_on_time": 1, "replied_on_time": 1}


def test_days_are_local_days_in_shanghai():
    # 00:30 on the 13th in Shanghai is still the 12th in UTC
    h = History().register(at(10, 13, 0, 30)).cancel(at(10, 13, 1))
    assert h.counts().rows()[0][0] == date(2026, 10, 13)


def test_closed_without_a_visit_counts_as_closed_but_not_as_visited():
    h = (
        History()
        .register(at(10, 12, 9))
        .dispatch(at(10, 12, 10), accept=at(10, 12, 12), contact=at(10, 13), finish=at(10, 19))
        .accept(at(10, 12, 11))
        .reply(at(10, 13, 9))
        .approve(at(10, 13, 10))
        .close(at(10, 16, 9))
    )
    assert h.on(date(2026, 10, 16)) == {"closed": 1}
