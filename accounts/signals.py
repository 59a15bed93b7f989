"""What accounts announce; the apps above it (the wallet, videos) act on it.

Sent inside the transaction that made the change, so a receiver's writes commit or roll
back with it.
"""

from django.dispatch import Signal

# The user opened their verification link (keyword argument: user).
email_verified = Signal()
# The account was deactivated and anonymised (keyword arguments: user, staff).
account_deleted = Signal()
