from payments import views
from storycraft.routing import route

# Included under "wallet" beside wallet.urls: /wallet/packs, /wallet/top-ups.
urlpatterns = [
    *route("/packs", views.PackListView.as_view(), "wallet-packs"),
    *route("/top-ups", views.TopUpListView.as_view(), "wallet-top-ups"),
    *route("/top-ups/<uuid:top_up_id>", views.TopUpDetailView.as_view(), "wallet-top-up"),
]
