"""What the spec wants, measured against what was observed.

Checks and remediations must agree on what "compliant" means; the rules that decide it live here,
once, as pure functions over REST bodies, so a check and its fix can never drift apart.
"""
