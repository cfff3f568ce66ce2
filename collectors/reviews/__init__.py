"""Review sources: export files (Google Business Profile, Trustpilot, Yelp, generic), the App Store feed and
Google Places."""

from collectors.reviews.app_store import AppStoreCollector
from collectors.reviews.files import ReviewFileCollector, ReviewImport, read_review_file
from collectors.reviews.google_places import GooglePlacesCollector
from collectors.reviews.http import HttpClient
from collectors.reviews.live import build_review_collectors
from collectors.reviews.presets import PRESETS

__all__ = [
    "PRESETS",
    "AppStoreCollector",
    "GooglePlacesCollector",
    "HttpClient",
    "ReviewFileCollector",
    "ReviewImport",
    "build_review_collectors",
    "read_review_file",
]
