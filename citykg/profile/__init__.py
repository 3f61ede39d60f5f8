"""Profiles of partner cities, networks and UN bodies for city staff: the relationship to the focus city in
plain sentences, milestones in date order, people, events, shared networks and sources (HTML, PDF, PNG).

The names below are imported on first use: ``citykg query`` formats dates with :mod:`citykg.profile.dates`
and must not pay for the analytics (networkx) that gathering a profile needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from citykg.profile.gather import build_profile
    from citykg.profile.model import Profile

__all__ = ["Profile", "build_profile"]


def __getattr__(name: str) -> Any:
    if name == "build_profile":
        from citykg.profile.gather import build_profile

        return build_profile
    if name == "Profile":
        from citykg.profile.model import Profile

        return Profile
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
