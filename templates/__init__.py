"""Report templates (packaged as grader.templates when installed)."""
