"""`blueprint lint`: reading documents from anywhere, checking them, reporting findings."""
