from storycraft.routing import route
from videos.webhooks import openai_webhook

urlpatterns = [*route("openai", openai_webhook, "openai-webhook")]
