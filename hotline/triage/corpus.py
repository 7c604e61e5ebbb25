"""The cold-start training corpus: labelled requests for every taxonomy leaf (pure, seeded).

Real requests reach a centre in three voices: the operator's transcript of a call (来电人反映……),
the citizen's own message on a board or an app (from a two-word shout to a letter to the mayor),
and the short title above such a message. Every example here is one problem phrase of its
category (``phrases.py``) set in one of those voices, with a place, a time, feelings, asks, filler,
and sometimes a typo, traditional characters or a second sentence that carries no signal. Every
frame is shared by all categories, so that only the problem itself tells them apart.
"""

import random
from collections.abc import Iterator

from hotline.catalog.choices import OrderType, Urgency

from .classifier import Example
from .phrases import CONSULTATIONS, PHRASES, URGENT
from .variants import to_traditional

# The category whose urgent phrases are emergencies to the minute (特急); the rest are 紧急.
CRITICAL = {"04.03", "12.02"}
# The usual type of each group's problems when a citizen is not asking a question.
_REPORT_GROUPS = {"08", "12"}
_PLACE_WORDS = [
    "幸福",
    "阳光",
    "锦绣",
    "金桥",
    "华府",
    "滨河",
    "翠园",
    "龙湖",
    "新城",
    "东方",
    "和平",
    "建设",
    "人民",
    "解放",
    "中山",
    "长江",
    "湘江",
    "梅溪",
    "望城",
    "星沙",
    "天心",
    "岳麓",
    "开福",
    "雨花",
    "芙蓉",
    "桂花",
    "枫林",
    "玉兰",
    "紫薇",
    "泉塘",
    "黄兴",
    "万家丽",
    "金星",
    "银盆",
    "麓谷",
    "洋湖",
    "坪塘",
    "暮云",
    "高桥",
    "马坡岭",
]
_ESTATE = ["小区", "花园", "家园", "新村", "公寓", "苑", "华庭", "城", "雅居", "佳园"]
_ROAD = ["路", "大道", "街", "巷", "中路", "北路"]
_AREA = ["区", "县", "市"]
_TIMES = [
    "",
    "",
    "",
    "昨天晚上",
    "今天早上",
    "最近",
    "这几天",
    "一个多月来",
    "从上周开始",
    "今年以来",
    "半年多了",
    "每天晚上",
    "每到周末",
    "近期",
    "长期以来",
    "前天下午",
    "2019年以来",
    "去年年底开始",
]
_FEELINGS = [
    "",
    "",
    "",
    "",
    "严重影响居民生活",
    "大家苦不堪言",
    "非常气愤",
    "真的受不了了",
    "家里老人小孩都很担心",
    "存在很大安全隐患",
    "群众意见很大",
    "已经反映过多次都没解决",
    "实在没办法了",
    "心里很着急",
    "太不像话了",
]
_ASKS = [
    "",
    "",
    "请尽快处理",
    "希望有关部门管一管",
    "请相关部门尽快解决",
    "恳请领导重视",
    "希望早日解决",
    "请派人来看看",
    "请给个说法",
    "望领导督促解决",
    "希望能得到答复",
    "请核实处理",
    "盼复",
    "谢谢",
]
_FILLERS = ["", "", "", "", "那个，", "就是说，", "怎么说呢，", "我跟你讲，", "是这样的，"]
_NOISE = [
    "",
    "",
    "",
    "",
    "",
    "我是这里的老住户",
    "打了好几次电话",
    "之前也反映过",
    "附近居民都知道",
    "拍了照片可以提供",
    "我在这里住了十几年",
    "不知道该找哪个部门",
    "网上也发过帖子",
]
# Sentences of long letters that say nothing about the problem itself: the model must learn to
# look past them, as real messages are full of them.
_LETTER = [
    "现将情况反映如下",
    "我们多次向有关部门反映，但一直没有得到解决",
    "希望领导能够重视这个问题",
    "这严重影响了我们的正常生活",
    "恳请相关部门尽快调查处理",
    "作为一名普通市民，我实在是没有办法了",
    "周边居民对此意见很大",
    "此事已经拖了很长时间",
    "我们都是普通老百姓",
    "请领导在百忙之中关注一下",
    "特此反映，望能得到回复",
    "不知道这种情况归哪个部门管",
    "希望政府给我们一个合理的解释",
    "相关单位相互推诿，没人负责",
    "我们打过很多次电话都没有用",
    "这个问题由来已久",
    "感谢领导在百忙之中看我们的留言",
    "希望早日给我们一个答复",
    "据了解，附近很多人都遇到同样的问题",
    "我们的诉求合情合理",
]
# Characters that are often typed for one another in pinyin input.
_TYPOS = {
    "的": "得",
    "在": "再",
    "做": "作",
    "已": "以",
    "象": "像",
    "那": "哪",
    "到": "道",
    "是": "事",
    "他": "她",
    "进": "近",
    "题": "提",
    "理": "里",
    "经": "进",
    "常": "长",
    "部": "步",
    "门": "们",
}


def _place(rng: random.Random) -> str:
    word = rng.choice(_PLACE_WORDS)
    return rng.choice(
        [
            lambda: f"{word}{rng.choice(_ESTATE)}",
            lambda: f"{word}{rng.choice(_ESTATE)}{rng.randint(1, 40)}栋",
            lambda: f"{word}{rng.choice(_ROAD)}{rng.randint(1, 500)}号",
            lambda: (
                f"{word}{rng.choice(_ROAD)}与{rng.choice(_PLACE_WORDS)}{rng.choice(_ROAD)}交叉口"
            ),
            lambda: (
                f"{rng.choice('ABCDEFGHJKL')}{rng.randint(1, 9)}{rng.choice(_AREA)}"
                f"{word}{rng.choice(_ESTATE)}"
            ),
            lambda: f"{word}街道{rng.choice(_PLACE_WORDS)}社区",
            lambda: f"{word}镇{rng.choice(_PLACE_WORDS)}村{rng.randint(1, 12)}组",
            lambda: (
                f"{word}{rng.choice(['广场', '公园', '市场', '商业街', '学校门口', '地铁站'])}附近"
            ),
        ]
    )()


def _typo(rng: random.Random, text: str) -> str:
    spots = [i for i, ch in enumerate(text) if ch in _TYPOS]
    if not spots:
        return text
    i = rng.choice(spots)
    return text[:i] + _TYPOS[text[i]] + text[i + 1 :]


def _join(*parts: str) -> str:
    text = "，".join(p for p in parts if p)
    return text.replace("，，", "，").replace("，。", "。").replace("。，", "。")


def _problem_text(rng: random.Random, problem: str, order_type: str) -> str:
    place, when, feeling, ask = (
        _place(rng),
        rng.choice(_TIMES),
        rng.choice(_FEELINGS),
        rng.choice(_ASKS),
    )
    noise = rng.choice(_NOISE)
    if order_type == OrderType.REPORT:
        problem = rng.choice(["举报", "实名举报", "我要举报", ""]) + problem
    if order_type == OrderType.SUGGESTION:
        return rng.choice(
            [
                f"建议解决{place}{problem}的问题。{noise}",
                f"希望{place}能改善一下，{problem}，建议有关部门统筹考虑。",
                f"关于{place}{problem}的建议：{ask}",
                f"{place}{problem}，建议"
                f"{rng.choice(['加强管理', '尽快规划', '增加投入', '出台措施', '统一整治'])}"
                "，希望采纳。",
                f"希望政府能够考虑一下：{problem}，"
                f"{rng.choice(['建议尽快解决', '能否改进', '是否可以调整'])}？",
            ]
        )
    return rng.choice(
        [
            # the operator's transcript of a call
            lambda: f"来电人反映：{place}{when}{problem}，{feeling}。{ask}。",
            lambda: f"市民来电称，{when}{place}{problem}，{noise}，{ask}。",
            lambda: f"来电人称其住在{place}，{problem}，{feeling}，来电要求{ask or '处理'}。",
            # the citizen's own words
            lambda: f"{rng.choice(_FILLERS)}{place}这边{when}{problem}，{feeling}，{ask}。",
            lambda: (
                f"尊敬的领导：您好！我是{place}的居民，{when}{problem}，{noise}，{feeling}。{ask}！"
            ),
            lambda: f"{place}{problem}！！{ask}",
            lambda: f"{problem}",
            lambda: f"{when}{problem}，{feeling}",
            lambda: f"{place}，{problem}。{noise}。{ask}。",
            # a title above a message
            lambda: f"关于{place}{problem}的问题",
            lambda: f"{rng.choice(['投诉', '反映', '请求解决'])}{place}{problem}",
        ]
    )()


def _question_text(rng: random.Random, question: str) -> str:
    return rng.choice(
        [
            f"来电人咨询：{question}。",
            f"市民来电咨询{question}，请告知。",
            f"{rng.choice(_FILLERS)}{question}？",
            f"您好，{question}？{rng.choice(['谢谢', '麻烦告知一下', '盼复', ''])}",
            f"我住在{_place(rng)}，{question}？",
            f"咨询{question}",
            f"尊敬的领导，{question}，{rng.choice(_NOISE)}，望答复。",
        ]
    )


def _finish(rng: random.Random, text: str) -> str:
    text = _join(*text.split("，")).strip("，").replace("。。", "。").replace("！。", "！")
    if rng.random() < 0.15:
        text = _typo(rng, text)
    if rng.random() < 0.08:
        text = to_traditional(text)
    if rng.random() < 0.1:
        text = text.replace("，", ",").replace("。", ".")
    return text


def _usual_type(code: str) -> str:
    if code == "14.04":
        return OrderType.PRAISE
    if code.split(".")[0] in _REPORT_GROUPS:
        return OrderType.REPORT
    return OrderType.COMPLAINT


def examples_for(
    code: str, count: int, rng: random.Random, phrases: list[str] | None = None
) -> Iterator[Example]:
    """``count`` labelled requests of category ``code``, drawn from ``phrases`` (all its phrases
    by default: the evaluation holds some back)."""
    phrases = phrases if phrases is not None else PHRASES[code]
    questions, urgent = CONSULTATIONS.get(code, []), URGENT.get(code, [])
    for _ in range(count):
        roll = rng.random()
        urgency = Urgency.NORMAL
        order_type: str
        if code == "14.04":
            order_type, text = (
                OrderType.PRAISE,
                rng.choice(
                    [
                        f"{rng.choice(phrases)}。",
                        f"来电人表扬：{rng.choice(phrases)}。",
                        f"我想表扬一下，{rng.choice(phrases)}！",
                    ]
                ),
            )
        elif questions and roll < 0.28:
            order_type, text = OrderType.CONSULTATION, _question_text(rng, rng.choice(questions))
        elif urgent and roll > 0.88:
            urgency = Urgency.CRITICAL if code in CRITICAL else Urgency.URGENT
            order_type = OrderType.HELP
            text = rng.choice(
                [
                    f"紧急！{_place(rng)}{rng.choice(urgent)}，请马上派人！",
                    f"来电人反映：{_place(rng)}{rng.choice(urgent)}，情况紧急。",
                    f"{rng.choice(urgent)}，快来人！",
                ]
            )
        else:
            order_type = rng.choices(
                [_usual_type(code), OrderType.HELP, OrderType.COMPLAINT, OrderType.SUGGESTION],
                [45, 20, 20, 15],
            )[0]
            text = _problem_text(rng, rng.choice(phrases), order_type)
            if (
                rng.random() < 0.35
            ):  # a longer message: the same problem told from two sides, in a letter
                letter = rng.sample(_LETTER, 3)
                text = (
                    f"{rng.choice(['尊敬的领导：', '领导您好！', ''])}{letter[0]}。{text}"
                    f"{_join(rng.choice(_NOISE), rng.choice(phrases), rng.choice(_FEELINGS))}。"
                    f"{letter[1]}，{letter[2]}。"
                )
        yield Example(_finish(rng, text), code, order_type, urgency)


def generate(per_category: int = 400, seed: int = 2026) -> list[Example]:
    """The whole corpus: ``per_category`` examples of every taxonomy leaf."""
    rng = random.Random(seed)
    return [e for code in PHRASES for e in examples_for(code, per_category, rng)]


def split_phrases(
    seed: int = 7, held_out: float = 0.2
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Each category's phrases split into a training part and a held-out part, so that an
    evaluation sees problems described in words the model never learnt from."""
    rng = random.Random(seed)
    train, test = {}, {}
    for code, phrases in PHRASES.items():
        shuffled = phrases[:]
        rng.shuffle(shuffled)
        cut = max(1, round(len(shuffled) * held_out))
        test[code], train[code] = shuffled[:cut], shuffled[cut:]
    return train, test
