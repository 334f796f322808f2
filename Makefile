# civaffairs: `make run` serves the demo district, `make test` runs the whole suite.
# DATABASE_URL=postgres://user@host/db switches both to PostgreSQL (SQLite under var/ otherwise).

SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export PATH := $(HOME)/.local/bin:$(PATH)
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The background jobs' worker (civaffairs/jobs.py): the database queue, or RQ when REDIS_URL is set.
WORKER := $(if $(REDIS_URL),rqworker default,db_worker --no-startup-delay)

.PHONY: setup run test migrate demo lint bench soak clean

setup:
	@bash scripts/setup-system.sh
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet --user uv 2>/dev/null \
		|| python3 -m pip install --quiet --user --break-system-packages uv \
		|| { echo "无法安装 uv，请参照 https://docs.astral.sh/uv/ 安装后重试"; exit 1; }
	@uv sync --frozen --python python3.11 --quiet
	@mkdir -p var

migrate: setup
	@$(PY) manage.py migrate --verbosity 0

demo: migrate
	@$(PY) manage.py load_demo --if-empty

run: demo
	@echo ""
	@echo "云安区民政业务系统：http://$(HOST):$(PORT)/"
	@echo "演示账号（密码均为 Demo@2019）："
	@echo "  shicheng 石城镇经办人 | shicheng_review 石城镇民政办负责人 | liudu 六都镇经办人 | jiuzhu 社会救助股经办人"
	@echo "  chief_assist 社会救助股股长 | chief_welfare 福利股股长 | chief_grassroots 基层股股长"
	@echo "  director 局长 | auditor 审计员 | admin 系统管理员"
	@echo ""
	@echo "后台任务（生成名册、补发）由与网站一同启动的工作进程执行；停止网站时它一并停止。"
	@$(PY) manage.py $(WORKER) & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	@DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .

bench: setup
	@$(PY) -m bench $(BENCH_ARGS)

# Five minutes of mixed traffic against gunicorn (bench/soak.py); not part of `make test`.
soak: setup
	@$(PY) -m bench.soak $(SOAK_ARGS)

clean:
	rm -rf var/*.sqlite3 var/static
