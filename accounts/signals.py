"""What accounts announces to apps it does not know (accounts imports no other app)."""

from django.dispatch import Signal

# Sent with `user` when all of a user's sessions end (POST /auth/logout with everywhere):
# live ends the user's open event streams.
sessions_ended = Signal()
