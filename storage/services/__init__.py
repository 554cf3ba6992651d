"""Every write of the storage app, by topic."""
