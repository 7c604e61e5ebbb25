"""The transition table against an expectation matrix transcribed by hand from the reference
table of the lifecycle (../shared/LIFECYCLE.md, beside the project), printed as docs/lifecycle.md.

The matrix below uses plain strings, not the code's enums, so that a change to the table in
``hotline.orders.workflow`` that the lifecycle document does not make shows up here.
"""

import re

import pytest

from hotline.orders import workflow
from hotline.orders.workflow import Action, Refusal, Status
from hotline.org.roles import Role

OPEN_STATES = (
    "registered",
    "pending_dispatch",
    "dispatched",
    "returned",
    "accepted",
    "replied",
    "pending_visit",
)
FINAL_STATES = ("closed", "merged", "cancelled")
ALL_STATES = OPEN_STATES + FINAL_STATES
ALL_ROLES = (
    "operator",
    "dispatcher",
    "handler",
    "lead",
    "visitor",
    "supervisor",
    "admin",
    "citizen",
    "system",
)

# The 中文 column of the states table.
STATE_LABELS = {
    "registered": "已登记",
    "pending_dispatch": "待派单",
    "dispatched": "已派单",
    "returned": "退单待审",
    "accepted": "办理中",
    "replied": "已回复待审",
    "pending_visit": "待回访",
    "closed": "已办结",
    "merged": "已并单",
    "cancelled": "已作废",
}

# action: (from states, who, to state; None = the state does not change)
# "portal, API/Open311 client" acting for a citizen is the citizen role.
MATRIX: dict[str, tuple[tuple[str, ...], tuple[str, ...], str | None]] = {
    "register": ((), ("operator", "dispatcher", "citizen"), "registered"),
    "answer_on_the_spot": (("registered",), ("operator",), "closed"),
    "review": (("registered",), ("dispatcher",), "pending_dispatch"),
    "dispatch": (("registered", "pending_dispatch"), ("dispatcher",), "dispatched"),
    "reassign": (("dispatched", "accepted"), ("dispatcher",), "dispatched"),
    "accept": (("dispatched",), ("handler", "lead"), "accepted"),
    "request_return": (("dispatched", "accepted"), ("handler", "lead"), "returned"),
    "approve_return": (("returned",), ("dispatcher",), "pending_dispatch"),
    "reject_return": (("returned",), ("dispatcher",), "dispatched"),
    "pass_down": (("accepted",), ("handler", "lead"), None),
    "record_contact": (("accepted",), ("handler",), None),
    "request_extension": (("accepted",), ("handler", "lead"), None),
    "approve_extension": (("accepted",), ("dispatcher", "supervisor"), None),
    "deny_extension": (("accepted",), ("dispatcher", "supervisor"), None),
    "stage_reply": (("accepted",), ("handler",), None),
    "reply": (("accepted",), ("handler", "lead"), "replied"),
    "approve_reply": (("replied",), ("dispatcher",), "pending_visit"),
    "reject_reply": (("replied",), ("dispatcher",), "accepted"),
    # The product brief's users table (../shared/DESIGN.md): the citizen "rates" (the survey link
    # after the reply).
    "visit": (("pending_visit",), ("visitor", "citizen"), "closed"),
    "reopen": (("pending_visit", "closed"), ("visitor", "dispatcher"), "dispatched"),
    "close": (("pending_visit",), ("dispatcher",), "closed"),
    "merge": (
        ("registered", "pending_dispatch", "dispatched", "accepted"),
        ("dispatcher",),
        "merged",
    ),
    "cancel": (("registered", "pending_dispatch"), ("dispatcher",), "cancelled"),
    "urge": (
        ("dispatched", "accepted", "returned", "replied"),
        ("dispatcher", "supervisor", "system"),
        None,
    ),
    "supervise": (OPEN_STATES, ("supervisor", "system"), None),
    "convert_to_case": (("accepted",), ("handler",), None),
    "assist": (("accepted",), ("handler",), None),
    # Beyond the reference table: photos or documents on their own, by anyone working on it.
    "attach": (
        ("dispatched", "returned", "accepted", "replied", "pending_visit"),
        ("operator", "dispatcher", "handler", "lead", "visitor", "supervisor"),
        None,
    ),
}

# The 中文 column of the actions table (the two extension rulings share 延期审批 there).
ACTION_LABELS = {
    "register": "登记",
    "answer_on_the_spot": "直接答复",
    "review": "审核",
    "dispatch": "派单",
    "reassign": "改派",
    "accept": "签收",
    "request_return": "申请退单",
    "approve_return": "同意退单",
    "reject_return": "驳回退单",
    "pass_down": "下派",
    "record_contact": "先行联系",
    "request_extension": "申请延期",
    "stage_reply": "阶段性回复",
    "reply": "回复",
    "approve_reply": "回复审核通过",
    "reject_reply": "回复退回",
    "visit": "回访",
    "reopen": "重办",
    "close": "结案",
    "merge": "并单",
    "cancel": "作废",
    "urge": "催办",
    "supervise": "督办",
    "convert_to_case": "诉转案",
    "assist": "协办意见",
    "attach": "上传附件",
}


def expected_allowed(action: str, state: str | None, role: str) -> bool:
    sources, roles, _ = MATRIX[action]
    state_ok = state is None if not sources else state in sources
    return state_ok and role in roles


def test_the_matrix_and_the_code_name_the_same_actions_states_and_roles():
    assert set(MATRIX) == {a.value for a in Action}
    assert set(ALL_STATES) == {s.value for s in Status}
    assert set(ALL_ROLES) == {r.value for r in Role}


def test_the_code_counts_exactly_closed_merged_and_cancelled_as_final():
    assert {s.value for s in workflow.FINAL} == set(FINAL_STATES)
    assert {s.value for s in workflow.OPEN} == set(OPEN_STATES)


@pytest.mark.parametrize("state", ALL_STATES)
def test_every_state_carries_the_chinese_name_of_the_lifecycle(state):
    assert Status(state).label == STATE_LABELS[state]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("state", (None, *ALL_STATES))
@pytest.mark.parametrize("action", list(MATRIX))
def test_the_table_allows_exactly_what_the_lifecycle_allows(action, state, role):
    status = Status(state) if state else None
    assert workflow.allowed(Action(action), status, Role(role)) is expected_allowed(
        action, state, role
    )


def _labels(text: str) -> set[str]:
    return set(text.split("、"))


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("state", (None, *ALL_STATES))
@pytest.mark.parametrize("action", list(MATRIX))
def test_a_refusal_reports_the_state_before_the_role_and_names_who_or_when(action, state, role):
    sources, roles, _ = MATRIX[action]
    status = Status(state) if state else None
    result = workflow.refusal(Action(action), status, Role(role))
    state_ok = state is None if not sources else state in sources

    if not state_ok:
        kind, message = result
        assert kind is Refusal.STATE
        listed = message.split("：", 1)[1]
        if sources:
            assert _labels(listed) == {STATE_LABELS[s] for s in sources}
        else:
            assert "新工单" in listed
    elif role not in roles:
        kind, message = result
        assert kind is Refusal.ROLE
        assert f"「{Role(role).label}」" in message
        listed = message.rsplit("须由", 1)[1].removesuffix("执行")
        assert _labels(listed) == {Role(r).label for r in roles}
    else:
        assert result is None


def test_a_wrong_state_is_reported_as_such_even_to_a_role_that_could_never_act():
    # A citizen asking to approve a reply of an order still being handled: the state is the reason.
    kind, message = workflow.refusal(Action.APPROVE_REPLY, Status.ACCEPTED, Role.CITIZEN)
    assert kind is Refusal.STATE
    assert "已回复待审" in message


@pytest.mark.parametrize("action", list(MATRIX))
def test_every_action_has_a_chinese_label(action):
    label = str(Action(action).label)
    assert re.fullmatch(r"[\u4e00-\u9fff]+", label), label
    if action in ACTION_LABELS:
        assert label == ACTION_LABELS[action]


def test_the_two_extension_rulings_have_distinct_labels_about_the_extension():
    approve, deny = Action.APPROVE_EXTENSION.label, Action.DENY_EXTENSION.label
    assert approve != deny
    assert "延期" in approve and "延期" in deny


def test_no_two_actions_share_a_label():
    labels = [a.label for a in Action]
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize("action", list(MATRIX))
def test_each_action_leads_to_the_state_the_lifecycle_names(action):
    rule = workflow.TRANSITIONS[Action(action)]
    target = MATRIX[action][2]
    assert rule.target == (Status(target) if target else None)


@pytest.mark.parametrize("action", [a for a, (_, _, target) in MATRIX.items() if target is None])
def test_an_action_that_keeps_the_state_leaves_each_source_state_unchanged(action):
    rule = workflow.TRANSITIONS[Action(action)]
    for source in rule.sources:
        assert rule.target_from(source) == source


@pytest.mark.parametrize("action", list(MATRIX))
def test_every_target_is_a_known_state_and_only_register_starts_from_nothing(action):
    rule = workflow.TRANSITIONS[Action(action)]
    assert rule.target is None or rule.target in set(Status)
    assert bool(rule.sources) is (action != "register")
    assert rule.sources <= set(Status)
    assert rule.roles <= set(Role)


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("state", ["merged", "cancelled"])
def test_merged_and_cancelled_orders_allow_nothing(state, role):
    assert workflow.actions_available(Status(state), Role(role)) == []


@pytest.mark.parametrize("role", ALL_ROLES)
def test_a_closed_order_allows_only_a_reopen_by_a_visitor_or_a_dispatcher(role):
    expected = [Action.REOPEN] if role in ("visitor", "dispatcher") else []
    assert workflow.actions_available(Status.CLOSED, Role(role)) == expected


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("state", ALL_STATES)
def test_actions_available_lists_the_matrix_actions_of_that_state_and_role(state, role):
    expected = {a for a in MATRIX if a != "register" and expected_allowed(a, state, role)}
    available = workflow.actions_available(Status(state), Role(role))
    assert {a.value for a in available} == expected
    assert len(available) == len(expected)


def test_a_handler_of_an_accepted_order_sees_the_handling_actions_in_table_order():
    assert workflow.actions_available(Status.ACCEPTED, Role.HANDLER) == [
        Action.REQUEST_RETURN,
        Action.PASS_DOWN,
        Action.RECORD_CONTACT,
        Action.REQUEST_EXTENSION,
        Action.STAGE_REPLY,
        Action.REPLY,
        Action.CONVERT_TO_CASE,
        Action.ASSIST,
        Action.ATTACH,
    ]


def test_registration_is_never_offered_on_an_existing_order():
    for state in Status:
        for role in Role:
            assert Action.REGISTER not in workflow.actions_available(state, role)


def test_an_administrator_takes_no_action_on_orders():
    for state in (None, *Status):
        for action in Action:
            assert not workflow.allowed(action, state, Role.ADMIN)
