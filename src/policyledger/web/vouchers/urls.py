from django.urls import path

from . import api, views_admin, views_merchant, views_resident

app_name = "vouchers"

urlpatterns = [
    path("", views_resident.campaign_list, name="home"),
    path("c/<int:pk>/", views_resident.campaign_detail, name="campaign"),
    path("c/<int:pk>/claim", views_resident.claim_view, name="claim"),
    path("c/<int:pk>/register", views_resident.register_view, name="register"),
    path("c/<int:pk>/entrants.txt", views_resident.entrants_txt, name="entrants"),
    path("mine/", views_resident.mine, name="mine"),
    path("merchant/", views_merchant.counter, name="merchant"),
    path("merchant/refund/<int:pk>", views_merchant.refund_view, name="refund"),
    path("manage/", views_admin.manage_list, name="manage"),
    path("manage/new", views_admin.manage_new, name="manage_new"),
    path("manage/<int:pk>/", views_admin.manage_detail, name="manage_detail"),
    path("manage/<int:pk>/action", views_admin.manage_action, name="manage_action"),
    path("manage/<int:pk>/settlement.xlsx", views_admin.settlement_xlsx, name="settlement_xlsx"),
    path("manage/<int:pk>/leverage.json", views_admin.leverage_json, name="leverage_json"),
    path("manage/settlement/<int:pk>/release", views_admin.release_settlement, name="release"),
    path("manage/review/", views_admin.review_queue, name="review"),
    path("manage/review/<int:pk>", views_admin.review_flag, name="review_flag"),
    path("api/campaigns/<int:pk>/claim", api.claim, name="api_claim"),
    path("api/campaigns/<int:pk>", api.campaign, name="api_campaign"),
    path("api/mine", api.mine, name="api_mine"),
]
