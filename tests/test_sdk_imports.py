"""What a run imports of the SDKs: databricks-sdk's three services, not its forty-five, without
breaking the usual `from databricks.sdk import WorkspaceClient` in the same process."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_suite_loads_three_databricks_services_and_the_sdk_stays_whole():
    out = python(
        "import sys\n"
        "from medallion.cloud.databricks import import_sdk\n"
        "import_sdk()\n"
        "services = sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('databricks.sdk.service.'))\n"
        "print(' '.join(s for s in services if s in ('compute', 'jobs', 'workspace', 'sql', 'catalog', 'serving')))\n"
        "from databricks.sdk import WorkspaceClient\n"
        "print(WorkspaceClient.__name__, 'databricks.sdk.service.sql' in sys.modules)\n")
    loaded, whole = out.splitlines()
    assert loaded.split() == ["compute", "jobs", "workspace"]
    assert whole == "WorkspaceClient True"      # the package's own __init__ ran when asked


def test_the_workspace_client_reaches_the_emulator_with_the_sdks_classes(emulator):
    from medallion.cloud.databricks import workspace_client
    from medallion.emulator import OWNER_TOKEN

    client = workspace_client(emulator.url, token=OWNER_TOKEN)
    assert type(client.clusters).__name__ == "ClustersExt" and type(client.jobs).__name__ == "JobsExt"
    assert [c.cluster_name for c in client.clusters.list()]     # the built-in estate has clusters
