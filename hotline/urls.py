from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from hotline.api.api import api
from hotline.web import login

urlpatterns = [
    # The admin signs in through the staff login (its throttling, lockout and two-factor step).
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("open311/v2/", include("hotline.open311.urls")),
    path("portal/", include("hotline.portal.urls")),
    path("reports/", include("hotline.analytics.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the 中文 / English switch
    path("login/", login.login_view, name="login"),
    path("login/code/", login.login_code, name="login_code"),
    path("login/two-factor/", login.login_enrol, name="login_enrol"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("hotline.web.urls")),
]
