# Two commands for a fresh machine with Python 3.11:
#   make book   create .venv, install, execute every notebook, build the HTML into _build/html
#   make test   create .venv if needed, run the unit tests and nbval on every notebook
# and, after `make book`, `make test-browser` opens the built pages in headless Chromium (below).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

COLAB := .venv-colab
JAX := .venv-jax
# The tests that run on the JAX backend too: every registered model and layer (build, train, save), the layers'
# numpy references, and training on two devices. The chapters and the TensorFlow-only probes stay on TensorFlow.
JAX_TESTS := tests/test_backends.py tests/test_contract.py tests/test_devices.py tests/test_attention.py \
	tests/test_rnn.py tests/test_attention_rnn.py tests/test_transformer.py tests/test_positions.py tests/test_entity.py \
	tests/test_frame.py

.PHONY: book test clean book-from-outputs test-colab test-jax test-browser lint

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[book,test]"
	touch $@

book: $(INSTALLED)
	$(BIN)/jupyter-book build . -W -n --keep-going

# For CI, right after `make test`: nbval has just re-executed every notebook and checked its outputs against the
# stored ones, so the pages are built from those stored outputs instead of executing every chapter a second time.
# The copy of the configuration lives in _build/, and Jupyter Book reads the folders of local Sphinx extensions
# relative to the configuration file, hence the `../`.
book-from-outputs: $(INSTALLED)
	mkdir -p _build
	sed -e 's/^  execute_notebooks: .*/  execute_notebooks: "off"/' -e 's|^\(    scripts_once:\) book/_ext|\1 ../book/_ext|' \
		_config.yml > _build/config-from-outputs.yml
	grep -q 'execute_notebooks: "off"' _build/config-from-outputs.yml
	grep -q 'scripts_once: ../book/_ext' _build/config-from-outputs.yml
	$(BIN)/jupyter-book build . -W -n --keep-going --config _build/config-from-outputs.yml

# Two pytest workers (pytest-xdist), each test module and each notebook whole on one of them (--dist loadscope:
# a notebook's cells share one kernel and run in order). WORKERS=1 runs everything in one process.
WORKERS ?= 2
test: $(INSTALLED)
	$(BIN)/python -m pytest tests notebooks --ignore=tests/browser --nbval --nbval-current-env -p no:cacheprovider \
		$(if $(filter-out 1,$(WORKERS)),-n $(WORKERS) --dist loadscope)

# The linter, configured in pyproject.toml: the package, the tests and the notebooks' code cells, whose lines
# must also fit the book's column (79 characters).
lint: $(INSTALLED)
	$(BIN)/ruff check src tests notebooks
	$(BIN)/ruff check --line-length 79 notebooks

# The built book (after `make book`) in headless Chromium: every page opened at 1280 pixels, checked for console
# errors, broken images, links and anchors, code blocks that scroll sideways, launch links and untypeset math,
# with a screenshot of each in _build/screenshots/. It needs Debian's Chromium (`apt-get install chromium`) and
# npm: MathJax comes from the npm package and is served in place of its CDN, so the pages render offline.
BROWSER := $(VENV)/.browser
MATHJAX := _build/mathjax/node_modules/mathjax
$(BROWSER): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e ".[browser]"
	touch $@

$(MATHJAX)/package.json:
	npm install --prefix _build/mathjax --no-audit --no-fund --silent mathjax@3.2.2

test-browser: $(BROWSER) $(MATHJAX)/package.json
	BOOK_HTML=_build/html MATHJAX_DIR=$(MATHJAX) $(BIN)/python -m pytest tests/browser -p no:cacheprovider

# A second test environment: $(1) its folder, $(2) the pip options that pin its versions.
define test_environment
	test -x $(1)/bin/python || $(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --upgrade pip
	$(1)/bin/python -m pip install --quiet -e ".[test]" $(2)
	touch $@
endef

# The versions Google Colab ships (constraints/colab.txt), in a second environment: the unit tests, and chapter 3
# under nbval with lax output comparison (trained numbers differ between TensorFlow versions; every assert still runs).
# test_cli.py is left to the main environment: it starts a Python process per command (minutes on two cores), and
# what it checks (arguments, messages, exit codes) does not depend on the TensorFlow version.
$(COLAB)/.installed: pyproject.toml constraints/colab.txt
	$(call test_environment,$(COLAB),-c constraints/colab.txt)

test-colab: $(COLAB)/.installed
	$(COLAB)/bin/python -m pytest tests notebooks/03_attention_rnn.ipynb --ignore=tests/test_cli.py \
		--ignore=tests/browser --nbval-lax --nbval-current-env -p no:cacheprovider

# The JAX backend (constraints/jax.txt), in a third environment.
$(JAX)/.installed: pyproject.toml constraints/jax.txt
	$(call test_environment,$(JAX),-r constraints/jax.txt)

test-jax: $(JAX)/.installed
	KERAS_BACKEND=jax $(JAX)/bin/python -m pytest $(JAX_TESTS) -p no:cacheprovider

clean:
	rm -rf _build $(VENV) $(COLAB) $(JAX)
