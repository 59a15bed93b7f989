from storycraft.routing import route
from wallet import views

# Included under "wallet" (no slash), so that /wallet and /wallet/ both answer.
urlpatterns = [
    *route("", views.WalletView.as_view(), "wallet"),
    *route("/transactions", views.TransactionsView.as_view(), "wallet-transactions"),
    *route("/usage", views.UsageView.as_view(), "wallet-usage"),
]
