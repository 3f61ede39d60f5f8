"""Profiles of partner cities, networks and UN bodies for city staff: the relationship to the focus city in
plain sentences, milestones in date order, people, events, shared networks and sources (HTML, PDF, PNG)."""

from citykg.profile.gather import build_profile
from citykg.profile.model import Profile

__all__ = ["Profile", "build_profile"]
