from django.urls import re_path

from . import views

app_name = "open311"
FMT = r"(?P<fmt>json|xml)"
urlpatterns = [
    re_path(rf"^discovery\.{FMT}$", views.discovery, name="discovery"),
    re_path(rf"^services\.{FMT}$", views.services, name="services"),
    re_path(
        rf"^services/(?P<code>[^/]+)\.{FMT}$", views.service_definition, name="service_definition"
    ),
    re_path(rf"^requests\.{FMT}$", views.requests, name="requests"),
    re_path(rf"^requests/(?P<number>[^/]+)\.{FMT}$", views.one_request, name="request"),
    re_path(rf"^tokens/(?P<token>[^/]+)\.{FMT}$", views.token, name="token"),
    re_path(
        r"^[\s\S]*\Z", views.no_such_endpoint, name="no_such_endpoint"
    ),  # last: anything else under /open311/v2/
]
