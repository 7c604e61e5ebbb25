from django.apps import AppConfig

from hotline.orders.suggestions import Request, Suggestion


def _suggest_each(requests: list[Request]) -> list[Suggestion]:
    # Imported on the first registration, not at start: the classifier's libraries (scikit-learn,
    # scipy) take seconds to load, and most processes (commands, checks) never register an order.
    from .selectors import suggest_each

    return suggest_each(requests)


class TriageConfig(AppConfig):
    name = "hotline.triage"
    label = "triage"
    verbose_name = "智能分派"

    def ready(self) -> None:
        # Registration (orders) asks for suggestions through its port; triage answers them.
        from hotline.orders import suggestions

        suggestions.provide(_suggest_each)
