"""Who a row is about: placeholder identities that name no one, and columns that hold personal data.

Defined once here, on the ground floor, because the collectors (what gets hashed, what gets stored) and
`pulse forget` (what may be forgotten) must agree on it.

Placeholder identities. Survey tools and review sites fill the respondent or author field with a word when
there is no one to name: Microsoft Forms writes "anonymous", others "n/a", "-", "unknown", "A Google User".
Such a value gets no hash (the row has no author), so that hundreds of anonymous answers are not one person,
and `pulse forget` refuses it. A value is a placeholder when, compared without case, spaces or punctuation, it
is empty (only punctuation: "-", "--", "?", ".") or one of PLACEHOLDER_WORDS; an email address is one when its
part before the @ is ("anonymous@example.com", "noreply@example.com").

Personal columns. A column is personal when its header names a person (name, first / last / full / your
name, username, display name), a way to reach them (email, phone, mobile, fax), where they live (address,
street, postcode or zip), when they were born (date of birth, dob, birthday), where they were (IP address,
latitude / longitude, geolocation, GPS, coordinates) or an id that points at one customer (customer / client
/ member / account / user / contact id or number, loyalty card, card number, CRM id, external reference,
network id, and vendors' per-customer "Custom Data N" / custom field / custom variable columns). Words of
the business are not personal: "Store name", "Name of the branch", "Branch address" are the business's own,
and a plain "Location", "City" or "Region" is the branch Pulse's `location` field is for. A header of more
than MAX_LABEL_WORDS words is a question, not a field label ("Anything else? Please don't include your
name"), and is not judged by its words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

PLACEHOLDER_WORDS = frozenset(
    {
        "anonymous",
        "anon",
        "anonymoususer",
        "anonymousrespondent",
        "anonymouscustomer",
        "anonymousreviewer",
        "agoogleuser",
        "googleuser",
        "na",
        "nan",
        "none",
        "null",
        "nil",
        "undefined",
        "unknown",
        "notapplicable",
        "notavailable",
        "notprovided",
        "notgiven",
        "notknown",
        "notset",
        "nodata",
        "noemail",
        "noname",
        "noreply",
        "donotreply",
        "prefernottosay",
        "prefernottoanswer",
        "prefernottodisclose",
        "rathernotsay",
        "declined",
        "withheld",
        "redacted",
        "hidden",
        "private",
        "guest",
    }
)
MAX_LABEL_WORDS = 6

_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def _bare(text: str) -> str:
    return _NOT_ALPHANUMERIC.sub("", text.casefold())


@lru_cache(maxsize=65_536)  # asked once per row of an import, by the same people again and again
def is_placeholder_identity(value: str | None) -> bool:
    """Whether a respondent or author value names no one: empty, only punctuation, a placeholder word such as
    "anonymous", "n/a" or "prefer not to say", or an email address whose local part is one."""
    text = (value or "").strip()
    local, at, _domain = text.rpartition("@")
    bare = _bare(local if at else text)
    return not bare or bare in PLACEHOLDER_WORDS


# --- personal columns ---------------------------------------------------------------------------------

# Any one of these words makes a column personal.
PERSONAL_WORDS = frozenset(
    {
        "email", "emailaddress", "phone", "phonenumber", "telephone", "tel", "mobile",
        "mobilenumber", "cell", "cellphone", "fax", "whatsapp",
        "surname", "forename", "firstname", "lastname", "fullname", "givenname", "familyname", "middlename",
        "nickname", "username", "displayname", "recipientname", "customername",
        "street", "streetaddress", "homeaddress", "postcode", "zip", "zipcode", "postalcode",
        "dob", "birthday", "birthdate", "dateofbirth", "birth",
        "ip", "ipaddress", "latitude", "longitude", "lat", "lng", "lon", "geolocation", "gps",
        "coordinates", "coords",
        "customerid", "customernumber", "clientid", "memberid", "membernumber", "membershipnumber",
        "accountid", "accountnumber", "userid", "contactid", "personid", "crm", "crmid", "loyaltynumber",
        "loyaltyid", "cardnumber", "externalreference", "externaldatareference", "networkid", "ssn",
        "passport",
    }
)  # fmt: skip
# Two words in a row that make a column personal.
PERSONAL_PAIRS = frozenset(
    {
        ("e", "mail"), ("post", "code"), ("postal", "code"), ("zip", "code"), ("house", "number"),
        ("ip", "address"), ("geo", "location"),
        ("custom", "data"), ("custom", "field"), ("custom", "variable"), ("external", "reference"),
        ("external", "data"), ("external", "id"), ("loyalty", "card"), ("national", "insurance"),
        ("social", "security"),
        *(
            (who, what)
            for who in ("customer", "client", "member", "membership", "account", "user", "contact",
                        "person", "card", "loyalty", "crm", "patient", "guest", "network")
            for what in ("id", "number", "no", "nr", "ref", "reference", "code")
        ),
    }
)  # fmt: skip
# "name" and "address" are personal unless they belong to one of these.
BUSINESS_WORDS = frozenset(
    {
        "store", "shop", "branch", "location", "site", "venue", "outlet", "restaurant", "cafe", "hotel",
        "office", "product", "item", "company", "business", "organisation", "organization", "brand",
        "service", "plan", "campaign", "survey", "form", "file", "page", "event", "course", "department",
        "team", "channel", "segment", "category", "menu", "dish", "city", "town", "country", "region", "app",
        "device", "browser", "web", "website", "url", "return", "pickup", "collection", "source",
    }
)  # fmt: skip
_BELONGING = {"name", "names", "address"}
_ARTICLES = {"the", "a", "an", "this", "that", "your", "our"}
_CAMEL = re.compile(r"(?<=[a-z0-9]{2})(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")  # not "iPhone"


def label_words(label: str) -> list[str]:
    """A column header as lower-case words: "RecipientFirstName" -> recipient, first, name;
    "reviewer.displayName" -> reviewer, display, name; "IPAddress" -> ip, address."""
    return re.findall(r"[^\W_]+", _CAMEL.sub(" ", label).casefold())


def is_personal_column(*labels: str) -> bool:
    """Whether a column with these labels (its name, and its question text or type where the export has one)
    holds personal data; see the module's docstring for the rule."""
    return any(_personal_label(label_words(label)) for label in labels if label)


def _personal_label(words: list[str]) -> bool:
    if not words or len(words) > MAX_LABEL_WORDS:
        return False
    if any(word in PERSONAL_WORDS for word in words) or "".join(words) in PERSONAL_WORDS:
        return True
    if any(pair in PERSONAL_PAIRS for pair in pairwise(words)):
        return True
    return any(word in _BELONGING and not _of_the_business(words, at) for at, word in enumerate(words))


def _of_the_business(words: list[str], at: int) -> bool:
    """Whether words[at] ("name", "address") is the business's: "store name", "name of the branch"."""
    if at > 0 and words[at - 1] in BUSINESS_WORDS:
        return True
    after = [word for word in words[at + 1 :] if word not in _ARTICLES]
    return len(after) >= 2 and after[0] == "of" and after[1] in BUSINESS_WORDS
