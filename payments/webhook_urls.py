from payments.webhooks import stripe_webhook
from storycraft.routing import route

urlpatterns = [*route("stripe", stripe_webhook, "stripe-webhook")]
