# credo's build, test and release entry points. `make help` lists them.

GO       ?= go
PKG      := github.com/credo-cli/credo
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE     ?= $(shell git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w -X $(PKG)/pkg/build.Version=$(VERSION) -X $(PKG)/pkg/build.Commit=$(COMMIT) -X $(PKG)/pkg/build.Date=$(DATE)
GORELEASER := $(GO) run github.com/goreleaser/goreleaser/v2@v2.15.1
PREFIX   ?= /usr/local
# Where make install puts man pages and completions: where man, bash-completion,
# zsh and fish look under PREFIX.
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
# Static binaries start faster (no dynamic loader); only macOS needs cgo,
# for the keychain backend.
CGO      ?= $(if $(filter Darwin,$(shell uname -s)),1,0)

.PHONY: help build install uninstall test test-unit test-script bench fuzz soak fmt vet docs completions generate check-generated release-check snapshot clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

build: ## Build bin/credo (the lean front) and bin/credo-core (the full command tree)
	CGO_ENABLED=$(CGO) $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/credo ./cmd/credo
	CGO_ENABLED=$(CGO) $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/credo-core ./cmd/credo-core

install: build ## Install credo, credo-core, the man pages and the completions under $(PREFIX) (and $(DESTDIR))
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 bin/credo bin/credo-core $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 docs/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 completions/credo.bash $(DESTDIR)$(BASHCOMPDIR)/credo
	install -m 0644 completions/_credo $(DESTDIR)$(ZSHCOMPDIR)/_credo
	install -m 0644 completions/credo.fish $(DESTDIR)$(FISHCOMPDIR)/credo.fish
	@echo "installed credo and credo-core into $(DESTDIR)$(PREFIX)/bin, man pages into $(DESTDIR)$(MANDIR)/man1,"
	@echo "and completions for bash, zsh and fish (open a new shell to use them)"

uninstall: ## Remove what make install installed (same PREFIX and DESTDIR)
	rm -f $(DESTDIR)$(PREFIX)/bin/credo $(DESTDIR)$(PREFIX)/bin/credo-core
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(wildcard docs/man/*.1)))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/credo $(DESTDIR)$(ZSHCOMPDIR)/_credo $(DESTDIR)$(FISHCOMPDIR)/credo.fish

test: vet ## Vet, then every unit and integration test with the race detector
	$(GO) test -race -count=1 -timeout 20m ./...

test-unit: ## Only the fast tests (no services)
	$(GO) test -short -count=1 ./...

test-script: ## Only the end-to-end scripts
	$(GO) test -count=1 -run TestScript ./cmd/credo

bench: build ## Measure the hot path, startup, cold path, size and concurrency figures
	$(GO) run ./cmd/credo-bench -credo bin/credo

# Every parser of outside input, as package:target.
FUZZ_TARGETS := ./pkg/config:FuzzLoad ./pkg/settings:FuzzLoadFile ./pkg/creds:FuzzSTSAnswer \
	./pkg/creds:FuzzProcessOutput ./pkg/keystore/filefast:FuzzItem
FUZZTIME ?= 30s

fuzz: ## Fuzz every parser (AWS config, settings, STS answers, credential_process output, keyring items), FUZZTIME each
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== $${t##*:} ($${t%%:*})"; \
		$(GO) test -run '^$$' -fuzz "^$${t##*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

soak: build ## The review's harness (kill -9, parallel writers, fuzzing, hostile inputs): a few minutes, prints docs/security.md's table
	$(GO) run ./cmd/credo-soak -credo bin/credo

fmt: ## Format the code
	gofmt -w $$(git ls-files '*.go')

vet: ## go vet and gofmt
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: the files above need formatting"; exit 1; }
	$(GO) vet ./...

docs: ## Generate the man pages and the command reference
	$(GO) run ./cmd/gen-docs

completions: ## Generate the shell completion scripts
	@mkdir -p completions
	$(GO) run ./cmd/credo-core completion bash > completions/credo.bash
	$(GO) run ./cmd/credo-core completion zsh > completions/_credo
	$(GO) run ./cmd/credo-core completion fish > completions/credo.fish
	$(GO) run ./cmd/credo-core completion powershell > completions/credo.ps1

generate: docs completions ## Generate docs and completions

check-generated: generate ## Fail when the committed generated files are stale
	@git diff --exit-code -- docs/man docs/cli completions || { echo "generated files are stale: run make generate and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- docs/man docs/cli completions)" || { git status --porcelain -- docs/man docs/cli completions; echo "untracked generated files: run make generate and commit"; exit 1; }

release-check: ## Check .goreleaser.yaml
	$(GORELEASER) check

snapshot: ## Build a local release snapshot into dist/
	$(GORELEASER) release --snapshot --clean

clean: ## Remove build output
	rm -rf bin dist
