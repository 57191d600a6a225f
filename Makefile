# The interface to the project. Set-up is two commands: `make local` and `make test`.
# `make help` lists every target.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
AGENT_VENV := .venv-agent
# Pinned tools. aws-sam-cli and bedrock-agentcore pin conflicting dependencies, so the agent SDK
# (used only by the end-to-end tests) lives in a venv of its own.
TOOLS_PKGS := cargo-lambda==1.9.2 aws-sam-cli==1.170.0 cfn-lint==1.58.0
AGENT_PKGS := bedrock-agentcore==1.25.0
# make bench: the Python baseline (boto3 under awslambdaric) and the chart.
BENCH_VENV := .venv-bench
BENCH_PKGS := awslambdaric==4.2.2 boto3==1.44.5 matplotlib==3.11.2
# make bench also builds the webhook with AWS-LC's CPU-jitter entropy on (the project's builds turn
# it off in .cargo/config.toml's [env]; a variable on the command line wins over it), in a target
# directory of its own so that the default build is not rebuilt, and measures it beside the default.
BENCH_JITTER_TARGET := target/bench-jitter-on
BENCH_OPT3_TARGET := target/bench-opt3
# The DynamoDB and SQS wire protocols on loopback for the job-store tests (moto's server mode).
MOTO_VENV := .venv-moto
MOTO_PKGS := moto[server]==5.2.5

# The tools venv comes first on PATH: cargo-lambda finds zig through the first python3.
export PATH := $(CURDIR)/$(VENV)/bin:$(HOME)/.cargo/bin:$(PATH)
export SAM_CLI_TELEMETRY := 0

# make local / make invoke: everything on loopback, dummy credentials, the built-in agent.
LOCAL_RUNTIME_ARN := arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/local_triage-LOCAL00001
LOCAL_AGENTCORE_ADDR ?= 127.0.0.1:9100
LOCAL_API_ADDR ?= 127.0.0.1:3000
LOCAL_STREAM_ADDR ?= 127.0.0.1:3001
LOCAL_API_KEY ?= localdevkey0123456789abcdef
# Set AGENT_URL to forward to a real agent (e.g. a BedrockAgentCoreApp on http://127.0.0.1:8080).
AGENT_URL ?=
LOCAL_FUNCTION_ENV := --env AGENT_RUNTIME_ARN=$(LOCAL_RUNTIME_ARN) \
	--env AWS_ENDPOINT_URL_BEDROCK_AGENTCORE=http://$(LOCAL_AGENTCORE_ADDR) \
	--env AWS_REGION=us-east-1 --env AWS_ACCESS_KEY_ID=local --env AWS_SECRET_ACCESS_KEY=local \
	--env AWS_EC2_METADATA_DISABLED=true
DEMO_BODY := {"number":"INC0010001","short_description":"Email server down","priority":"1"}
EVENT ?= events/servicenow-incident.json
ARM64_TARGET := aarch64-unknown-linux-gnu
# cargo-fuzz needs nightly's -Zsanitizer; these machines have one stable toolchain, and
# RUSTC_BOOTSTRAP=1 lets it accept those flags for the fuzz builds only.
FUZZ := RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir crates/fuzz
# A target's corpus: what earlier runs found (crates/fuzz/corpus, not committed) and the committed
# seeds (crates/fuzz/seeds: the events' bodies, real answer streams).
fuzz_dirs = crates/fuzz/corpus/$(1) $(wildcard crates/fuzz/seeds/$(1))
FUZZ_SECONDS ?= 60
# make test's storm: 400 deliveries in 8 s (20 % duplicates, 5 % poison) at a 25/s quota scaled 4×.
STORM_SHORT := --deliveries 400 --over-secs 8 --time-scale 4 --worker-concurrency 8 --webhook-instances 2 \
	--webhook target/debug/webhook --worker target/debug/worker
# make sam-local: SAM's image for provided.al2023 on x86_64, built here from Debian packages when
# no registry can be reached (real users let SAM pull AWS's image), and the x86_64 build it runs.
SAM_LOCAL_IMAGE := public.ecr.aws/lambda/provided:al2023-rapid-x86_64
SAM_LOCAL_BASE := public.ecr.aws/lambda/provided:al2023-x86_64
SAM_LOCAL_BUILD := .aws-sam/build-x86_64
DEBIAN_MIRROR ?= http://deb.debian.org/debian
# Deploy non-interactively with GUIDED=0 once samconfig.toml holds your answers.
GUIDED ?= 1

.PHONY: help venv local test lint build deploy invoke bench storm reliability fuzz fuzz-tool clean arm64-target sam-local sam-local-image

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: Makefile
	$(PYTHON) -m venv --clear $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check $(TOOLS_PKGS)
	touch $@

$(AGENT_VENV)/.installed: Makefile
	$(PYTHON) -m venv --clear $(AGENT_VENV)
	$(AGENT_VENV)/bin/pip install --quiet --disable-pip-version-check $(AGENT_PKGS)
	touch $@

$(BENCH_VENV)/.installed: Makefile
	$(PYTHON) -m venv --clear $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check $(BENCH_PKGS)
	touch $@

$(MOTO_VENV)/.installed: Makefile
	$(PYTHON) -m venv --clear $(MOTO_VENV)
	$(MOTO_VENV)/bin/pip install --quiet --disable-pip-version-check '$(MOTO_PKGS)'
	touch $@

venv: $(VENV)/.installed $(AGENT_VENV)/.installed $(MOTO_VENV)/.installed ## Create the Python venvs (SAM, cargo-lambda, cfn-lint; agent SDK; moto for the job-store tests)
	@# A stamp can outlive its venv (a moved checkout, a deleted folder): check, and rebuild if broken.
	@$(VENV)/bin/python -c 'import samtranslator, cfnlint' 2>/dev/null && [ -x $(VENV)/bin/cargo-lambda ] \
	  || { echo "$(VENV) is broken; rebuilding"; rm -f $(VENV)/.installed; $(MAKE) $(VENV)/.installed; }
	@$(AGENT_VENV)/bin/python -c 'import bedrock_agentcore' 2>/dev/null \
	  || { echo "$(AGENT_VENV) is broken; rebuilding"; rm -f $(AGENT_VENV)/.installed; $(MAKE) $(AGENT_VENV)/.installed; }

local: ## Run the webhook offline (local API Gateway + Lambda runtime + local AgentCore + built-in agent) and curl it
	cargo build --bins
	@backend="built-in triage agent"; forward=""; \
	if [ -n "$(AGENT_URL)" ]; then backend="agent at $(AGENT_URL)"; forward="--forward $(AGENT_URL)"; fi; \
	trap 'kill $$(jobs -p) 2>/dev/null || true' EXIT INT TERM; \
	target/debug/local-agentcore --addr $(LOCAL_AGENTCORE_ADDR) --runtime-arn $(LOCAL_RUNTIME_ARN) $$forward & \
	target/debug/local-lambda --binary target/debug/webhook --authorizer-binary target/debug/authorizer \
	  --addr $(LOCAL_API_ADDR) --api-key $(LOCAL_API_KEY) --stream-binary target/debug/stream --stream-addr $(LOCAL_STREAM_ADDR) $(LOCAL_FUNCTION_ENV) & \
	for i in $$(seq 1 100); do \
	  curl -s -o /dev/null http://$(LOCAL_AGENTCORE_ADDR)/ping && curl -s -o /dev/null http://$(LOCAL_API_ADDR)/ \
	    && curl -s -o /dev/null http://$(LOCAL_STREAM_ADDR)/ && break; sleep 0.1; \
	done; \
	echo; echo "Webhook: http://$(LOCAL_API_ADDR)/prod/webhook/servicenow  (x-api-key: $(LOCAL_API_KEY); $$backend)"; \
	body='$(DEMO_BODY)'; url=http://$(LOCAL_API_ADDR)/prod/webhook/servicenow; \
	echo; echo "\$$ curl -s -X POST $$url -H 'x-api-key: $(LOCAL_API_KEY)' -H 'Content-Type: application/json' -d '$$body'"; \
	curl -s -X POST "$$url" -H 'x-api-key: $(LOCAL_API_KEY)' -H 'Content-Type: application/json' -d "$$body"; \
	echo; echo; echo "Invoke API: http://$(LOCAL_API_ADDR)/prod/v1/agents/default/invoke (x-api-key); streaming: http://$(LOCAL_STREAM_ADDR) (SigV4, key local/local)"; \
	echo "\$$ AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_REGION=us-east-1 target/debug/bridge invoke 'Is the mail server down?' --sigv4 --url http://$(LOCAL_STREAM_ADDR)"; \
	AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_SESSION_TOKEN= AWS_REGION=us-east-1 AWS_PROFILE= \
	  target/debug/bridge invoke 'Is the mail server down?' --sigv4 --url http://$(LOCAL_STREAM_ADDR) || true; \
	echo; echo "Serving until Ctrl-C."; \
	wait

test: venv lint ## Run every test: unit, handler, end to end (real agent), template checks
	cargo build --workspace --bins
	cargo test --workspace
	@# A short load: 1,000 deliveries at concurrency 32 over 4 instances of the real binary, each in a
	@# 128 MiB memory cgroup (as the smallest Lambda; skipped, saying so, where cgroups are read-only).
	target/debug/bridge-load --binary target/debug/webhook --requests 1000 --concurrency 32 --instances 4 --max-rss-growth 25 --memory-limit-mib 128
	@# A short storm through the whole asynchronous path against the emulator's quotas: nothing
	@# lost, duplicates run once, only poison dead-lettered (no timing target here: make storm).
	target/debug/bridge-storm $(STORM_SHORT)
	@# Seconds of fuzzing so a regression in the parsers or signature checks fails CI.
	$(MAKE) fuzz-tool
	@mkdir -p crates/fuzz/corpus/parse_payloads crates/fuzz/corpus/verify_signatures crates/fuzz/corpus/sse_decoder
	$(FUZZ) parse_payloads $(call fuzz_dirs,parse_payloads) -- -max_total_time=5
	$(FUZZ) verify_signatures $(call fuzz_dirs,verify_signatures) -- -max_total_time=5
	$(FUZZ) sse_decoder $(call fuzz_dirs,sse_decoder) -- -max_total_time=5
	sam validate --lint
	cfn-lint template.yaml
	$(VENV)/bin/python -m unittest discover -s tests/template -v
	@# sam build, sam local invoke and start-api in Docker (skipped, saying why, without an engine).
	$(MAKE) sam-local

lint: ## cargo fmt --check, clippy with warnings as errors (the fuzz crate too), the one-way module rule
	cargo fmt --all -- --check
	cargo fmt --manifest-path crates/fuzz/Cargo.toml -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	@# The fuzz crate is a workspace of its own; with the shared target/ and the same lock file
	@# it reuses the dependency checks above.
	CARGO_TARGET_DIR=target cargo clippy --manifest-path crates/fuzz/Cargo.toml --all-targets -- -D warnings
	@# Inside every crate a module uses only modules declared above it (no import cycles).
	cargo run -q -p layering

sam-local-image: venv ## SAM's provided.al2023 x86_64 image, built from Debian packages if it is not there
	@if docker image inspect $(SAM_LOCAL_IMAGE) >/dev/null 2>&1; then echo "$(SAM_LOCAL_IMAGE) is present"; else \
	  command -v debootstrap >/dev/null || { echo "debootstrap is missing (apt-get install debootstrap)"; exit 1; }; \
	  rootfs=$$(mktemp -d); trap 'rm -rf "$$rootfs"' EXIT; \
	  echo "Building $(SAM_LOCAL_IMAGE) from Debian bookworm (debootstrap, about a minute)"; \
	  debootstrap --variant=minbase --include=ca-certificates bookworm "$$rootfs" $(DEBIAN_MIRROR) >/dev/null; \
	  rapid=$$($(VENV)/bin/python -c 'import samcli, os; print(os.path.dirname(samcli.__file__))')/local/rapid; \
	  install -D -m 0755 $$rapid/aws-lambda-rie-x86_64 "$$rootfs"/var/rapid/aws-lambda-rie; \
	  tar -C "$$rootfs" -c . | docker import --platform linux/amd64 - $(SAM_LOCAL_IMAGE) >/dev/null; \
	  docker tag $(SAM_LOCAL_IMAGE) $(SAM_LOCAL_BASE); \
	fi

sam-local: venv ## sam build (x86_64) then sam local invoke and start-api in Docker against the local AgentCore and moto
	@if ! docker info >/dev/null 2>&1; then \
	  if [ "$${CI:-}" = true ]; then echo "sam local tier: no Docker engine answers, and CI must run it"; exit 1; fi; \
	  echo "sam local tier SKIPPED: no Docker engine answers (docker info failed)"; exit 0; fi; \
	$(MAKE) sam-local-image && cargo build --bin local-agentcore --bin local-ticketing && \
	SAM_BUILD_MODE=debug CARGO_TARGET_DIR=$(CURDIR)/target $(VENV)/bin/sam build \
	  --parameter-overrides Architecture=x86_64 --build-dir $(SAM_LOCAL_BUILD) && \
	$(VENV)/bin/python -m unittest discover -s tests/sam_local -v

arm64-target:
	@rustup target list --installed 2>/dev/null | grep -qx $(ARM64_TARGET) || rustup target add $(ARM64_TARGET) || { \
	  echo "The $(ARM64_TARGET) Rust target is missing and could not be installed."; \
	  echo "Lambda runs this function on arm64: install the target (rustup target add $(ARM64_TARGET)) and retry."; \
	  exit 1; }

build: venv arm64-target ## Build the arm64 deployment package with sam build (cargo-lambda + zig)
	sam build

deploy: build ## sam build && sam deploy --guided (GUIDED=0 to reuse samconfig.toml answers)
	sam deploy $(if $(filter 0,$(GUIDED)),,--guided)

invoke: ## Send one event file (EVENT=events/...) through the real binary against the local AgentCore
	cargo build --bins
	@trap 'kill $$(jobs -p) 2>/dev/null || true' EXIT; \
	target/debug/local-agentcore --addr $(LOCAL_AGENTCORE_ADDR) --runtime-arn $(LOCAL_RUNTIME_ARN) $(if $(AGENT_URL),--forward $(AGENT_URL)) 2>/dev/null & \
	for i in $$(seq 1 100); do curl -s -o /dev/null http://$(LOCAL_AGENTCORE_ADDR)/ping && break; sleep 0.1; done; \
	target/debug/local-lambda --binary target/debug/webhook --invoke $(EVENT) $(LOCAL_FUNCTION_ENV)

bench: $(VENV)/.installed $(BENCH_VENV)/.installed ## Measure the release binary against a Python baseline (AgentCore over TLS), and the streaming entry point; writes docs/benchmarks.{md,json,png}
	cargo build --release --bin webhook --bin stream --bin worker --bin authorizer --bin bridge-bench --bin bench-noop --bin bridge-load
	AWS_LC_SYS_NO_JITTER_ENTROPY=0 CARGO_TARGET_DIR=$(BENCH_JITTER_TARGET) cargo build --release --bin webhook
	@# The same webhook with every crate at opt-level 3: what the size profile costs per request.
	CARGO_TARGET_DIR=$(BENCH_OPT3_TARGET) cargo build --release --bin webhook \
	  --config 'profile.release.opt-level=3' --config 'profile.release.package."*".opt-level=3'
	@# The same code with its symbols, for callgrind's instruction counts per function.
	cargo build --profile callgrind --bin webhook --bin bench-noop
	@# Each function's deployment zip (bootstrap, deflate level 9 as SAM packs it): the x86_64
	@# release builds always, the arm64 ones (cargo lambda, as sam build runs it) where the arm64
	@# Rust target is installed or installable.
	@arm64=""; if $(MAKE) -s arm64-target >/dev/null 2>&1; then \
	  PATH=$(CURDIR)/$(VENV)/bin:$$PATH cargo lambda build --release --arm64 --bin webhook --bin stream --bin worker --bin authorizer && arm64=1; \
	else echo "no $(ARM64_TARGET) Rust target here: the arm64 zips are not measured"; fi; \
	zips=""; pack() { $(BENCH_VENV)/bin/python -c "import sys, zipfile; z = zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED, compresslevel=9); z.write(sys.argv[1], 'bootstrap'); z.close()" "$$1" "$$2"; }; \
	for bin in webhook stream worker authorizer; do \
	  pack target/release/$$bin target/$$bin-x86_64.zip; zips="$$zips --zip $$bin/x86_64=target/$$bin-x86_64.zip"; \
	  if [ -n "$$arm64" ]; then \
	    pack target/lambda/$$bin/bootstrap target/$$bin-arm64.zip; zips="$$zips --zip $$bin/arm64=target/$$bin-arm64.zip"; \
	  fi; \
	done; \
	pack $(BENCH_OPT3_TARGET)/release/webhook $(BENCH_OPT3_TARGET)/webhook-x86_64.zip; \
	target/release/bridge-bench --python $(BENCH_VENV)/bin/python --jitter-on-binary $(BENCH_JITTER_TARGET)/release/webhook \
	  --opt3-binary $(BENCH_OPT3_TARGET)/release/webhook --zip "webhook/x86_64 opt-level 3=$(BENCH_OPT3_TARGET)/webhook-x86_64.zip" \
	  --callgrind-bridge target/callgrind/webhook --callgrind-floor target/callgrind/bench-noop $$zips
	@# Memory: 100,000 deliveries with a new trace id each, as on Lambda, in a 128 MiB cgroup.
	target/release/bridge-load --binary target/release/webhook --requests 100000 --concurrency 4 --instances 1 \
	  --memory-limit-mib 128 --max-rss-growth 5 --report docs/benchmarks.md
	$(BENCH_VENV)/bin/python crates/bench/chart.py docs/benchmarks.json docs/benchmarks.png

storm: ## 5,000 deliveries in a minute through the async path against AgentCore's quotas (scaled); writes docs/storm.{md,json}
	cargo build --release --bin webhook --bin worker --bin bridge-storm
	target/release/bridge-storm --compare-unreleased --max-drain-ratio 1.5 --out docs/storm --readme docs/async-and-jobs.md

fuzz-tool:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2

fuzz: fuzz-tool ## Fuzz the payload parsers, signature checks and SSE decoder, FUZZ_SECONDS (60) each
	@mkdir -p crates/fuzz/corpus/parse_payloads crates/fuzz/corpus/verify_signatures crates/fuzz/corpus/sse_decoder
	$(FUZZ) parse_payloads $(call fuzz_dirs,parse_payloads) -- -max_total_time=$(FUZZ_SECONDS)
	$(FUZZ) verify_signatures $(call fuzz_dirs,verify_signatures) -- -max_total_time=$(FUZZ_SECONDS)
	$(FUZZ) sse_decoder $(call fuzz_dirs,sse_decoder) -- -max_total_time=$(FUZZ_SECONDS)

reliability: ## Bad-input corpus, 20,000 property cases, 10,000-request load, 100,000-request leak check, fuzzing
	cargo test -p webhook-bridge --test corpus
	PROPTEST_CASES=20000 cargo test --release -p ticket-prompt --test properties
	cargo build --release --bin webhook --bin bridge-load
	@mkdir -p docs
	target/release/bridge-load --requests 10000 --concurrency 32 --instances 4 | tee docs/reliability.txt
	@# The leak check: a new trace id per request as on Lambda, each instance in 128 MiB.
	target/release/bridge-load --requests 100000 --concurrency 32 --instances 4 --max-rss-growth 5 --memory-limit-mib 128 | tee -a docs/reliability.txt
	$(MAKE) fuzz

clean: ## Remove build output and the venvs
	cargo clean
	rm -rf .aws-sam $(VENV) $(AGENT_VENV) $(BENCH_VENV) $(MOTO_VENV) crates/fuzz/target
