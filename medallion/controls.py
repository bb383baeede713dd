"""Control mappings: which CIS, Microsoft cloud security benchmark and Azure Policy built-in
definition each requirement answers to, and how the report rolls them up by framework.

A requirement declares its mappings in `@requirement(controls=...)`. `MAPPINGS` below adds the
ones looked up for this report, kept central so the areas' check modules need no edit; a mapping
goes in only where the framework really covers the requirement (no Azure Policy built-in audits
lifecycle rules, inventory policies or dashboards, so those have none).

Control strings are "<framework>:<control>", e.g. "CIS-Azure-2.0:3.11", "MCSB:DP-8",
"AzurePolicy:0b60c0b2-2dc2-4e1c-b5c9-abbed971de53".
"""
from __future__ import annotations

from typing import Iterable

FRAMEWORKS = {
    "CIS-Azure": "CIS Microsoft Azure Foundations Benchmark",
    "MCSB": "Microsoft cloud security benchmark",
    "AzurePolicy": "Azure Policy built-in definition",
}

# Azure Policy built-in definitions (id -> display name), each checked against Microsoft's
# published definition before it was listed here.
POLICIES = {
    "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53": "Key vaults should have deletion protection enabled",
    "55615ac9-af46-4a59-874e-391cc3dfb490": "Azure Key Vault should have firewall enabled or public network access disabled",
    "a6abeaec-4d90-4a02-805f-6b26c4d3fbe9": "Azure Key Vaults should use private link",
    "cf820ca0-f99e-4f3e-84fb-66e913812d21": "Resource logs in Key Vault should be enabled",
    "34c877ad-507e-4c82-993e-3452a6e0ad3c": "Storage accounts should restrict network access",
    "6edd7eda-6dd8-40f7-810d-67160c639cd9": "Storage accounts should use private link",
    "138ff14d-b687-4faa-a81c-898c91a87fa2": "Resource logs in Azure Databricks Workspaces should be enabled",
}

# requirement id -> mappings added to what the requirement declares itself
# (blob and container soft delete, STG-003/004, have no built-in policy: only "Azure Backup should
# be enabled for Blobs", which audits a different control)
MAPPINGS: dict[str, tuple[str, ...]] = {
    "SEC-003": ("AzurePolicy:6edd7eda-6dd8-40f7-810d-67160c639cd9", "AzurePolicy:a6abeaec-4d90-4a02-805f-6b26c4d3fbe9"),
    "SEC-004": ("AzurePolicy:34c877ad-507e-4c82-993e-3452a6e0ad3c",),
    "SEC-005": ("AzurePolicy:55615ac9-af46-4a59-874e-391cc3dfb490",),
    "SEC-006": ("AzurePolicy:0b60c0b2-2dc2-4e1c-b5c9-abbed971de53",),
    "MON-003": ("AzurePolicy:cf820ca0-f99e-4f3e-84fb-66e913812d21", "AzurePolicy:138ff14d-b687-4faa-a81c-898c91a87fa2"),
}


def controls_for(requirement_id: str, declared: Iterable[str] = ()) -> list[str]:
    """Every mapping of a requirement, declared first, without duplicates."""
    merged: list[str] = []
    for control in (*declared, *MAPPINGS.get(requirement_id, ())):
        if control not in merged:
            merged.append(control)
    return merged


def framework_of(control: str) -> str:
    """The framework key of a control string ("CIS-Azure-2.0:3.11" -> "CIS-Azure")."""
    prefix = control.split(":", 1)[0]
    return next((key for key in FRAMEWORKS if prefix == key or prefix.startswith(key + "-")), prefix)


def describe(control: str) -> str:
    """A control as a reader wants it: the policy's display name for Azure Policy ids."""
    prefix, _, value = control.partition(":")
    if framework_of(control) == "AzurePolicy":
        return f"Azure Policy: {POLICIES.get(value, value)} ({value})"
    if framework_of(control) == "CIS-Azure":
        version = prefix[len("CIS-Azure-"):] if prefix.startswith("CIS-Azure-") else ""
        return f"CIS Azure {version + ' ' if version else ''}{value}".strip()
    return f"{prefix} {value}".strip()
