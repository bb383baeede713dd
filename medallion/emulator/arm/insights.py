"""Placeholder: rules registered in a later commit."""
