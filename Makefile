# The two commands of the README: `make demo` and `make test`. Each creates or reuses .venv and
# installs the pinned dependencies (requirements/constraints.txt) before running.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DATA   ?= ../shared/data
# pytest-xdist workers for the test targets (one per core of the 2-core CI machine; a test file
# stays on one worker so its module fixtures are built once)
JOBS   ?= 2
XDIST  := $(if $(filter-out 1,$(JOBS)),-n $(JOBS) --dist loadfile)

.PHONY: demo test test-fast docs notebooks lint bench peers lock clean results real-results leaderboard

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements/constraints.txt -e ".[torch,dask,dev,docs]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/nilm demo --out reports/demo $(if $(wildcard $(DATA)),--data $(DATA))

test: $(STAMP)
	$(VENV)/bin/ruff check nilm tests benchmarks scripts docs/conf.py
	$(PY) -m pytest -q $(XDIST) tests

# the suite without the tests marked slow (notebooks, end-to-end studies, real-data model fits)
test-fast: $(STAMP)
	$(VENV)/bin/ruff check nilm tests benchmarks scripts docs/conf.py
	$(PY) -m pytest -q -m "not slow" $(XDIST) tests

# the headline evaluation study (studies/headline.toml), its permutation null (re-scored from the
# study's predictions over every allowed partner), and the committed
# docs/results/headline.csv, null.csv, provenance.json and README table; HOUSEHOLDS=N runs a
# smaller stated population (e.g. `make results HOUSEHOLDS=48`)
results: $(STAMP)
	NUMBA_NUM_THREADS=1 $(PY) scripts/results.py studies/headline.toml \
		$(if $(HOUSEHOLDS),--households $(HOUSEHOLDS))

# the real rows (METER diaries, ECO occupancy; nilm/real_rows.py): docs/results/real.csv
real-results: $(STAMP)
	NUMBA_NUM_THREADS=1 $(PY) scripts/real_results.py --data $(DATA)

# the disaggregation leaderboard (studies/leaderboard.toml): every model x dataset x rung x seed
# into reports/leaderboard (resumable), then docs/results/leaderboard.csv, its provenance,
# docs/leaderboard.md and docs/leaderboard.png; DATA=path reads the data folder like `make demo`
leaderboard: $(STAMP)
	NUMBA_NUM_THREADS=1 $(VENV)/bin/nilm leaderboard studies/leaderboard.toml --out reports/leaderboard \
		--workers 2 $(if $(wildcard $(DATA)),--data $(DATA)) --publish docs

docs: $(STAMP)
	$(VENV)/bin/sphinx-build -E -W --keep-going -q -b html docs docs/_build/html

notebooks: $(STAMP)
	$(PY) scripts/make_notebooks.py --check
	$(PY) -m pytest -q tests/test_notebooks.py

peers: $(STAMP)
	bash benchmarks/peers/install_nilmtk.sh
	$(PY) benchmarks/peers/compare.py --sizes 10000 100000 1000000 --real --seq2point \
		--repeat 3 --timeout 1500 --docs docs/benchmarks.md

bench: $(STAMP)
	$(PY) -m pytest benchmarks --benchmark-only --benchmark-columns=min,median,ops -q

lint: $(STAMP)
	$(VENV)/bin/ruff check nilm tests benchmarks scripts docs/conf.py

lock: $(STAMP)
	$(PY) -m pip freeze --exclude-editable | grep -v '^torch' > requirements/constraints.txt
	echo 'torch==2.13.0' >> requirements/constraints.txt

clean:
	rm -rf $(VENV) reports .pytest_cache .benchmarks
