"""Persistence: the ORM model, engine set-up, migrations and unit of work."""
