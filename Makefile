# postbakke: `make demo` and `make test` work on a fresh Debian machine.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TESSDATA := ocr_models/tessdata
DEMO := demo-data
DEMO_HOME := $(DEMO)/arbejdsmappe

.PHONY: all demo test fast lint install sysdeps clean bench bench-year bench-smoke lock lock-check test-latest test-opencv4

all: test

## Debian packages: Tesseract with its Danish model, venv for Python, Chromium (the tests
## render the HTML report in a real headless browser), and the fonts the sample letters and
## the test pages are drawn with, and nginx (the reverse proxy docs/deploy.md sets up; the
## proxy test runs the real one on loopback, it is never started as a service here).
DEBIAN_PACKAGES := tesseract-ocr tesseract-ocr-dan tesseract-ocr-osd python3-venv chromium \
	fonts-dejavu-core fonts-liberation nginx
sysdeps:
	@if ! command -v tesseract >/dev/null || ! tesseract --list-langs 2>/dev/null | grep -qx dan \
	   || [ ! -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] \
	   || [ ! -d /usr/share/fonts/truetype/liberation ] \
	   || ! $(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || ! command -v chromium >/dev/null \
	   || [ ! -x /usr/sbin/nginx ]; then \
		echo "Installerer Debian-pakker: $(DEBIAN_PACKAGES)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
			$(DEBIAN_PACKAGES) >/dev/null; \
	fi

## Python packages: exactly those requirements.lock names (every package, transitive too,
## pinned with its hashes; made by uv from pyproject.toml). A lock that no longer fits
## pyproject.toml stops the install with one line: run `make lock`.
LOCK := requirements.lock
LOCK_ARGS := pyproject.toml --extra test --extra samples --extra build --generate-hashes --universal \
	--python-version 3.11 --no-header -q
$(VENV)/.installed: $(LOCK) pyproject.toml samples/pyproject.toml
	rm -f $@
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/pip install -q --no-deps --no-build-isolation -e samples/
	@$(MAKE) --no-print-directory lock-check
	$(BYTECODE)
	touch $@

## The package's bytecode, as pip writes it when it installs a wheel: an editable install
## has none, and where PYTHONDONTWRITEBYTECODE is set every command compiled its ~70
## modules anew (0.2 s of each command's start). Checked against the sources' times, so
## an edited module is compiled from its source again until the next `make install`/bench.
BYTECODE = $(BIN)/python -m compileall -q postbakke

## Whether the lock still fits pyproject.toml (uv resolves again, preferring the lock's pins).
lock-check:
	@tmp=$$(mktemp); cp $(LOCK) $$tmp; \
	$(BIN)/uv pip compile $(LOCK_ARGS) -o $$tmp 2>/dev/null; \
	if ! cmp -s $(LOCK) $$tmp; then \
		diff $(LOCK) $$tmp | grep -E '^[<>] [a-z]' | head -5; rm -f $$tmp; \
		echo "$(LOCK) passer ikke længere til pyproject.toml: kør 'make lock' (og commit den)"; \
		exit 1; \
	fi; rm -f $$tmp

## Refresh the lock on purpose: the newest releases pyproject.toml allows.
lock: $(BIN)/uv
	$(BIN)/uv pip compile $(LOCK_ARGS) --upgrade -o $(LOCK)
	@echo "$(LOCK) opdateret; kør 'make test' og commit den."

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes --no-deps -r $(LOCK)

## Image code on the other OpenCV line: the lock's packages with the newest OpenCV 4.x
## instead of the lock's 5.x, in a venv of its own, through the reading tests.
OPENCV4 := opencv-python-headless==4.14.0.94
CV4 := .venv-cv4
test-opencv4: install
	rm -rf $(CV4)
	$(PYTHON) -m venv $(CV4)
	awk '/^opencv-python-headless==/{skip=1; next} skip && /^[[:space:]]+--hash/{next} \
		{skip=0; print}' $(LOCK) > $(CV4)/lock-without-opencv.txt
	$(CV4)/bin/pip install -q --require-hashes --no-deps -r $(CV4)/lock-without-opencv.txt
	$(CV4)/bin/pip install -q --no-deps $(OPENCV4)
	$(CV4)/bin/pip install -q --no-deps --no-build-isolation -e .
	$(CV4)/bin/pytest -q -p no:cacheprovider tests/reading

## The drift check: the newest releases pyproject.toml allows, in a venv of their own,
## through the fast suite; what differs from the lock is printed first.
LATEST := .venv-latest
test-latest: sysdeps $(TESSDATA)/dan.traineddata
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/pip install -q --upgrade pip
	$(LATEST)/bin/pip install -q --upgrade --upgrade-strategy eager -e '.[test,samples,build]'
	$(LATEST)/bin/pip install -q --no-deps -e samples/
	@echo "Nyeste udgivelser, der afviger fra $(LOCK):"
	@$(LATEST)/bin/pip freeze --exclude-editable | tr 'A-Z_.' 'a-z--' | sort > $(LATEST)/versions.txt
	@grep -E '^[a-z]' $(LOCK) | sed 's/ .*//' | tr 'A-Z_.' 'a-z--' | sort | \
		comm -13 - $(LATEST)/versions.txt | sed 's/^/    /' || true
	$(LATEST)/bin/pytest -q -m "not slow" -p no:cacheprovider

## The Danish model from Debian's package, copied into the project's OCR assets.
$(TESSDATA)/dan.traineddata:
	mkdir -p $(TESSDATA)
	src=$$(dirname "$$(find /usr/share/tesseract-ocr -name dan.traineddata | head -1)"); \
		cp "$$src/dan.traineddata" "$$src/osd.traineddata" $(TESSDATA)/

install: sysdeps $(VENV)/.installed
	@$(MAKE) --no-print-directory $(TESSDATA)/dan.traineddata

lint: install
	$(BIN)/ruff check postbakke samples tests bench
	$(BIN)/mypy postbakke samples/postbakke_samples

test: install lint
	$(BIN)/pytest -q

## The inner loop: everything but the real-OCR tests.
fast: install
	$(BIN)/pytest -q -m "not slow"

## The demo's workspace: the municipality, and a digest for each of the generated
## departments, written readable by the owner only (as `postbakke config check` wants).
DEMO_DEPARTMENTS := Borgerservice "Børn og Familie" Jobcenter "Social og Sundhed" "Teknik og Miljø"
demo: install
	rm -rf $(DEMO)
	$(BIN)/python -m postbakke_samples $(DEMO)/bakke --seed 2026 --letters 12
	umask 077; mkdir -p $(DEMO_HOME) && { \
		printf '[municipality]\nname = "Favrskov Kommune"\ncvr = ["29189714"]\n\n'; \
		printf '[digest]\nsender = "Postbakken <postbakke@favrskov.dk>"\n'; \
		printf 'contact = "Mette Skov, projektleder, tlf. 89 64 12 34, mesk@favrskov.dk"\n\n'; \
		printf '[smtp]\nhost = "localhost"  # the demo sends nothing: digest --dry-run\n'; \
		printf 'security = "none"\n\n'; \
		printf '[digest.departments]\n'; \
		i=0; for d in $(DEMO_DEPARTMENTS); do i=$$((i + 1)); \
			printf '"%s" = "afdeling%d@favrskov.dk"\n' "$$d" "$$i"; \
		done; } > $(DEMO_HOME)/postbakke.toml
	umask 077; export POSTBAKKE_HOME=$(DEMO_HOME); \
	$(BIN)/postbakke enrolment import $(DEMO)/bakke/registers/enrolment.csv && \
	$(BIN)/postbakke staff import $(DEMO)/bakke/registers/staff.csv && \
	$(BIN)/postbakke scan --tray Postrum --date 2026-11-25 $(DEMO)/bakke/tray; \
	$(BIN)/postbakke summary && \
	$(BIN)/python -m postbakke_samples.digital_counts $(DEMO)/digitale.csv \
		--staff $(DEMO)/bakke/registers/staff.csv --week 2026-W48 --weeks 1 && \
	$(BIN)/postbakke digital import $(DEMO)/digitale.csv && \
	$(BIN)/postbakke report --week 2026-W48 && \
	$(BIN)/postbakke config check
	@echo ""
	@echo "Arbejdsstationen (gennemsyn af usikre breve, bakker, afdelinger):"
	@echo "    POSTBAKKE_HOME=$(DEMO_HOME) $(BIN)/postbakke web"
	@echo "og åbn http://127.0.0.1:8000/ i browseren."

## Accuracy and speed side by side with plain tesseract and OCRmyPDF:
## writes docs/benchmarks.md; then the work station and storing at a year of letters
## (docs/benchmarks-year.md). A benchmark, not a test (CI runs a smoke of it).
bench: install
	@command -v ocrmypdf >/dev/null && command -v pdftotext >/dev/null || { \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install \
			-y -qq ocrmypdf poppler-utils >/dev/null; }
	$(BIN)/python bench/run.py --pages 100
	$(MAKE) bench-year

## A large municipality's year at 2,000 / 20,000 / 200,000 letters: every command and
## station page, the purge and the database per letter (docs/benchmarks-year.md). The
## filled workspaces are cached in bench/cache/ (the 200,000 one takes long to build).
bench-year: install
	$(BYTECODE)
	$(BIN)/python bench/year.py --sizes 2000,20000,200000

bench-smoke: install
	$(BIN)/python bench/run.py --smoke

clean:
	rm -rf $(DEMO) postbakke-data .pytest_cache reports/rapport-*
