"""The live review sources that the settings configure, for `pulse collect`."""

from __future__ import annotations

from collectors.base import Collector
from collectors.reviews.app_store import AppStoreCollector
from collectors.reviews.google_places import GooglePlacesCollector
from collectors.reviews.http import HttpClient
from pulse.settings import Settings


def build_review_collectors(settings: Settings, http: HttpClient | None = None) -> list[Collector]:
    """The App Store collector when PULSE_APP_STORE_APP_ID is set, the Google Places one when both
    PULSE_GOOGLE_PLACES_API_KEY and PULSE_GOOGLE_PLACES_PLACE_ID are set; none otherwise."""
    client = http or HttpClient()
    collectors: list[Collector] = []
    if settings.app_store_app_id:
        collectors.append(
            AppStoreCollector(settings.app_store_app_id.strip(), settings.app_store_country, http=client)
        )
    key = settings.google_places_api_key.get_secret_value() if settings.google_places_api_key else ""
    if key and settings.google_places_place_id:
        collectors.append(GooglePlacesCollector(settings.google_places_place_id.strip(), key, http=client))
    return collectors
