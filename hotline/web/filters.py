"""The order list's filters, read from the query string (links from reports carry them too)."""

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django import forms

from hotline.catalog.choices import OrderType
from hotline.orders.models import Channel
from hotline.orders.workflow import Status
from hotline.org.models import Unit
from hotline.sla.worktime import SHANGHAI

MAX_NUMBERS = 200


class OrderFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "全部"), *Status.choices], required=False)
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), required=False)
    community = forms.ModelChoiceField(
        queryset=Unit.objects.filter(kind=Unit.Kind.COMMUNITY), required=False
    )
    category = forms.CharField(max_length=10, required=False)
    channel = forms.ChoiceField(choices=[("", "全部"), *Channel.choices], required=False)
    order_type = forms.ChoiceField(choices=[("", "全部"), *OrderType.choices], required=False)
    since = forms.DateField(required=False)
    until = forms.DateField(required=False, help_text="含当天")
    numbers = forms.CharField(
        required=False, help_text=f"逗号分隔的工单编号，至多 {MAX_NUMBERS} 个"
    )

    def clean_numbers(self) -> list[str]:
        numbers = [n.strip() for n in self.cleaned_data["numbers"].split(",") if n.strip()]
        if len(numbers) > MAX_NUMBERS:
            raise forms.ValidationError(f"一次至多查看 {MAX_NUMBERS} 个工单编号")
        return numbers

    def selection(self) -> dict:
        """Keyword arguments for ``orders.selectors.order_list`` (only the valid filters)."""
        data = (
            {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [])}
            if self.is_valid()
            else {}
        )
        if "since" in data:
            data["since"] = datetime.combine(data["since"], time.min, tzinfo=SHANGHAI)
        if "until" in data:
            data["until"] = datetime.combine(
                data["until"] + timedelta(days=1), time.min, tzinfo=SHANGHAI
            )
        return data

    def extra(self) -> list[tuple[str, str]]:
        """The filters the page has no control for (they come with a report's link)."""
        return [
            (k, self.data[k])
            for k in self.fields
            if k not in ("status", "unit") and self.data.get(k)
        ]

    def query(self) -> str:
        """The filters as a query string, for the pages' links."""
        return urlencode({k: self.data[k] for k in self.fields if self.data.get(k)})
