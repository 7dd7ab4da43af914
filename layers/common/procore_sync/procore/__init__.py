"""Talking to Procore: OAuth (through authlib) and the REST API."""
