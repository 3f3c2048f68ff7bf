"""Accounts: who signs in, with what role, for which organisations (no Flask here)."""
