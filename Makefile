# 青海省质量工作平台 — everyday commands. See README.md.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | md5sum | cut -c1-12)

.PHONY: run test lint bench demo replay up down admin venv system-deps clean messages

## The virtualenv, rebuilt whenever a pinned requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check --upgrade "pip<27"
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

## Debian packages the test suite drives for real (docker-compose validates the compose file).
system-deps:
	@deploy/system-deps.sh

## Start the broker if stopped, the embedded store, every service and the gateway.
run: venv
	@$(PY) -m deploy.devstack run

## The whole suite on the real broker and store (the store is started on a throwaway port).
test: venv system-deps
	@$(PY) -m deploy.devstack broker
	$(PY) -m pytest $(PYTEST_ARGS)

## Portal messages: extract from templates and portal code, merge into every catalogue.
## Then translate the new empty msgstr in services/gateway/translations/zh_CN (a test checks).
MESSAGES := services/gateway/translations
messages: venv
	$(VENV)/bin/pybabel extract -F services/gateway/babel.cfg -o $(MESSAGES)/messages.pot \
		--no-location --sort-output --omit-header -w 100 .
	$(VENV)/bin/pybabel update -i $(MESSAGES)/messages.pot -d $(MESSAGES) -D messages -w 100 --no-fuzzy-matching

lint: venv
	$(VENV)/bin/ruff check .

bench: venv
	@$(PY) -m deploy.devstack broker
	$(PY) -m bench

## Create an organiser account against the running store: make admin EMAIL=a@b.cn NAME=张三
admin: venv
	@test -n "$(EMAIL)" && test -n "$(NAME)" || (echo "usage: make admin EMAIL=you@example.cn NAME=姓名" && exit 2)
	$(PY) -m services.accounts.cli create-organiser --email "$(EMAIL)" --name "$(NAME)"

## The production-shaped stack in containers (needs a Docker engine).
up:
	docker compose up -d --build

down:
	docker compose down

clean:
	rm -rf $(VENV) var

## Seed a realistic province into the stack `make run` started (public HTTP API only).
demo: venv
	$(PY) -m deploy.demo

## Publish past events again for a consumer that missed them:
##   make replay SERVICE=accounts EVENTS="enterprise_registered judge_registered"
replay: venv
	@test -n "$(SERVICE)" && test -n "$(EVENTS)" || (echo 'usage: make replay SERVICE=accounts EVENTS="enterprise_registered"' && exit 2)
	$(PY) -m deploy.replay $(SERVICE) $(EVENTS)
