from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.submit, name="submit"),
    path("submitted/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("rate/<str:token>/", views.rate, name="rate"),
]
