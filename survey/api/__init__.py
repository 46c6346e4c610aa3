"""The read-only JSON API, versioned under ``/api/v1/``, with its OpenAPI document.

The room is here so that API endpoints have an obvious home; it has no blueprint yet. Responses
carry the same rows and values as the open-data files (``analysis.opendata.to_records``), and
every call goes through ``survey.access.allowed`` like a page does.
"""
