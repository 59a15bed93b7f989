from storycraft.routing import route
from videos import views

urlpatterns = [
    *route("videos", views.VideoListView.as_view(), "video-list"),
    *route("videos/batch", views.BatchView.as_view(), "video-batch"),
    *route("videos/<uuid:job_id>", views.VideoDetailView.as_view(), "video-detail"),
    *route("videos/<uuid:job_id>/pull", views.VideoPullView.as_view(), "video-pull"),
    *route("videos/<uuid:job_id>/cancel", views.VideoCancelView.as_view(), "video-cancel"),
    *route("videos/<uuid:job_id>/remix", views.VideoRemixView.as_view(), "video-remix"),
    *route("videos/<uuid:job_id>/file", views.VideoFileView.as_view(), "video-file"),
    *route("videos/<uuid:job_id>/thumbnail", views.VideoThumbnailView.as_view(), "video-thumbnail"),
    *route(
        "videos/<uuid:job_id>/input-image",
        views.VideoInputImageView.as_view(),
        "video-input-image",
    ),
]
