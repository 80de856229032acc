"""The one base for problems a person can act on.

Every use case raises a `UserError` (or a subclass that names its domain) with a sentence the
person can act on; pages catch `UserError` in one place and show that sentence, so no
database error or traceback reaches anyone. Anything else that escapes is a bug.
"""

from __future__ import annotations


class UserError(ValueError):
    """A problem with what the person asked for, told in words they can act on.

    A ValueError for compatibility with callers that already catch that.
    """
