"""One redaction function for everything the suite prints or writes: terminal, HTML, JUnit, JSON.

The estate's answers can carry secrets the suite never asked for (a connection string in a tag, a
SAS URL in a setting, a token echoed in an error), and the environment holds credentials. Every
output path sends its text through `scrub` (or plain data through `scrub_data`), so a new kind of
secret is taught here once and every report is covered.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Mapping

MASK = "[REDACTED]"

# key=value pairs of connection strings and SAS query strings: keep the key, hide the value
_PAIR_KEYS = (r"AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd|"
              r"ClientSecret|client_secret|access_token|refresh_token|id_token|sig|"
              r"InstrumentationKey|ApiKey|api_key|token|secret")
_PAIR = re.compile(rf"(?i)\b({_PAIR_KEYS})(\s*=\s*|\"\s*:\s*\"|'\s*:\s*')([^\s;&\"',]+)")
_PATTERNS = [
    re.compile(r"(?i)\bBearer\s+[A-Za-z0-9\-._~+/]+=*"),                  # Authorization headers
    re.compile(r"\beyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*"),  # JWTs
    re.compile(r"\bdapi[0-9a-f]{32}(?:-\d+)?\b"),                         # Databricks PATs
    re.compile(r"\b(?:dkea|dose|doau)[0-9a-f]{32}\b"),                    # other Databricks tokens
    re.compile(r"\b[A-Za-z0-9_~.\-]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}"),      # Entra ID client secrets
    re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40,}={1,2}(?![A-Za-z0-9+/=])"),  # base64 keys (storage, SAS)
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),                         # GitHub tokens
]
# field and variable names whose value is a secret whatever it looks like
_SECRET_NAME = re.compile(
    r"(?i)(secret|password|passwd|pwd|token|connection_?string|conn_?str|accountkey|access_?key|"
    r"primary_?key|secondary_?key|api_?key|sas|signature|credential|private_?key|client_?secret|"
    r"^key$|_key$|^key_|instrumentationkey)")
_SAFE_NAMES = re.compile(r"(?i)^(key_?source|key_?vault.*|key_?type|keyname|key_?name|keys?_?permissions?|"
                         r"task_?key|.*_?key_?vault_?(uri|id|name)|token_?count)$")


def scrub(text: Any) -> Any:
    """`text` with every secret-looking value replaced by [REDACTED]; non-strings pass through."""
    if not isinstance(text, str) or not text:
        return text
    return _scrubbed(text)


@functools.lru_cache(maxsize=8192)
def _scrubbed(text: str) -> str:
    """Kept by text: a check's evidence goes through here for each of its reports and records."""
    text = _PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    return text


@functools.lru_cache(maxsize=4096)
def secret_name(name: str) -> bool:
    """True when a field or environment variable of this name holds a secret by its name alone."""
    return bool(_SECRET_NAME.search(name)) and not _SAFE_NAMES.match(name)


def scrub_data(value: Any, *, name: str = "") -> Any:
    """Plain data (dicts, lists, strings) with secrets removed, by field name and by value."""
    if name and secret_name(name) and isinstance(value, (str, int, float)) and value not in ("", None):
        return MASK
    if isinstance(value, Mapping):
        return {key: scrub_data(item, name=str(key)) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub_data(item) for item in value]
    return scrub(value)


def scrub_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """Environment variables as they may be shown: secret-named ones masked, values scrubbed."""
    return {key: (MASK if secret_name(key) else scrub(value)) for key, value in environ.items()}
