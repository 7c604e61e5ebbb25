from django.urls import path

from . import account, intake, problems, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("orders/", views.order_list, name="order_list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("orders/<str:number>/", views.order_detail, name="order_detail"),
    path("orders/<str:number>/files/<int:pk>/", views.attachment, name="attachment"),
    path("orders/<str:number>/<str:action>/", views.order_action, name="order_action"),
    path("problems/", problems.problem_list, name="problem_list"),
    path("problems/propose/", problems.problem_propose, name="problem_propose"),
    path("problems/<int:problem_id>/", problems.problem_detail, name="problem_detail"),
    path(
        "problems/<int:problem_id>/<str:action>/",
        problems.problem_action,
        name="problem_action",
    ),
    path("problems/campaigns/<int:campaign_id>/", problems.campaign_detail, name="campaign_detail"),
    path("intake/", intake.intake, name="intake"),
    path("intake/suggestions/", intake.intake_suggestions, name="intake_suggestions"),
    path("account/", account.account, name="account"),
    path("account/password/", account.password_change, name="password_change"),
    path("account/two-factor/", account.two_factor_enrol, name="two_factor_enrol"),
    path("account/two-factor/off/", account.two_factor_disable, name="two_factor_disable"),
]
