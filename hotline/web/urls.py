from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.order_list, name="order_list"),
    path("orders/<str:number>/", views.order_detail, name="order_detail"),
]
