"""Use cases: take a Session and plain values (tables, not files), flush, never commit; raise a
:class:`~survey.services.errors.MognadError` naming every problem before writing anything."""
