"""What accounts announce; the apps above it (the wallet, videos, live) act on it.
Accounts imports no other app.

Sent inside the transaction that made the change, so a receiver's writes commit or roll
back with it.
"""

from django.dispatch import Signal

# The user opened their verification link (keyword argument: user).
email_verified = Signal()
# The account was deactivated and anonymised (keyword arguments: user, staff).
account_deleted = Signal()
# Sent with `user` when all of a user's sessions end (POST /auth/logout with everywhere):
# live ends the user's open event streams.
sessions_ended = Signal()
