from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hotline.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("open311/v2/", include("hotline.open311.urls")),
    path("portal/", include("hotline.portal.urls")),
    path("reports/", include("hotline.analytics.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the 中文 / English switch
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("hotline.web.urls")),
]
