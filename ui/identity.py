"""Who is signed in: the company's identity provider through `st.login`, or, with no `[auth]`
in the secrets, the one local owner of a machine nobody else can reach.

This module reads `st.user` and the secrets; it decides nothing about permissions (core does).
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Any

import streamlit as st

from core.access.identity import LOCAL_PERSON, Person

OVERRIDE_ENV = "WAYPOINT_UNSAFE_PUBLIC_WITHOUT_SIGN_IN"
"""Set to `yes` to serve a throwaway demo without sign-in on a non-loopback address: everyone
who reaches it is the owner of every workspace."""


def _secrets() -> Mapping[str, Any]:
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except Exception:  # noqa: BLE001 - no secrets file is the normal local case
        return {}


def auth_configured() -> bool:
    return bool(_secrets().get("auth"))


def administrators() -> list[str]:
    """E-mail addresses named in `[waypoint] admins`: they may create workspaces."""
    section = _secrets().get("waypoint") or {}
    return [str(a).strip().lower() for a in section.get("admins", []) if str(a).strip()]


def provider_person() -> Person | None:
    """The person `st.user` names after sign-in, or None before it (or when the provider
    sends no e-mail address, or says it is not verified: memberships are by address)."""
    if not st.user.is_logged_in:
        return None
    email = str(st.user.get("email") or "").strip().lower()
    if not email or st.user.get("email_verified") is False:
        return None
    name = str(st.user.get("name") or email)
    return Person(email, name, is_admin=email in administrators())


def signed_in() -> Person | None:
    """Who acts in this session: the local owner in local mode, else the signed-in person."""
    if not auth_configured():
        return LOCAL_PERSON
    return provider_person()


def served_address() -> str:
    return str(st.get_option("server.address") or "")


def loopback_only(address: str) -> bool:
    """True when the server listens on loopback alone; an empty address means every
    interface (Streamlit's default)."""
    if address in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def override_set() -> bool:
    return os.environ.get(OVERRIDE_ENV, "").strip().lower() in ("1", "yes", "true")


def local_mode_refused() -> bool:
    """Local mode on an address other machines reach, without the loud override."""
    return not auth_configured() and not loopback_only(served_address()) and not override_set()
