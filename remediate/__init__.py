"""Remediations: one module per area, each function paired with the check that names it.

A remediation reads the live resource (a fresh estate), merges what its requirement needs into
it, and returns the `Change`s that would write it; the plugin applies them under --fix and only
prints them under --plan. No change returned means nothing to do.
"""
