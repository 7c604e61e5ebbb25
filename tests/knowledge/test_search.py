"""The knowledge base: Chinese search, validity, import."""

from datetime import date, timedelta

import pytest

from hotline.core import clock
from hotline.core.errors import InvalidInput
from hotline.knowledge.models import Article
from hotline.knowledge.selectors import articles_due_for_review, search_articles
from hotline.knowledge.services import import_articles

ROWS = [
    {
        "title": "社保卡补办流程",
        "category": "09.02",
        "unit": "",
        "keywords": ["社保卡", "补办", "丢失"],
        "body": "社保卡丢失后可在政务服务中心社保窗口补办，带身份证，费用20元，立等可取。",
    },
    {
        "title": "公租房申请条件",
        "category": "05.05",
        "unit": "",
        "keywords": ["公租房", "保障房", "申请"],
        "body": "本市户籍或持居住证满一年、家庭人均收入低于标准的，可向街道申请公租房。",
    },
    {
        "title": "大件垃圾预约清运",
        "category": "02.04",
        "unit": "",
        "keywords": ["大件垃圾", "旧家具", "预约"],
        "body": "旧沙发、床垫等大件垃圾请提前一天向社区预约，免费上门清运。",
    },
]


@pytest.fixture
def articles(db: None):
    return import_articles(ROWS, today=clock.now().date())


def test_a_question_in_other_words_finds_the_article_that_answers_it(articles) -> None:
    found = search_articles("我的社保卡丢了怎么补")
    assert found[0][0].title == "社保卡补办流程"
    assert 0 < found[0][1] <= 1


def test_results_are_ranked_best_first(articles) -> None:
    scores = [s for _, s in search_articles("想申请公租房需要什么条件", limit=3)]
    assert scores == sorted(scores, reverse=True)


def test_a_query_about_nothing_in_the_base_finds_nothing(articles) -> None:
    assert search_articles("今天天气怎么样呢哈哈") == []
    assert search_articles("   ") == []


def test_an_expired_or_inactive_article_is_not_found(articles) -> None:
    card = Article.objects.get(title="社保卡补办流程")
    card.valid_until = clock.now().date() - timedelta(days=1)
    card.save()
    assert all(a.title != "社保卡补办流程" for a, _ in search_articles("社保卡丢了怎么补办"))


def test_a_new_article_is_found_at_once(articles) -> None:
    Article.objects.create(
        title="居住证办理",
        body="居住证在派出所办理，需要租房合同和身份证。",
        keywords="居住证 办理",
    )
    assert search_articles("居住证去哪里办")[0][0].title == "居住证办理"


def test_import_is_all_or_nothing_and_names_the_bad_row(db: None) -> None:
    bad = [*ROWS[:2], {"title": "坏条目", "category": "99.99", "body": "x"}]
    with pytest.raises(InvalidInput) as refused:
        import_articles(bad, today=date(2026, 1, 5))
    assert "第3条.category" in refused.value.errors
    assert not Article.objects.exists()


def test_articles_past_their_review_date_are_listed_for_review(articles) -> None:
    soon = clock.now().date() + timedelta(days=400)
    assert {a.title for a in articles_due_for_review(soon)} == {r["title"] for r in ROWS}
    assert not articles_due_for_review(clock.now().date()).exists()
