"""What belongs to members, one store a kind of data (an aggregate), each reached through `Store`:
`store.preferences`, `store.follows`, `store.consent`, `store.privacy`, `store.departures`."""

from bot.storage.members.consent import ConsentStore, PendingRequest
from bot.storage.members.departures import DepartureStore
from bot.storage.members.follows import FeedItem, FollowStore
from bot.storage.members.preferences import PreferenceStore, preferences_of
from bot.storage.members.privacy import FORGOTTEN, GUILD_TABLES, MEMBER_COLUMNS, TERMS_CLEARED, PrivacyStore

__all__ = ["FORGOTTEN", "GUILD_TABLES", "MEMBER_COLUMNS", "TERMS_CLEARED", "ConsentStore", "DepartureStore", "FeedItem",
           "FollowStore", "PendingRequest", "PreferenceStore", "PrivacyStore", "preferences_of"]
