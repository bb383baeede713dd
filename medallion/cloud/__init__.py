"""Connections to Azure Resource Manager and to the Databricks workspace."""
