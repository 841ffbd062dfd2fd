"""The store domain: creators' profiles, listings and their reviewed versions, and search over
the approved ones."""

from daemon.domains.store.profiles import create_or_update_profile
from daemon.domains.store.submissions import create_store_submission, review_store_submission
from daemon.domains.store.tables import profiles, store_listing_reviews, store_listing_versions, store_listings
from daemon.rpc.registry import Domain

DOMAIN = Domain(
    "store", "the store: profiles, listings, submissions and their review, and search over approved agents",
    methods=(create_or_update_profile, create_store_submission, review_store_submission),
    tables=(profiles, store_listings, store_listing_versions, store_listing_reviews),
)
