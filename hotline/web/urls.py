from django.urls import path

from . import intake, views

app_name = "web"
urlpatterns = [
    path("", views.order_list, name="order_list"),
    path("orders/<str:number>/", views.order_detail, name="order_detail"),
    path("intake/", intake.intake, name="intake"),
    path("intake/suggestions/", intake.intake_suggestions, name="intake_suggestions"),
]
