"""Use cases: take a Session and plain values, flush, raise InputError; never commit."""
