"""Plausible people, numbers, agents and campaign names, derived from a seed without storage.

Leads are never materialised as objects: the huge scenario has 100,000 of them, so a lead's
name and number are pure functions of (seed, campaign, lead index), computed when a call needs
them.
"""

from __future__ import annotations

import zlib

from monitor.sim.hostile import HOSTILE_NAME_POOL

FIRST_NAMES = (
    "Priya", "Rahul", "Ananya", "Vikram", "Sneha", "Arjun", "Kavya", "Rohan", "Meera", "Aditya",
    "Emma", "Liam", "Olivia", "Noah", "Sofia", "Lucas", "Mia", "Ethan", "Chloe", "Mateo",
    "José", "Zoë", "Björn", "Aoife", "Chen", "Yuki", "Fatima", "Omar", "Amara", "Kwame",
)  # fmt: skip
LAST_NAMES = (
    "Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair", "Mehta", "Kapoor", "Rao", "Das",
    "Smith", "Johnson", "Brown", "García", "Müller", "O'Brien", "Nguyen", "Kim", "Okafor",
    "Rossi", "Silva", "Novák", "Haddad", "Tanaka", "Larsen", "Dubois", "Kowalski", "Ahmed",
)  # fmt: skip
CAMPAIGN_NAMES = (
    "Q3 Renewals North", "Loan Offer Follow-up", "Appointment Reminders", "Lapsed Customers",
    "Insurance Upsell", "Webinar No-shows", "Card Activation", "Feedback Survey",
    "Premium Trial Conversion", "Collections Soft Reminder", "Home Loan Leads", "Event RSVP",
)  # fmt: skip
AREA_CODES = {"+1": ("415", "650", "212", "312", "617"), "+91": ("98", "99", "97", "90", "88")}


def mix(*parts: object) -> int:
    """A stable 32-bit hash of the parts (crc32: fast, and the same in every process)."""
    return zlib.crc32("\x1f".join(map(str, parts)).encode())


def phone(seed: int, campaign: int, lead: int, country: str) -> str:
    h = mix(seed, "phone", campaign, lead)
    areas = AREA_CODES.get(country, AREA_CODES["+1"])
    area = areas[h % len(areas)]
    digits = 10 - len(area)
    return f"{country}{area}{(h >> 4) % 10**digits:0{digits}d}"


def from_number(seed: int, campaign: int, country: str) -> str:
    return phone(seed, campaign, -1, country)


def customer_name(seed: int, campaign: int, lead: int, hostile: bool) -> str:
    h = mix(seed, "name", campaign, lead)
    if hostile and h % 5 == 0:
        return HOSTILE_NAME_POOL[(h >> 3) % len(HOSTILE_NAME_POOL)]
    return f"{FIRST_NAMES[h % len(FIRST_NAMES)]} {LAST_NAMES[(h >> 8) % len(LAST_NAMES)]}"


def account_id(seed: int, campaign: int, lead: int) -> str:
    return f"ACC-{mix(seed, 'acct', campaign, lead) % 100000:05d}"


def campaign_name(seed: int, index: int, given: str, hostile: bool) -> str:
    name = given or f"{CAMPAIGN_NAMES[index % len(CAMPAIGN_NAMES)]} #{index + 1}"
    if hostile and index % 4 == 1:
        return HOSTILE_NAME_POOL[mix(seed, "cname", index) % len(HOSTILE_NAME_POOL)]
    return name


_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_PAIRS = tuple(a + b for a in _ALPHABET for b in _ALPHABET)


def token(value: int, length: int = 12) -> str:
    """`value` as `length` base-36 characters (length even): the opaque tail of an id."""
    # Two characters per step: ids are minted for every call, so this sits on the hot path.
    parts = []
    for _ in range(length // 2):
        value, r = divmod(value, 1296)
        parts.append(_PAIRS[r])
    return "".join(parts)
