"""The address a new guest link is shown with: the app's own address (with any path it is
served under) plus the guest's page, from whichever page the sharer is on."""

from __future__ import annotations

from unittest import mock

import pytest

from ui import share_links

CASES = [
    ("http://127.0.0.1:8501/journey", "http://127.0.0.1:8501/journey?link=T"),
    ("http://127.0.0.1:8501/", "http://127.0.0.1:8501/journey?link=T"),
    ("http://127.0.0.1:8501", "http://127.0.0.1:8501/journey?link=T"),
    (
        "https://cs.example.com/waypoint/assessment?round=x#top",
        "https://cs.example.com/waypoint/journey?link=T",
    ),
    ("https://cs.example.com/waypoint", "https://cs.example.com/waypoint/journey?link=T"),
    ("", "/journey?link=T"),  # the browser's address unknown: a path from the site's root
]


@pytest.mark.parametrize(("seen", "shared"), CASES)
def test_a_link_is_shown_with_the_apps_own_address(seen, shared):
    with mock.patch.object(share_links.st, "context", mock.Mock(url=seen)):
        assert share_links.guest_address("journey", "link", "T") == shared
