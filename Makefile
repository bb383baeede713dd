# Two commands on a fresh machine (see README): `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STATE := .sim-state.json

.PHONY: setup demo test audit fix clean

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

# The suite's own tests: emulator contract, plugin behaviour, every area end to end.
test: setup
	$(PY) -m pytest tests/ -n 2 -q

audit: setup
	$(PY) -m pytest checks/ -q -rfE

fix: setup
	$(PY) -m pytest checks/ --fix -q -rA

clean:
	rm -rf $(VENV) $(STATE) reports/*.html reports/*.xml reports/*.json
