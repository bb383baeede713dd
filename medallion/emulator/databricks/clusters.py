"""Clusters API 2.1 (2.0 answers the same): lifecycle, edit versus masked update, pinning, catalogues.

A created or restarted cluster is PENDING (or RESTARTING) for one read and RUNNING from the next:
enough for a caller to see that it bills, without a clock. Terminating is immediate, so the SDK's
`wait_get_cluster_terminated` returns on its first poll. A missing cluster is the real 400
INVALID_PARAMETER_VALUE "Cluster <id> does not exist"; the SDK turns it into ResourceDoesNotExist
(a NotFound) for `clusters/get` only, and into InvalidParameterValue everywhere else.
"""
from __future__ import annotations

import copy
import secrets
import time
from typing import Any, Callable

from .catalog import NODE_TYPES, SPARK_VERSIONS
from .errors import ApiError, as_bool, invalid, now_ms, page_tokens, require

Handler = Callable[[dict[str, str], dict[str, Any]], object]

ACTIVE_STATES = frozenset({"PENDING", "RUNNING", "RESIZING", "RESTARTING"})
TRANSIENT_STATES = {"PENDING": "RUNNING", "RESTARTING": "RUNNING", "RESIZING": "RUNNING"}

UPDATABLE_FIELDS = frozenset({
    "autoscale", "autotermination_minutes", "aws_attributes", "azure_attributes", "cluster_log_conf",
    "cluster_name", "custom_tags", "data_security_mode", "dependency_mode", "docker_image",
    "driver_instance_pool_id", "driver_node_type_flexibility", "driver_node_type_id",
    "enable_elastic_disk", "enable_local_disk_encryption", "gcp_attributes", "init_scripts",
    "instance_pool_id", "is_single_node", "kind", "node_type_id", "num_workers", "policy_id",
    "remote_disk_throughput", "runtime_engine", "single_user_name", "spark_conf", "spark_env_vars",
    "spark_version", "ssh_public_keys", "total_initial_remote_disk_size", "use_ml_runtime",
    "worker_node_type_flexibility", "workload_type",
})
"""The user-settable cluster spec (the SDK's UpdateClusterResource); edit replaces exactly these."""

SPEC_FIELDS = UPDATABLE_FIELDS | {"apply_policy_default_values"}

DATA_SECURITY_MODES = frozenset({
    "DATA_SECURITY_MODE_AUTO", "DATA_SECURITY_MODE_DEDICATED", "DATA_SECURITY_MODE_STANDARD",
    "LEGACY_PASSTHROUGH", "LEGACY_SINGLE_USER", "LEGACY_SINGLE_USER_STANDARD", "LEGACY_TABLE_ACL",
    "NONE", "SINGLE_USER", "USER_ISOLATION",
})

_KNOWN_VERSIONS = frozenset(v["key"] for v in SPARK_VERSIONS)
_KNOWN_NODE_TYPES = frozenset(n["node_type_id"] for n in NODE_TYPES)


def missing_cluster(cluster_id: str) -> ApiError:
    return invalid(f"Cluster {cluster_id} does not exist")


def _new_cluster_id() -> str:
    """The real format, e.g. 0612-093512-abcd1234."""
    return time.strftime("%m%d-%H%M%S-", time.gmtime()) + secrets.token_hex(4)


def _dig(data: dict[str, Any], path: list[str]) -> tuple[bool, Any]:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False, None
        data = data[key]
    return True, data


def _place(data: dict[str, Any], path: list[str], present: bool, value: Any) -> None:
    for key in path[:-1]:
        data = data.setdefault(key, {})
    if present:
        data[path[-1]] = copy.deepcopy(value)
    else:
        data.pop(path[-1], None)


class Clusters:
    """The workspace's clusters, keyed by id, stored in the shape `clusters/get` returns."""

    def __init__(self, clusters: list[dict[str, Any]], user: str) -> None:
        self._user = user
        self._by_id: dict[str, dict[str, Any]] = {}
        for cluster in clusters:
            stored = copy.deepcopy(cluster)
            stored.setdefault("cluster_id", _new_cluster_id())
            self._by_id[stored["cluster_id"]] = stored

    def routes(self) -> dict[tuple[str, str], Handler]:
        ops: dict[tuple[str, str], Handler] = {
            ("POST", "create"): self.create, ("GET", "get"): self.get, ("GET", "list"): self.list,
            ("POST", "edit"): self.edit, ("POST", "update"): self.update,
            ("POST", "delete"): self.delete, ("POST", "permanent-delete"): self.permanent_delete,
            ("POST", "start"): self.start, ("POST", "pin"): self.pin, ("POST", "unpin"): self.unpin,
            ("GET", "spark-versions"): lambda q, b: {"versions": copy.deepcopy(list(SPARK_VERSIONS))},
            ("GET", "list-node-types"): lambda q, b: {"node_types": copy.deepcopy(list(NODE_TYPES))},
        }
        return {(method, f"/api/{version}/clusters/{op}"): handler
                for (method, op), handler in ops.items() for version in ("2.0", "2.1")}

    def to_state(self) -> list[dict[str, Any]]:
        return copy.deepcopy(list(self._by_id.values()))

    def running(self) -> list[str]:
        return [c.get("cluster_name", c["cluster_id"]) for c in self._by_id.values()
                if c.get("state") in ACTIVE_STATES]

    def exists(self, cluster_id: str) -> bool:
        return cluster_id in self._by_id

    def _find(self, cluster_id: Any) -> dict[str, Any]:
        cluster = self._by_id.get(str(cluster_id))
        if cluster is None:
            raise missing_cluster(cluster_id)
        return cluster

    def _observe(self, cluster: dict[str, Any]) -> dict[str, Any]:
        """What a read returns; a cluster still starting is RUNNING from the next read on."""
        seen = copy.deepcopy(cluster)
        if cluster.get("state") in TRANSIENT_STATES:
            was = cluster["state"]
            cluster["state"], cluster["state_message"] = TRANSIENT_STATES[was], ""
            cluster.setdefault("spark_context_id", secrets.randbits(62))
            if was == "RESTARTING":
                cluster["last_restarted_time"] = now_ms()
        return seen

    def _checked_spec(self, spec: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
        """Reject what the real API rejects; values unchanged from the stored cluster pass as they are."""
        def changed(field: str) -> bool:
            return current is None or spec.get(field) != current.get(field)

        require(spec, "spark_version")
        if changed("spark_version") and spec["spark_version"] not in _KNOWN_VERSIONS:
            raise invalid(f"Invalid spark version {spec['spark_version']}.")
        if not spec.get("instance_pool_id"):
            require(spec, "node_type_id")
        for field in ("node_type_id", "driver_node_type_id"):
            if spec.get(field) and changed(field) and spec[field] not in _KNOWN_NODE_TYPES:
                raise invalid(f"Node type {spec[field]} is not supported.")
        minutes = spec.get("autotermination_minutes", 0)
        if changed("autotermination_minutes") and (
                not isinstance(minutes, int) or (minutes != 0 and not 10 <= minutes <= 10000)):
            raise invalid("autotermination_minutes must be 0 (never) or between 10 and 10000, "
                          f"got {minutes!r}")
        scale = spec.get("autoscale")
        if changed("autoscale") and scale is not None and not (
                0 <= scale.get("min_workers", 0) <= scale.get("max_workers", -1)):
            raise invalid("autoscale.max_workers must be at least autoscale.min_workers")
        mode = spec.get("data_security_mode")
        if changed("data_security_mode") and mode is not None and mode not in DATA_SECURITY_MODES:
            raise invalid(f"Invalid data_security_mode {mode}")
        tags = spec.get("custom_tags", {})
        if changed("custom_tags") and (
                not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values())):
            raise invalid("custom_tags must map strings to strings")
        return spec

    def _full_spec(self, body: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
        """A whole spec as create and edit take it: absent fields fall back to server defaults."""
        spec = {k: copy.deepcopy(v) for k, v in body.items() if k in SPEC_FIELDS}
        spec.pop("apply_policy_default_values", None)
        if "autoscale" not in spec:
            spec.setdefault("num_workers", 0)
        spec.setdefault("autotermination_minutes", 0)
        spec.setdefault("enable_elastic_disk", True)
        spec.setdefault("azure_attributes", {"first_on_demand": 1, "availability": "ON_DEMAND_AZURE",
                                             "spot_bid_max_price": -1.0})
        if spec.get("node_type_id"):
            spec.setdefault("driver_node_type_id", spec["node_type_id"])
        return self._checked_spec(spec, current)

    def _tag_defaults(self, cluster: dict[str, Any]) -> None:
        cluster["default_tags"] = {
            "Vendor": "Databricks", "Creator": cluster.get("creator_user_name", self._user),
            "ClusterName": cluster.get("cluster_name", ""), "ClusterId": cluster["cluster_id"],
        }

    def _require_editable(self, cluster: dict[str, Any]) -> None:
        state = cluster.get("state")
        if state not in ("RUNNING", "TERMINATED"):
            raise ApiError(400, "INVALID_STATE", f"Cluster {cluster['cluster_id']} is in unexpected "
                           f"state {str(state).capitalize()}.")

    def _apply_spec(self, cluster: dict[str, Any], spec: dict[str, Any]) -> None:
        """Replace the whole user spec; a running cluster restarts to take it."""
        for field in SPEC_FIELDS - spec.keys():
            cluster.pop(field, None)
        cluster.update(spec)
        self._tag_defaults(cluster)
        if cluster.get("state") == "RUNNING":
            cluster["state"], cluster["state_message"] = "RESTARTING", "Restarting to apply new configuration"

    def create(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        spec = self._full_spec(body, None)
        cluster = {"cluster_id": _new_cluster_id(), "creator_user_name": self._user, **spec,
                   "state": "PENDING", "cluster_source": "API", "start_time": now_ms(),
                   "state_message": "Finding instances for new nodes, acquiring more instances if necessary"}
        self._tag_defaults(cluster)
        self._by_id[cluster["cluster_id"]] = cluster
        return {"cluster_id": cluster["cluster_id"]}

    def get(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        return self._observe(self._find(require(query, "cluster_id")))

    def list(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """Filters the SDK sends flattened (`filter_by.is_pinned=true`); a repeated key arrives once."""
        pinned = query.get("filter_by.is_pinned")
        states = {s for s in query.get("filter_by.cluster_states", "").split(",") if s}
        sources = {s for s in query.get("filter_by.cluster_sources", "").split(",") if s}
        policy = query.get("filter_by.policy_id")
        chosen = [c for c in self._by_id.values()
                  if (pinned is None or as_bool(pinned) == bool(c.get("pinned_by_user_name")))
                  and (not states or c.get("state") in states)
                  and (not sources or c.get("cluster_source") in sources)
                  and (policy is None or c.get("policy_id") == policy)]
        size = int(query.get("page_size") or 0) or len(chosen) or 1
        start = int(query.get("page_token") or 0)
        page = [self._observe(c) for c in chosen[start:start + size]]
        answer: dict[str, Any] = {"clusters": page} if page else {}
        return {**answer, **page_tokens(start, size, len(chosen))}

    def edit(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        cluster = self._find(require(body, "cluster_id"))
        self._require_editable(cluster)
        self._apply_spec(cluster, self._full_spec(body, cluster))
        return {}

    def update(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """Change only the fields named in `update_mask` (dotted paths, comma-separated; `*` = all)."""
        cluster = self._find(require(body, "cluster_id"))
        mask = require(body, "update_mask")
        given = body.get("cluster") or {}
        self._require_editable(cluster)
        if mask.strip() == "*":
            self._apply_spec(cluster, self._full_spec(given, cluster))
            return {}
        spec = {k: copy.deepcopy(v) for k, v in cluster.items() if k in SPEC_FIELDS}
        for field_path in (p.strip() for p in mask.split(",")):
            path = field_path.split(".")
            if path[0] not in UPDATABLE_FIELDS:
                raise invalid(f"Invalid update_mask: {field_path} is not an updatable cluster field")
            _place(spec, path, *_dig(given, path))
        self._apply_spec(cluster, self._checked_spec(spec, cluster))
        return {}

    def delete(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """Terminate: the cluster stops billing but stays listed (and keeps its spec)."""
        cluster = self._find(require(body, "cluster_id"))
        if cluster.get("state") not in ("TERMINATING", "TERMINATED"):
            cluster.update(state="TERMINATED", state_message="", terminated_time=now_ms(),
                           termination_reason={"code": "USER_REQUEST", "type": "SUCCESS",
                                               "parameters": {"username": self._user}})
        return {}

    def permanent_delete(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """Refused while pinned, as the real service does ("Cannot delete pinned cluster ...
        Please ask an admin to unpin the cluster first."): unpin, then delete."""
        cluster = self._find(require(body, "cluster_id"))
        if cluster.get("pinned_by_user_name"):
            raise invalid(f"Cannot delete pinned cluster {cluster['cluster_id']}. "
                          "Please ask an admin to unpin the cluster first.")
        del self._by_id[cluster["cluster_id"]]
        return {}

    def start(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """Start a terminated cluster; on any other state nothing happens, as documented."""
        cluster = self._find(require(body, "cluster_id"))
        if cluster.get("state") == "TERMINATED":
            for field in ("terminated_time", "termination_reason"):
                cluster.pop(field, None)
            cluster.update(state="PENDING", state_message="Starting cluster", start_time=now_ms())
        return {}

    def pin(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """Pinned shows as `pinned_by_user_name`, as in the real list answer (the SDK drops it)."""
        self._find(require(body, "cluster_id"))["pinned_by_user_name"] = self._user
        return {}

    def unpin(self, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        self._find(require(body, "cluster_id")).pop("pinned_by_user_name", None)
        return {}
