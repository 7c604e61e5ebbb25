import re

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.catalog.choices import OrderType
from hotline.core.errors import InvalidInput
from hotline.orders.models import Satisfaction
from hotline.orders.validation import MAX_TEXT, clean_phone

MOBILE = re.compile(r"^1[3-9]\d{9}$")

# What a citizen can ask for on the portal (举报 goes to the same form, marked confidential).
PORTAL_TYPES = [(t.value, t.label) for t in OrderType]


class SubmitForm(forms.Form):
    order_type = forms.ChoiceField(
        label=_("诉求类型"), choices=PORTAL_TYPES, initial=OrderType.HELP
    )
    text = forms.CharField(
        label=_("诉求内容"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=MAX_TEXT,
        help_text=_("请写清楚时间、地点和具体问题"),
    )
    address = forms.CharField(
        label=_("事发地址"),
        max_length=200,
        required=False,
        help_text=_("例如：××路××号、××小区×栋"),
    )
    caller_name = forms.CharField(label=_("您的称呼"), max_length=50, required=False)
    caller_phone = forms.CharField(
        label=_("手机号码"), max_length=20, help_text=_("用于接收回执、查询进度和回访")
    )
    confidential = forms.BooleanField(label=_("举报人信息保密"), required=False)
    photo = forms.FileField(
        label=_("照片（可选）"),
        required=False,
        help_text=_("JPEG 或 PNG，不超过 5 MB"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    # Left empty by people; filled by form-filling robots.
    website = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_caller_phone(self) -> str:
        """A mobile number: the receipt, the tracking and the survey all go to it by SMS."""
        try:
            phone = clean_phone(self.cleaned_data["caller_phone"])
        except InvalidInput as error:
            raise forms.ValidationError(error.errors["caller_phone"]) from None
        if not MOBILE.match(phone):
            raise forms.ValidationError(
                gettext("请填写 11 位手机号码，用于接收回执、查询进度和回访")
            )
        return phone


class TrackForm(forms.Form):
    number = forms.CharField(label=_("工单编号"), max_length=20)
    phone = forms.CharField(label=_("登记的手机号码"), max_length=20)


class RateForm(forms.Form):
    resolved = forms.TypedChoiceField(
        label=_("问题是否解决"),
        choices=[("1", _("已解决")), ("0", _("未解决"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label=_("对办理结果是否满意"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("意见和建议"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
