"""No secret reaches any output: secrets planted in the emulator's answers and in the environment
never appear in the HTML report, the JUnit XML, the JSON results, the as-built document or the
terminal, while the places they were planted in do show up (redacted)."""
from __future__ import annotations

from reports import run_with_reports
from suite import arm_body, clean_env, scenario_with

ACCOUNT_KEY = "Zm9vYmFyYmF6cXV4" * 5 + "AbCdEfGh=="               # an 88-character storage key
CONNECTION = (f"DefaultEndpointsProtocol=https;AccountName=tbwajuicerstorage;AccountKey={ACCOUNT_KEY};"
              "EndpointSuffix=core.windows.net")
PAT = "dapi0123456789abcdef0123456789abcdef"
JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tIn0.c2lnbmF0dXJlLXBhcnQ"
SAS_SIG = "kX9q2Lw8ZpE4rT7yUu1oI3sA6dF0gH5jK"
CLIENT_SECRET = "abc8Q~Zq3xTnR5vL2mK9pW7sD4fG1hJ6kY0uEiOo"
ENV_SECRET = "plain-secret-from-the-environment-42"

PLANTED = [ACCOUNT_KEY, PAT, JWT, SAS_SIG, CLIENT_SECRET, ENV_SECRET, "Zm9vYmFyYmF6cXV4Zm9vYmFy"]


def plant(scenario):
    """Secrets where the suite reads: a tag, rule names its messages and evidence quote."""
    account = arm_body(scenario, "/storageAccounts/tbwajuicerstorage")
    account.setdefault("tags", {})["connection"] = CONNECTION
    rules = arm_body(scenario, "/managementPolicies/default")["properties"]["policy"]["rules"]
    rules[0]["name"] = f"bronze-{PAT}"
    rules[1]["name"] = f"Bearer {JWT}"
    inventory = arm_body(scenario, "/inventoryPolicies/default")["properties"]["policy"]
    inventory["enabled"] = False   # the inventory check then lists rule names in its message
    inventory["rules"][0]["name"] = f"daily?sv=2022-11-02&sig={SAS_SIG}"
    inventory["rules"][0]["destination"] = f"inventory;AccountKey={ACCOUNT_KEY}"


def test_planted_secrets_never_reach_any_output(tmp_path):
    env = clean_env(AZURE_CLIENT_SECRET=CLIENT_SECRET, MEDALLION_API_TOKEN=ENV_SECRET,
                    JOB_NAME=ENV_SECRET, BUILD_URL=f"https://ci.example/job?token={ENV_SECRET}",
                    NODE_NAME=f"node {CONNECTION}")
    reports = run_with_reports(tmp_path, "-k", "storage", "--metadata", "deploy_key", PAT,
                               scenario=scenario_with(tmp_path, plant), env=env)
    outputs = reports.text()
    assert reports.run.verdicts["STG-002"] == "failed", reports.run.output   # the planted values were read
    for name, text in outputs.items():
        leaked = [secret[:12] for secret in PLANTED if secret in text]
        assert not leaked, f"{name} leaks {leaked}"
    assert "[REDACTED]" in outputs["terminal"] and "[REDACTED]" in outputs["html"]
    assert "[REDACTED]" in outputs["junit"] and "[REDACTED]" in outputs["as-built"]
    assert "tbwajuicerstorage" in outputs["html"], "redaction must keep what is not secret"


def test_fix_and_plan_output_never_shows_a_planted_secret(tmp_path):
    reports = run_with_reports(tmp_path, "-k", "storage", "--plan", scenario=scenario_with(tmp_path, plant))
    assert "--fix would change" in reports.run.stdout
    for name, text in reports.text().items():
        assert not [s for s in PLANTED if s in text], name
