from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "hotline.triage"
    label = "triage"
    verbose_name = "智能分派"

    def ready(self) -> None:
        # Registration (orders) asks for suggestions through its port; triage answers them.
        from hotline.orders import suggestions

        from .selectors import suggest_each

        suggestions.provide(suggest_each)
