# Zhiwang: `make run` serves a working server from a fresh clone; `make test` runs the tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
PG_PORT ?= 54329
VAR := $(CURDIR)/var
VENV := $(CURDIR)/.venv
export FLASK_APP := wsgi

.PHONY: help bootstrap run test db-stop clean

help:
	@echo "make run    install what is missing, start PostGIS under var/, migrate, seed, serve on 127.0.0.1:$(PORT)"
	@echo "make test   install what is missing, start a throwaway PostGIS, run the tests"
	@echo "make db-stop  stop the var/ cluster started by make run"

bootstrap:
	@scripts/bootstrap.sh

run: bootstrap
	@scripts/run.sh $(PORT) $(PG_PORT)

test:
	@scripts/bootstrap.sh --browser
	@scripts/test.sh $(PYTEST_ARGS)

db-stop:
	@scripts/cluster.sh stop $(VAR)/pg

clean: db-stop
	rm -rf $(VAR)
