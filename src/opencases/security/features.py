"""The Kibana features OpenCases knows: the cases owners and the connectors (actions)."""

from __future__ import annotations

import re

import msgspec


class Feature(msgspec.Struct, frozen=True, kw_only=True):
    """A Kibana feature whose privileges a role can grant."""

    id: str
    name: str
    category: str
    owner: str | None = None
    app: tuple[str, ...] = ()


FEATURES: tuple[Feature, ...] = (
    Feature(
        id="generalCases",
        name="Cases",
        category="management",
        owner="cases",
        app=("kibana",),
    ),
    Feature(
        id="observabilityCases",
        name="Cases",
        category="observability",
        owner="observability",
        app=("observability-cases", "kibana"),
    ),
    Feature(
        id="securitySolutionCases",
        name="Cases",
        category="securitySolution",
        owner="securitySolution",
        app=("securitySolutionCases", "kibana"),
    ),
    Feature(
        id="actions",
        name="Actions and Connectors",
        category="management",
        app=("kibana",),
    ),
)

# Kibana's DEFAULT_APP_CATEGORIES, by id: the labels /api/features shows.
CATEGORY_LABELS = {
    "management": "Management",
    "observability": "Observability",
    "securitySolution": "Security",
}

FEATURES_BY_ID = {feature.id: feature for feature in FEATURES}
OWNERS = {feature.owner: feature for feature in FEATURES if feature.owner}

# Kibana versions feature ids when their privileges change (generalCasesV2, ...V3).
_VERSIONED = re.compile(r"^(?P<base>.+?)V\d+$")


def feature_id(name: str) -> str:
    """The feature a possibly versioned id names (`generalCasesV3` -> `generalCases`)."""
    if name in FEATURES_BY_ID:
        return name
    match = _VERSIONED.match(name)
    if match and match.group("base") in FEATURES_BY_ID:
        return match.group("base")
    return name
