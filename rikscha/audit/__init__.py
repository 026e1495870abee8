"""Audit trail: who did what to which record (never health details)."""
