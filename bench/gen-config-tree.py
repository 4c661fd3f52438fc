#!/usr/bin/env python3
"""Generate a tree of CI configuration for bench/config-tree.sh.

The tree holds many repositories (OUT/<repo>/), each with GitHub Actions
workflows in .github/workflows/ and Dockerfiles in the places projects keep
them (Dockerfile, docker/Dockerfile.prod, services/<name>/Dockerfile,
<name>.Dockerfile, Containerfile). Workflows vary the way real ones do:
triggers (push, pull_request, pull_request_target, issue_comment, schedule,
workflow_dispatch with inputs, workflow_run, release), permissions, env,
concurrency, matrices, services and containers, reusable workflows, and
steps from checkout to docker login. A share of them carries the patterns
moat's audits look for (untrusted ${{ }} in run scripts, unpinned
third-party actions, write-all permissions, checkout of a pull request's
head in pull_request_target, curl | sh, hard-coded tokens); so do the
Dockerfiles (no USER, unpinned bases, ADD of URLs, curl | sh, curl -k,
secrets in ENV, copied .env and key files, heredocs, continuation lines).

Deterministic from --seed and the counts. OUT.stamp records the arguments
(a second run with the same ones does nothing); OUT.manifest.json, next to
the tree, counts the Dockerfile patterns planted, for the summary's sanity
check. Python 3 standard library only.

usage: gen-config-tree.py [--workflows 1000] [--dockerfiles 500] [--repos 40]
                          [--seed 1] [--force] [OUT]   (default OUT: bench/out/config)
"""

import argparse
import json
import os
import random
import shutil
import string
import sys

GEN_VERSION = 1  # bump when the output for the same arguments changes

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"

REPO_WORDS = ["web", "api", "payments", "billing", "auth", "search", "mobile", "infra",
              "docs", "gateway", "worker", "ledger", "catalog", "notify", "reports", "edge",
              "orders", "users", "admin", "ml", "etl", "portal", "cli", "sdk"]
SERVICES = ["api", "worker", "frontend", "scheduler", "migrations", "proxy", "indexer",
            "webhooks", "exporter", "cron"]
ACTIONS_PINNED = [
    ("actions/checkout", "b4ffde65f46336ab88eb53be808477a3936bae11", "v4.1.1"),
    ("actions/setup-node", "60edb5dd545a775178f52524783378180af0d1f8", "v4.0.2"),
    ("actions/setup-python", "0a5c61591373683505ea898e09a3ea4f39ef2b9c", "v5.0.0"),
    ("actions/cache", "0c45773b623bea8c8e75f6c82b208c3cf94ea4f9", "v4.0.2"),
    ("docker/login-action", "343f7c4344506bcbf9b4de18042ae17996df046d", "v3.0.0"),
]
THIRD_PARTY = ["softprops/action-gh-release",
               "codecov/codecov-action", "tj-actions/changed-files", "hashicorp/setup-terraform",
               "docker/setup-buildx-action", "golangci/golangci-lint-action"]
UNTRUSTED = ["github.event.issue.title", "github.event.issue.body",
             "github.event.pull_request.title", "github.event.pull_request.body",
             "github.event.comment.body", "github.head_ref",
             "github.event.pull_request.head.ref", "github.event.review.body",
             "github.event.head_commit.message", "github.event.workflow_run.head_branch"]
TRUSTED = ["github.sha", "github.ref_name", "github.run_id", "github.repository",
           "runner.os", "github.event_name", "github.actor"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.planted = {"docker-pipe-to-shell": 0, "docker-remote-add": 0,
                        "docker-root-user": 0, "docker-disabled-verification": 0,
                        "docker-unpinned-base": 0, "docker-secret-in-env": 0}

    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(seq)

    def token(self, n, alphabet=ALNUM):
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def sha(self):
        return self.token(40, HEX)

    # ---- workflows ----

    def triggers(self, kind):
        r = self.r
        lines = ["on:"]
        if kind == "ci":
            lines += ["  push:", "    branches: [main, 'release/**']",
                      "    paths-ignore:", "      - 'docs/**'", "      - '**.md'",
                      "  pull_request:", "    branches: [main]"]
            if self.chance(0.3):
                lines += ["  workflow_dispatch:"]
        elif kind == "triage":
            lines += ["  issues:", "    types: [opened, edited]",
                      "  issue_comment:", "    types: [created]"]
        elif kind == "prt":
            lines += ["  pull_request_target:", "    types: [opened, synchronize, labeled]"]
        elif kind == "release":
            lines += ["  release:", "    types: [published]",
                      "  push:", "    tags: ['v*.*.*']"]
        elif kind == "nightly":
            lines += ["  schedule:", "    - cron: '%d %d * * *'" % (r.randrange(60), r.randrange(24)),
                      "  workflow_dispatch:", "    inputs:", "      environment:",
                      "        description: Where to deploy", "        required: true",
                      "        default: staging", "        type: choice",
                      "        options: [staging, production]"]
        elif kind == "followup":
            lines += ["  workflow_run:", "    workflows: [CI]", "    types: [completed]"]
        else:  # reusable
            lines += ["  workflow_call:", "    inputs:", "      image:", "        type: string",
                      "        required: true", "    secrets:", "      registry_token:",
                      "        required: true"]
        return lines

    def uses(self, name, tag="v4"):
        if self.chance(0.35):
            for n, sha, ver in ACTIONS_PINNED:
                if n == name:
                    return "%s@%s # %s" % (name, sha, ver)
        return "%s@%s" % (name, tag)

    def run_block(self, lines, indent):
        pad = " " * indent
        out = [pad + "run: |"]
        for l in lines:
            out.append(pad + "  " + l if l else "")
        return out

    def step_setup(self, lang, indent):
        pad = " " * indent
        if lang == "node":
            return [pad + "- uses: " + self.uses("actions/setup-node"),
                    pad + "  with:", pad + "    node-version: ${{ matrix.node }}",
                    pad + "    cache: npm"]
        if lang == "python":
            return [pad + "- uses: " + self.uses("actions/setup-python", "v5"),
                    pad + "  with:", pad + "    python-version: ${{ matrix.python }}",
                    pad + "    cache: pip"]
        return [pad + "- uses: actions/setup-go@v5", pad + "  with:",
                pad + "    go-version-file: go.mod"]

    def build_script(self, lang, kind):
        r = self.r
        if lang == "node":
            s = ["npm ci", "npm run lint --if-present", "npm test -- --ci --reporters=default"]
        elif lang == "python":
            s = ["python -m pip install --upgrade pip", "pip install -r requirements-dev.txt",
                 "pytest -q --junitxml=reports/junit.xml"]
        else:
            s = ["go vet ./...", "go test -race -coverprofile=cover.out ./...",
                 "go build -trimpath -o bin/app ./cmd/app"]
        if self.chance(0.25):
            s.insert(0, 'echo "Building ${{ %s }} on ${{ runner.os }}"' % self.pick(TRUSTED))
        if kind in ("triage", "prt") and self.chance(0.6):
            s.append('echo "Title: ${{ %s }}"' % self.pick(UNTRUSTED))
        if self.chance(0.12):
            s.append("curl -fsSL https://%s.example.com/install.sh | bash" %
                     self.pick(["tools", "get", "setup", "cdn"]))
        if self.chance(0.15):
            s.append('echo "BRANCH=${{ github.head_ref }}" >> "$GITHUB_ENV"')
        if self.chance(0.2):
            s += ["for f in $(git diff --name-only origin/main...HEAD); do",
                  '  echo "changed: $f"', "done"]
        return s

    def job(self, name, kind, lang, first):
        r = self.r
        L = ["  %s:" % name]
        if not first and self.chance(0.6):
            L.append("    needs: [build]")
        if kind == "prt" and self.chance(0.5):
            L.append("    if: contains(github.event.pull_request.labels.*.name, 'safe to test')")
        has_os = self.chance(0.3)
        if has_os:
            L.append("    runs-on: ${{ matrix.os }}")
            L += ["    strategy:", "      fail-fast: false", "      matrix:",
                  "        os: [ubuntu-latest, macos-latest, windows-latest]"]
            if lang == "node":
                L.append("        node: [18, 20, 22]")
            elif lang == "python":
                L.append("        python: ['3.10', '3.11', '3.12']")
        else:
            L.append("    runs-on: %s" % self.pick(["ubuntu-latest", "ubuntu-22.04",
                                                      "ubuntu-20.04", "self-hosted"]))
            if lang in ("node", "python"):
                L += ["    strategy:", "      matrix:",
                      "        %s: [%s]" % ("node" if lang == "node" else "python",
                                            "20" if lang == "node" else "'3.12'")]
        L.append("    timeout-minutes: %d" % r.choice([10, 15, 20, 30, 45]))
        if self.chance(0.4):
            L += ["    permissions:", "      contents: read"]
            if self.chance(0.4):
                L.append("      packages: write")
        if self.chance(0.15):
            L += ["    services:", "      postgres:", "        image: postgres:16",
                  "        env:", "          POSTGRES_PASSWORD: postgres",
                  "        ports: ['5432:5432']",
                  "        options: >-", "          --health-cmd pg_isready",
                  "          --health-interval 10s"]
        if self.chance(0.1):
            L += ["    container:", "      image: ghcr.io/acme/build-env:%s" %
                  self.pick(["latest", "2024.03", "1.8.2"])]
        L.append("    steps:")
        co = ["      - uses: " + self.uses("actions/checkout")]
        if kind == "prt" and self.chance(0.5):
            co += ["        with:", "          ref: ${{ github.event.pull_request.head.sha }}"]
        elif self.chance(0.4):
            co += ["        with:", "          persist-credentials: false",
                   "          fetch-depth: %d" % r.choice([0, 1, 2])]
        L += co
        if lang:
            L += self.step_setup(lang, 6)
        if self.chance(0.3):
            L += ["      - uses: " + self.uses("actions/cache"), "        with:",
                  "          path: ~/.cache", "          key: ${{ runner.os }}-${{ hashFiles('**/*.lock') }}"]
        L.append("      - name: %s" % self.pick(["Build", "Test", "Build and test", "Check"]))
        self.has_matrix_os = has_os
        if self.chance(0.3):
            L += ["        env:", "          CI: true",
                  "          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}"]
        L += self.run_block(self.build_script(lang, kind), 8)
        self.used = set()
        for _ in range(r.randrange(0, 4)):
            L += self.extra_step(kind)
        return L

    def extra_step(self, kind):
        r = self.r
        c = r.randrange(9)
        if c in self.used and c in (3, 5):
            c = 7
        self.used.add(c)
        if c == 0:
            a = self.pick(THIRD_PARTY)
            ref = self.sha() if self.chance(0.4) else self.pick(["v1", "v2", "v3", "main"])
            return ["      - uses: %s@%s" % (a, ref), "        env:",
                    "          GITHUB_TOKEN: ${{ secrets.%s }}" % self.pick(["GITHUB_TOKEN", "BOT_TOKEN", "DEPLOY_TOKEN"])]
        if c == 1:
            return ["      - uses: actions/upload-artifact@v4", "        with:",
                    "          name: reports-%s" % ("${{ matrix.os }}" if self.has_matrix_os else "linux"),
                    "          path: reports/", "          retention-days: 7"]
        if c == 2:
            return ["      - name: Log in to the registry",
                    '        run: echo "${{ secrets.REGISTRY_TOKEN }}" | docker login ghcr.io -u ${{ github.actor }} --password-stdin']
        if c == 3:
            body = self.pick(UNTRUSTED) if kind in ("triage", "prt") else "github.sha"
            return ["      - uses: actions/github-script@v7", "        with:", "          script: |",
                    "            const title = `${{ %s }}`;" % body,
                    "            await github.rest.issues.addLabels({",
                    "              owner: context.repo.owner, repo: context.repo.repo,",
                    "              issue_number: context.issue.number, labels: ['triage'] });"]
        if c == 4:
            return ["      - name: Comment",
                    "        if: github.event_name == 'pull_request'",
                    "        run: gh pr comment ${{ github.event.pull_request.number }} --body \"Build ${{ github.run_id }} passed\"",
                    "        env:", "          GH_TOKEN: ${{ github.token }}"]
        if c == 5:
            return ["      - id: meta", "        uses: docker/metadata-action@v5", "        with:",
                    "          images: ghcr.io/${{ github.repository }}",
                    "      - uses: docker/build-push-action@v5", "        with:",
                    "          push: ${{ github.event_name != 'pull_request' }}",
                    "          tags: ${{ steps.meta.outputs.tags }}"]
        if c == 6:
            env = ["      - name: Deploy", "        env:"]
            if self.chance(0.25):
                env.append("          API_KEY: %s" % self.token(32))
            else:
                env.append("          API_KEY: ${{ secrets.API_KEY }}")
            target = "${{ inputs.environment }}" if kind == "nightly" else "staging"
            env += self.run_block(["./scripts/deploy.sh --env %s" % target], 8)
            return env
        if c == 7:
            return ["      - name: Shellcheck", "        shell: bash",
                    "        run: find . -name '*.sh' -print0 | xargs -0 shellcheck"]
        return ["      - uses: docker://alpine:3.19", "        with:",
                "          args: sh -c 'echo ${{ github.sha }}'"]

    def workflow(self, name, kind):
        r = self.r
        lang = self.pick(["node", "python", "go", None])
        L = ["# %s workflow, maintained by the platform team" % name, "name: %s" % name, ""]
        L += self.triggers(kind)
        L.append("")
        p = r.random()
        if p < 0.1:
            L.append("permissions: write-all")
        elif p < 0.55:
            L += ["permissions:", "  contents: read"]
            if kind in ("triage", "prt"):
                L += ["  issues: write", "  pull-requests: write"]
        if self.chance(0.5):
            L += ["", "concurrency:", "  group: ${{ github.workflow }}-${{ github.ref }}",
                  "  cancel-in-progress: true"]
        if self.chance(0.4):
            L += ["", "env:", "  IMAGE: ghcr.io/${{ github.repository }}",
                  "  FORCE_COLOR: '1'"]
            if self.chance(0.1):
                L.append("  NPM_TOKEN: npm_%s" % self.token(36))
        L += ["", "jobs:"]
        if kind == "reusable":
            L += ["  build:", "    runs-on: ubuntu-latest", "    steps:",
                  "      - uses: " + self.uses("actions/checkout"),
                  "      - run: docker build -t ${{ inputs.image }} .",
                  "      - run: echo \"${{ secrets.registry_token }}\" | docker login ghcr.io -u bot --password-stdin"]
        else:
            njobs = r.choice([1, 1, 2, 2, 3, 4])
            names = ["build", "test", "lint", "package", "deploy", "docs"]
            for i in range(njobs):
                L += self.job(names[i], kind, lang, i == 0)
                L.append("")
            if self.chance(0.2):
                L += ["  call-reusable:", "    needs: [build]",
                      "    uses: ./.github/workflows/reusable-build.yml",
                      "    with:", "      image: ghcr.io/acme/app", "    secrets: inherit"]
        return "\n".join(L).rstrip() + "\n"

    # ---- Dockerfiles ----

    def base(self, lang):
        tags = {"node": ["node:20.11-alpine", "node:20-bookworm-slim", "node:latest", "node"],
                "python": ["python:3.12-slim", "python:3.11-slim-bookworm", "python:latest",
                           "python"],
                "go": ["golang:1.22-bookworm", "golang:1.22", "golang"],
                "java": ["eclipse-temurin:21-jdk", "maven:3.9-eclipse-temurin-21"],
                "ruby": ["ruby:3.3-slim", "ruby"]}[lang]
        b = self.r.choice(tags)
        if ":" not in b or b.endswith(":latest"):
            self.planted["docker-unpinned-base"] += 1
        return b

    def dockerfile(self, svc):
        r = self.r
        lang = self.pick(["node", "python", "go", "java", "ruby"])
        L = []
        if self.chance(0.3):
            L += ["# syntax=docker/dockerfile:1.7"]
        L += ["# %s service image" % svc]
        arg_base = self.chance(0.2)
        if arg_base:
            v = self.pick(["3.12-slim", "20.11-alpine", "1.22"])
            img = {"node": "node", "python": "python", "go": "golang", "java": "eclipse-temurin",
                   "ruby": "ruby"}[lang]
            L += ["ARG BASE_TAG=%s" % v, "FROM %s:${BASE_TAG} AS build" % img]
        else:
            L += ["FROM %s AS build" % self.base(lang)]
        L += ["WORKDIR /src"]
        if self.chance(0.4):
            pinned = self.chance(0.5)
            pk = ["ca-certificates", "curl", "git", "build-essential"]
            L += ["RUN apt-get update \\",
                  "    && apt-get install -y --no-install-recommends \\"]
            for p in pk[:r.randrange(2, 5)]:
                L.append("       %s%s \\" % (p, "=" + self.pick(["7.88.1-10", "2.39.2-1.1", "12.9"]) if pinned else ""))
            L += ["    # clean up to keep the layer small",
                  "    && rm -rf /var/lib/apt/lists/*"]
        if self.chance(0.15):
            L.append("RUN curl -fsSL https://%s.example.com/install.sh | sh" % self.pick(["get", "sh", "tools"]))
            self.planted["docker-pipe-to-shell"] += 1
        if self.chance(0.08):
            L += ["RUN <<EOF", "set -eux", "wget -qO- https://setup.example.org/bootstrap | bash",
                  "EOF"]
            self.planted["docker-pipe-to-shell"] += 1
        if self.chance(0.1):
            L.append("RUN curl -fsSLk https://artifacts.internal.example/tool.tgz | tar -xz -C /usr/local")
            self.planted["docker-disabled-verification"] += 1
        if self.chance(0.1):
            L.append("ADD https://github.com/acme/%s/releases/download/v1.%d.0/%s.tgz /tmp/" % (svc, r.randrange(9), svc))
            self.planted["docker-remote-add"] += 1
        if lang == "node":
            L += ["COPY package.json package-lock.json ./", "RUN npm ci", "COPY . .",
                  "RUN npm run build"]
        elif lang == "python":
            L += ["COPY requirements.txt .", "RUN pip install --no-cache-dir -r requirements.txt",
                  "COPY . ."]
        elif lang == "go":
            L += ["COPY go.mod go.sum ./", "RUN go mod download", "COPY . .",
                  "RUN CGO_ENABLED=0 go build -trimpath -o /out/app ./cmd/%s" % svc]
        elif lang == "java":
            L += ["COPY pom.xml .", "RUN mvn -B -q dependency:go-offline", "COPY src ./src",
                  "RUN mvn -B -q package -DskipTests"]
        else:
            L += ["COPY Gemfile Gemfile.lock ./", "RUN bundle install --jobs 4", "COPY . ."]
        if self.chance(0.08):
            L.append("ENV API_TOKEN=%s" % self.token(32))
            self.planted["docker-secret-in-env"] += 1
        if self.chance(0.06):
            L.append("COPY .env.production /src/.env")
            self.planted["docker-secret-in-env"] += 1
        L.append("")
        final = self.pick(["gcr.io/distroless/static-debian12:nonroot", "debian:12-slim",
                           "alpine:3.19", "node:20.11-alpine", "python:3.12-slim",
                           "eclipse-temurin:21-jre"])
        L += ["FROM %s" % final, "WORKDIR /app", "COPY --from=build /src /app"]
        if self.chance(0.3):
            L += ["HEALTHCHECK --interval=30s CMD wget -qO- http://localhost:8080/health || exit 1"]
        if "nonroot" not in final:
            if self.chance(0.55):
                L.append(self.pick(["USER 10001", "USER app", "USER nobody:nogroup"]))
            else:
                self.planted["docker-root-user"] += 1
        L += ["EXPOSE 8080", 'ENTRYPOINT ["/app/%s"]' % svc]
        return "\n".join(L) + "\n"


def generate(out, seed, nwf, ndf, nrepos):
    g = Gen(seed)
    kinds = ["ci"] * 5 + ["triage", "prt", "release", "nightly", "followup", "reusable"]
    repos = []
    for i in range(nrepos):
        repos.append("%s-%s-%02d" % (g.pick(REPO_WORDS), g.pick(REPO_WORDS), i))
    files = 0
    for i in range(nwf):
        repo = repos[i % nrepos]
        kind = "reusable" if i % nrepos == 0 and i // nrepos == 1 else g.pick(kinds)
        name = {"ci": "CI", "triage": "Triage", "prt": "PR preview", "release": "Release",
                "nightly": "Nightly deploy", "followup": "Post-CI",
                "reusable": "Reusable build"}[kind]
        fname = "reusable-build.yml" if kind == "reusable" and i // nrepos == 1 else \
            "%s-%03d.%s" % (kind, i // nrepos, g.pick(["yml", "yml", "yaml"]))
        d = os.path.join(out, repo, ".github", "workflows")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, fname), "w") as f:
            f.write(g.workflow(name, kind))
        files += 1
    for i in range(ndf):
        repo = repos[i % nrepos]
        svc = g.pick(SERVICES)
        k = i // nrepos
        if k == 0:
            rel = "Dockerfile"
        elif k == 1:
            rel = "docker/Dockerfile.prod"
        else:
            rel = ["%s-%d.Dockerfile", "images/%s-%d/Containerfile",
                   "services/%s-%d/Dockerfile"][k % 3] % (svc, k)
        p = os.path.join(out, repo, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(g.dockerfile(svc))
        files += 1
    return files, g.planted


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", nargs="?", default=None, help="output directory (bench/out/config)")
    ap.add_argument("--workflows", type=int, default=1000)
    ap.add_argument("--dockerfiles", type=int, default=500)
    ap.add_argument("--repos", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true", help="regenerate even if up to date")
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.abspath(a.out or os.path.join(here, "out", "config"))
    stamp_path, manifest_path = out + ".stamp", out + ".manifest.json"
    stamp = {"version": GEN_VERSION, "workflows": a.workflows, "dockerfiles": a.dockerfiles,
             "repos": a.repos, "seed": a.seed}
    if not a.force and os.path.isdir(out) and os.path.exists(stamp_path):
        try:
            with open(stamp_path) as f:
                if json.load(f) == stamp:
                    print("gen-config-tree: %s is up to date" % out, file=sys.stderr)
                    return 0
        except (OSError, ValueError):
            pass
    if a.repos < 1 or a.workflows < 0 or a.dockerfiles < 0:
        ap.error("counts must be positive")
    for p in (stamp_path, manifest_path):
        if os.path.exists(p):
            os.remove(p)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    files, planted = generate(out, a.seed, a.workflows, a.dockerfiles, a.repos)
    with open(manifest_path, "w") as f:
        json.dump({"workflows": a.workflows, "dockerfiles": a.dockerfiles, "planted": planted},
                  f, indent=2, sort_keys=True)
    with open(stamp_path, "w") as f:
        json.dump(stamp, f, sort_keys=True)
    print("gen-config-tree: %d files in %s" % (files, out), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
