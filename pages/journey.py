"""Journey maps: build a segment's onboarding journey live with the room, and keep every change.

A router: who is looking is worked out once (ui.journey.access) and handed, with the loaded
map, to the parts in ui/journey/; the journey's rules live in core.journey.
"""

from __future__ import annotations

from ui.app_shell import keep_app_shell

keep_app_shell()  # first: a legacy-mode start reruns through app.py

from core.access.identity import Access
from ui.journey.access import may_edit, resolve
from ui.journey.opening import open_map
from ui.journey.presenter import presenter, projector_style
from ui.journey.reach import reach
from ui.journey.tabs import tabs
from ui.journey.toolbar import Lens, filters, focus, toolbar


def page(access: Access) -> None:
    content = open_map(access)
    if content is None:
        return
    editable = may_edit(access, content.info)
    view = toolbar(content, access, editable=editable)
    if view.presenter:
        projector_style()
    roles, channels = filters(shown=not view.presenter)
    stage = focus(content, view)
    lens = Lens(roles, channels, reach(content, access, show=view.data), stage)
    if view.presenter:
        presenter(content, access, lens)
    else:
        tabs(content, access, lens, editable=editable)


page(resolve())
