"""The journey page's parts, one concern per module; pages/journey.py only routes between them.

Every part receives who is looking (a `core.access.identity.Access`, worked out once by
`ui.journey.access`) and the loaded map as parameters: no part reads the URL or keeps module
state about the person.
"""
