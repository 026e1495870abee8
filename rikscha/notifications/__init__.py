"""Notifications: an outbox written with the change, delivered by a CLI job."""
