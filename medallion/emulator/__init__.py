"""The loopback emulator of Azure Resource Manager and the Databricks REST API.

The suite's behaviour tests drive the real SDKs over HTTP against it, and a newcomer without an
Azure account runs the audit and the fix against its built-in half-finished estate.
"""
from medallion.emulator.scenario import builtin_scenario, load_scenario
from medallion.emulator.server import OWNER_TOKEN, READER_TOKEN, Emulator, Faults

__all__ = ["Emulator", "Faults", "builtin_scenario", "load_scenario", "OWNER_TOKEN", "READER_TOKEN"]
