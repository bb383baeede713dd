# Two commands on a fresh machine (see README): `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STATE := .sim-state.json

.PHONY: setup java demo test audit fix clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# Audit the embedded half-finished estate, fix it, and audit again (state kept in $(STATE)).
demo: setup
	rm -f $(STATE)
	@echo "== 1/3 audit (read-only): the half-finished estate fails where it should"
	-$(PY) -m pytest checks/ --sim --sim-state $(STATE) -q -rfE --html=reports/audit.html --self-contained-html
	@echo "== 2/3 --fix: each failing check gets its paired remediation, then is re-checked"
	@echo "   (the simulated estate may be locked down and purge-protected: both opt-ins are given here)"
	$(PY) -m pytest checks/ --sim --sim-state $(STATE) --fix --allow-disruptive --allow-irreversible \
		-q -rfE --html=reports/fix.html --self-contained-html
	@echo "== 3/3 audit again: every check passes"
	$(PY) -m pytest checks/ --sim --sim-state $(STATE) -q -rfE --html=reports/compliance.html --self-contained-html \
		--junitxml=reports/compliance.xml --results-json=reports/results.json \
		--as-built=reports/MEDALLION_ENHANCED_ARCHITECTURE.md

# The suite's own tests: emulator contract, plugin behaviour, every area end to end. The Spark
# notebook tests (marked `spark`) need Java: installed here from Debian when missing and run as root;
# they share one JVM in one worker (--dist loadgroup). `pytest tests/ -m "not spark"` skips them.
test: setup java
	$(PY) -m pytest tests/ -n 2 --dist loadgroup -q --durations=15

java:
	@command -v java >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless >/dev/null; } \
		|| echo "no Java: the Spark notebook tests will be skipped (apt-get install openjdk-17-jre-headless)"

audit: setup
	$(PY) -m pytest checks/ -q -rfE

fix: setup
	$(PY) -m pytest checks/ --fix -q -rA

clean:
	rm -rf $(VENV) $(STATE) reports/*.html reports/*.xml reports/*.json
