"""Audit entries for logins and failed logins, which Django's auth signals report."""
