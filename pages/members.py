"""Members: who can see and change this workspace, and in what role."""

from ui.app_shell import keep_app_shell

keep_app_shell()  # first: a legacy-mode start reruns through app.py

from ui.members import members_page

members_page()
