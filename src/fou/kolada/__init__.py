"""Kolada: the v3 API client, a local v3 server for tests and demos, fetching extracts."""
