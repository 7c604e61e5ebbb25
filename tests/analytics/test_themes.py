"""Hot-issue discovery: small hand-made messages with known answers, then the real message board."""

import json
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hotline.analytics.themes import Message, discover_hot_issues, place_likeness, words

MESSAGES = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "data"
    / "tipdm2020"
    / "messages_with_votes.jsonl"
)

GARBAGE = [
    Message(
        1,
        "幸福小区3栋门口的垃圾堆了三天没人清运，臭气熏天。",
        "幸福小区门口垃圾没人清运",
        user="u1",
    ),
    Message(
        2,
        "幸福小区门口垃圾一直没有清运，味道很大，蚊子苍蝇很多。",
        "幸福小区垃圾堆积无人清运",
        user="u2",
    ),
    Message(
        3,
        "幸福小区大门口垃圾桶满了好几天，垃圾没人清运。",
        "反映幸福小区门口垃圾清运不及时",
        user="u3",
    ),
]
UNRELATED = [
    Message(4, "请问社保卡丢失后在哪里补办，需要带什么材料？", "社保卡补办咨询", user="u4"),
    Message(5, "解放路与人民路交叉口的路灯坏了一个月，晚上很黑。", "解放路路灯不亮", user="u5"),
    Message(
        6, "和平小区楼下广场舞音响声音太大，每晚十点还不停。", "和平小区广场舞噪音扰民", user="u6"
    ),
    Message(7, "我家孩子今年上小学，请问学区怎么划分？", "小学学区划分咨询", user="u7"),
]


def at(day: int) -> datetime:
    return datetime(2026, 3, 1) + timedelta(days=day)


def test_the_same_problem_reported_by_different_people_is_one_issue():
    [issue] = discover_hot_issues(GARBAGE + UNRELATED)
    assert sorted(issue.ids) == [1, 2, 3]
    assert (issue.size, issue.messages) == (3, 3)


def test_unrelated_messages_make_no_issue():
    assert discover_hot_issues(UNRELATED) == []


def test_an_issue_is_labelled_with_its_place_and_problem():
    [issue] = discover_hot_issues(GARBAGE + UNRELATED)
    assert "幸福" in issue.terms and ("清运" in issue.terms or "垃圾" in issue.terms)
    assert issue.label == "、".join(issue.terms)


def test_one_person_repeating_a_complaint_is_not_a_hot_issue():
    same_sender = [Message(m.id, m.text, m.title, user="u1") for m in GARBAGE]
    assert discover_hot_issues(same_sender + UNRELATED) == []
    # Asked for single voices too, the repeated complaint leads them: one person, three messages.
    issue = discover_hot_issues(same_sender + UNRELATED, min_size=1)[0]
    assert (sorted(issue.ids), issue.size, issue.messages) == ([1, 2, 3], 1, 3)


def test_without_senders_identical_copies_count_once():
    anonymous = [Message(m.id, m.text, m.title) for m in GARBAGE]
    copy = Message(8, GARBAGE[0].text, GARBAGE[0].title)
    [issue] = discover_hot_issues(anonymous + [copy] + UNRELATED)
    assert (issue.size, issue.messages) == (3, 4)


def test_the_same_complaint_at_two_places_is_two_issues():
    text, title = "小区门口的垃圾堆了三天没人清运，臭气熏天。", "小区门口垃圾没人清运"
    here = [Message(i, text, title, place="幸福小区", user=f"a{i}") for i in range(3)]
    there = [Message(10 + i, text, title, place="和平家园", user=f"b{i}") for i in range(2)]
    issues = discover_hot_issues(here + there + UNRELATED)
    assert [sorted(i.ids) for i in issues] == [[0, 1, 2], [10, 11]]
    # Without the places, the words alone cannot tell them apart.
    unplaced = [Message(m.id, m.text, m.title, user=m.user) for m in here + there]
    assert [i.size for i in discover_hot_issues(unplaced + UNRELATED)] == [5]


def test_one_place_written_a_little_differently_is_still_one_place():
    assert place_likeness("幸福小区3栋", "幸福小区 5栋") >= 0.5
    assert place_likeness("幸福小区", "幸福小区。") == 1.0
    assert place_likeness("幸福小区", "和平家园") == 0.0
    assert place_likeness("", "幸福小区") == 0.0
    placed = [
        Message(m.id, m.text, m.title, place=place, user=m.user)
        for m, place in zip(GARBAGE, ["幸福小区3栋", "幸福小区 5栋", "幸福小区"], strict=True)
    ]
    assert [i.size for i in discover_hot_issues(placed + UNRELATED)] == [3]


def test_issues_come_most_people_first_then_the_shorter_burst():
    noise = [
        Message(
            20 + i,
            "和平小区楼下广场舞音响声音太大，每晚十点还不停。",
            "和平小区广场舞噪音扰民",
            user=f"n{i}",
            at=at(i * 30),
        )
        for i in range(2)
    ]  # two people, two months apart
    lights = [
        Message(
            30 + i,
            "解放路与人民路交叉口的路灯坏了，晚上很黑。",
            "解放路路灯不亮",
            user=f"l{i}",
            at=at(i),
        )
        for i in range(2)
    ]  # two people, a day apart
    garbage = [Message(m.id, m.text, m.title, user=m.user, at=at(m.id)) for m in GARBAGE]
    issues = discover_hot_issues(noise + lights + garbage)
    assert [i.ids[0] for i in issues] == [1, 30, 20]
    assert [i.span for i in issues] == [timedelta(days=2), timedelta(days=1), timedelta(days=30)]


def test_an_issue_lists_its_messages_oldest_first_with_its_first_and_last_time():
    dated = [Message(m.id, m.text, m.title, user=m.user, at=at(10 - m.id)) for m in GARBAGE]
    [issue] = discover_hot_issues(dated + UNRELATED)
    assert issue.ids == (3, 2, 1)
    assert (issue.first, issue.last) == (at(7), at(9))


def test_top_limits_the_number_of_issues():
    noise = [Message(20 + i, UNRELATED[2].text, UNRELATED[2].title, user=f"n{i}") for i in range(2)]
    assert len(discover_hot_issues(GARBAGE + noise)) == 2
    assert [i.size for i in discover_hot_issues(GARBAGE + noise, top=1)] == [3]


def test_too_few_messages_or_no_words_give_no_issues():
    assert discover_hot_issues([]) == []
    assert discover_hot_issues(GARBAGE[:1]) == []
    assert discover_hot_issues([Message(1, "！！！"), Message(2, "？？", "。")]) == []


def test_words_keep_anonymised_districts_whole_and_drop_filler():
    assert words("A市丽发新城违建搅拌站，彻夜施工") == [
        "A市",
        "丽发",
        "新城",
        "违建",
        "搅拌站",
        "彻夜",
        "施工",
    ]
    assert words("请问A3区的社保卡在哪里办理？谢谢！") == ["A3区", "社保卡", "办理"]


# --- the real message board ----------------------------------------------------------------------


def _when(text: str) -> datetime:
    return datetime.strptime(text.replace("-", "/"), "%Y/%m/%d %H:%M:%S")


@pytest.fixture(scope="module")
def board():
    if not MESSAGES.exists():
        pytest.skip(f"the shared real messages are not beside the project ({MESSAGES})")
    rows = {}
    for line in MESSAGES.open(encoding="utf-8"):
        row = json.loads(line)
        rows[row["id"]] = row
    messages = [
        Message(r["id"], r["text"], r["title"], at=_when(r["time"]), user=r["user"])
        for r in rows.values()
    ]
    started = time.perf_counter()
    issues = discover_hot_issues(messages)
    return rows, issues, time.perf_counter() - started


def _most_about(issues, rows, *needles):
    """The issue holding most messages that contain every needle, and how many it holds."""

    def about(message_id):
        text = rows[message_id]["title"] + rows[message_id]["text"]
        return all(n in text for n in needles)

    return max(((i, sum(map(about, i.ids))) for i in issues), key=lambda pair: pair[1])


def test_real_messages_all_4326_are_grouped_in_a_few_seconds(board):
    rows, issues, seconds = board
    assert len(rows) == 4326 and issues
    assert seconds < 15  # about 4 s here, jieba's dictionary load included


def test_real_messages_the_mixing_plant_by_lifa_new_town_is_a_top_issue(board):
    # Dozens of residents of 丽发新城 complained about a concrete mixing plant built next to it.
    rows, issues, _ = board
    issue, held = _most_about(issues[:3], rows, "丽发", "搅拌")
    assert held >= 40
    assert (
        sum("丽发" in rows[i]["title"] + rows[i]["text"] for i in issue.ids) >= 0.9 * issue.messages
    )
    assert issue.size >= 40


def test_real_messages_the_parking_spaces_sold_with_flats_at_yijingyuan_is_a_top_issue(board):
    # Railway staff buying flats at 伊景园滨河苑 were forced to buy a parking space with each.
    rows, issues, _ = board
    issue, held = _most_about(issues[:3], rows, "滨河苑", "车位")
    assert held >= 35
    assert (
        sum("滨河" in rows[i]["title"] + rows[i]["text"] for i in issue.ids) >= 0.9 * issue.messages
    )


@pytest.mark.parametrize(("needle", "held"), [("58车贷", 6), ("凉塘路", 6)])
def test_real_messages_smaller_shared_problems_make_the_top_ten(board, needle, held):
    rows, issues, _ = board
    _, found = _most_about(issues[:10], rows, needle)
    assert found >= held


def test_real_messages_each_top_issue_shares_a_word_in_nearly_every_message(board):
    rows, issues, _ = board
    for issue in issues[:10]:
        texts = [rows[i]["title"] + rows[i]["text"] for i in issue.ids]
        shared = max(sum(term in text for text in texts) / len(texts) for term in issue.terms)
        assert shared >= 0.8, (issue.label, [rows[i]["title"] for i in issue.ids])
        assert issue.size >= 4


def test_real_messages_every_issue_has_at_least_two_different_people(board):
    rows, issues, _ = board
    for issue in issues:
        assert len({rows[i]["user"] for i in issue.ids}) == issue.size >= 2
