/* What the GitHub Actions audits know about GitHub: which context values an
 * outsider writes, which trigger sets them, and which well-known actions run
 * scripts, build the checked-out code, publish, restore caches or output
 * attacker-controlled values. Tables only; the audits are in gha.c. */
#include <string.h>
#include <strings.h>
#include "config.h"
#include "core/banned.h"

#define PRA   GHA_EV_PR_ANY
#define TEXT  GHA_T_TEXT
#define HEAD  GHA_T_HEAD
#define INPUT GHA_T_INPUT

/* The values an outsider chooses (GitHub Security Lab's list, plus the
 * workflow_run and repository_dispatch ones), and the values that name the
 * pull request's code. A path below a pattern matches it. */
const struct gha_source gha_sources[] = {
    { "github.event.issue.title", "attacker-controlled issue title", TEXT,
      GHA_EV_ISSUES | GHA_EV_ISSUE_COMMENT },
    { "github.event.issue.body", "attacker-controlled issue body", TEXT,
      GHA_EV_ISSUES | GHA_EV_ISSUE_COMMENT },
    { "github.event.pull_request.title", "attacker-controlled pull request title", TEXT, PRA },
    { "github.event.pull_request.body", "attacker-controlled pull request body", TEXT, PRA },
    { "github.event.pull_request.head.ref", "attacker-controlled pull request branch name",
      TEXT | HEAD, PRA },
    { "github.event.pull_request.head.label", "attacker-controlled pull request head label", TEXT,
      PRA },
    { "github.event.pull_request.head.repo.default_branch",
      "attacker-controlled default branch of the pull request's repository", TEXT, PRA },
    { "github.event.pull_request.head.sha", "the pull request's head commit", HEAD, PRA },
    { "github.event.pull_request.merge_commit_sha", "the pull request's merge commit", HEAD, PRA },
    { "github.event.pull_request.head.repo.full_name", "the pull request's repository", HEAD, PRA },
    { "github.event.pull_request.head.repo.clone_url", "the pull request's repository", HEAD, PRA },
    { "github.event.pull_request.head.repo.ssh_url", "the pull request's repository", HEAD, PRA },
    { "github.event.pull_request.head.repo.git_url", "the pull request's repository", HEAD, PRA },
    { "github.event.pull_request.head.repo.html_url", "the pull request's repository", HEAD, PRA },
    { "github.event.comment.body", "attacker-controlled comment body", TEXT,
      GHA_EV_ISSUE_COMMENT | GHA_EV_PR_REVIEW_COMMENT | GHA_EV_DISCUSSION_COMMENT |
          GHA_EV_COMMIT_COMMENT },
    { "github.event.review.body", "attacker-controlled pull request review body", TEXT,
      GHA_EV_PR_REVIEW },
    { "github.event.review_comment.body", "attacker-controlled review comment body", TEXT,
      GHA_EV_PR_REVIEW_COMMENT },
    { "github.event.discussion.title", "attacker-controlled discussion title", TEXT,
      GHA_EV_DISCUSSION | GHA_EV_DISCUSSION_COMMENT },
    { "github.event.discussion.body", "attacker-controlled discussion body", TEXT,
      GHA_EV_DISCUSSION | GHA_EV_DISCUSSION_COMMENT },
    { "github.event.pages.*.page_name", "attacker-controlled wiki page name", TEXT, GHA_EV_GOLLUM },
    { "github.event.pages.*.title", "attacker-controlled wiki page title", TEXT, GHA_EV_GOLLUM },
    { "github.event.commits.*.message", "attacker-controlled commit message", TEXT, GHA_EV_PUSH },
    { "github.event.commits.*.author", "attacker-controlled commit author name and e-mail", TEXT,
      GHA_EV_PUSH },
    { "github.event.commits.*.committer", "attacker-controlled committer name and e-mail", TEXT,
      GHA_EV_PUSH },
    { "github.event.head_commit.message", "attacker-controlled commit message", TEXT, GHA_EV_PUSH },
    { "github.event.head_commit.author", "attacker-controlled commit author name and e-mail", TEXT,
      GHA_EV_PUSH },
    { "github.event.head_commit.committer", "attacker-controlled committer name and e-mail", TEXT,
      GHA_EV_PUSH },
    { "github.event.merge_group.head_commit.message", "attacker-controlled commit message", TEXT,
      GHA_EV_MERGE_GROUP },
    { "github.event.merge_group.head_commit.author",
      "attacker-controlled commit author name and e-mail", TEXT, GHA_EV_MERGE_GROUP },
    { "github.head_ref", "attacker-controlled pull request branch name", TEXT | HEAD,
      GHA_EV_PR | GHA_EV_PR_TARGET },
    { "github.event.workflow_run.head_branch",
      "attacker-controlled branch name of the triggering run", TEXT | HEAD, GHA_EV_WORKFLOW_RUN },
    { "github.event.workflow_run.head_sha", "the triggering run's commit", HEAD,
      GHA_EV_WORKFLOW_RUN },
    { "github.event.workflow_run.head_commit.id", "the triggering run's commit", HEAD,
      GHA_EV_WORKFLOW_RUN },
    { "github.event.workflow_run.head_commit.message",
      "attacker-controlled commit message of the triggering run", TEXT, GHA_EV_WORKFLOW_RUN },
    { "github.event.workflow_run.head_commit.author",
      "attacker-controlled commit author of the triggering run", TEXT, GHA_EV_WORKFLOW_RUN },
    { "github.event.workflow_run.head_commit.committer",
      "attacker-controlled committer of the triggering run", TEXT, GHA_EV_WORKFLOW_RUN },
    { "github.event.workflow_run.display_title", "attacker-controlled title of the triggering run",
      TEXT, GHA_EV_WORKFLOW_RUN },
    { "github.event.workflow_run.pull_requests.*.head.ref",
      "attacker-controlled pull request branch name", TEXT | HEAD, GHA_EV_WORKFLOW_RUN },
    { "github.event.workflow_run.pull_requests.*.head.sha", "the pull request's head commit", HEAD,
      GHA_EV_WORKFLOW_RUN },
    { "github.event.workflow_run.head_repository.full_name", "the triggering run's repository",
      HEAD, GHA_EV_WORKFLOW_RUN },
    { "github.event.workflow_run.head_repository.clone_url", "the triggering run's repository",
      HEAD, GHA_EV_WORKFLOW_RUN },
    { "github.event.client_payload", "client_payload of a repository_dispatch event", TEXT,
      GHA_EV_REPOSITORY_DISPATCH },
    { "github.event.inputs", "workflow_dispatch input", INPUT, GHA_EV_WORKFLOW_DISPATCH },
    { "inputs", "input", INPUT, 0 },
};
const size_t gha_nsources = sizeof(gha_sources) / sizeof(gha_sources[0]);

static const struct {
    const char *name;
    unsigned bit;
} events[] = {
    { "push", GHA_EV_PUSH },
    { "pull_request", GHA_EV_PR },
    { "pull_request_target", GHA_EV_PR_TARGET },
    { "pull_request_review", GHA_EV_PR_REVIEW },
    { "pull_request_review_comment", GHA_EV_PR_REVIEW_COMMENT },
    { "issues", GHA_EV_ISSUES },
    { "issue_comment", GHA_EV_ISSUE_COMMENT },
    { "discussion", GHA_EV_DISCUSSION },
    { "discussion_comment", GHA_EV_DISCUSSION_COMMENT },
    { "workflow_run", GHA_EV_WORKFLOW_RUN },
    { "workflow_call", GHA_EV_WORKFLOW_CALL },
    { "workflow_dispatch", GHA_EV_WORKFLOW_DISPATCH },
    { "repository_dispatch", GHA_EV_REPOSITORY_DISPATCH },
    { "gollum", GHA_EV_GOLLUM },
    { "commit_comment", GHA_EV_COMMIT_COMMENT },
    { "release", GHA_EV_RELEASE },
    { "merge_group", GHA_EV_MERGE_GROUP },
    { "schedule", GHA_EV_SCHEDULE },
};

unsigned gha_event_bit(const char *name)
{
    for (size_t i = 0; name && i < sizeof(events) / sizeof(events[0]); i++)
        if (strcmp(name, events[i].name) == 0)
            return events[i].bit;
    return GHA_EV_OTHER;
}

bool gha_uses_is(const char *uses, const char *name)
{
    size_t n = strlen(name), un;
    const char *at;

    if (!uses)
        return false;
    at = strchr(uses, '@');
    un = at ? (size_t)(at - uses) : strlen(uses);
    if (n >= 2 && strcmp(name + n - 2, "/*") == 0)
        return un > n - 1 && strncasecmp(uses, name, n - 1) == 0;
    return un == n && strncasecmp(uses, name, n) == 0;
}

/* Inputs that hold a script which the action runs like run: runs its own. */
static const struct {
    const char *action, *input, *lang;
} script_inputs[] = {
    { "actions/github-script", "script", "JavaScript" },
    { "appleboy/ssh-action", "script", "remote shell script" },
    { "garygrossgarten/github-action-ssh", "command", "remote shell command" },
    { "azure/cli", "inlinescript", "Azure CLI script" },
    { "azure/powershell", "inlinescript", "PowerShell script" },
    { "amadevus/pwsh-script", "script", "PowerShell script" },
    { "addnab/docker-run-action", "run", "container shell script" },
    { "kohlerdominik/docker-run-action", "run", "container shell script" },
    { "uraimo/run-on-arch-action", "run", "shell script" },
    { "cross-platform-actions/action", "run", "shell script" },
    { "vmactions/*", "run", "VM shell script" },
    { "vmactions/*", "prepare", "VM shell script" },
    { "nick-fields/retry", "command", "shell command" },
    { "nick-invision/retry", "command", "shell command" },
    { "wandalen/wretry.action", "command", "shell command" },
    { "jannekem/run-python-script-action", "script", "Python script" },
    { "mikefarah/yq", "cmd", "shell command" },
    { "gabrielbb/xvfb-action", "run", "shell command" },
    { "coactions/setup-xvfb", "run", "shell command" },
};

const char *gha_script_input(const char *uses, const char *input)
{
    for (size_t i = 0; input && i < sizeof(script_inputs) / sizeof(script_inputs[0]); i++)
        if (strcasecmp(input, script_inputs[i].input) == 0 &&
            gha_uses_is(uses, script_inputs[i].action))
            return script_inputs[i].lang;
    return NULL;
}

static const struct cy_node *input(const struct cy_node *with, const char *name)
{
    for (size_t i = 0; with && with->kind == CY_MAP && i < with->n; i++)
        if (cy_str(with->keys[i]) && strcasecmp(cy_str(with->keys[i]), name) == 0)
            return with->items[i];
    return NULL;
}

static bool input_true(const struct cy_node *with, const char *name)
{
    const char *v = cy_str(input(with, name));
    return v && strcasecmp(v, "true") == 0;
}

static bool input_set(const struct cy_node *with, const char *name)
{
    const char *v = cy_str(input(with, name));
    return v && v[0] && strcasecmp(v, "false") != 0;
}

const char *gha_action_builds(const char *uses, const struct cy_node *with)
{
    static const struct {
        const char *action, *what;
    } always[] = {
        { "docker/build-push-action", "docker build of the checked-out Dockerfile" },
        { "docker/bake-action", "docker buildx bake" },
        { "github/codeql-action/autobuild", "CodeQL autobuild" },
        { "pre-commit/action", "pre-commit hooks" },
        { "cypress-io/github-action", "npm install and Cypress" },
        { "bahmutov/npm-install", "npm install" },
        { "borales/actions-yarn", "yarn" },
        { "goreleaser/goreleaser-action", "goreleaser" },
        { "devcontainers/ci", "a dev container build" },
        { "pypa/cibuildwheel", "cibuildwheel" },
        { "pyo3/maturin-action", "maturin" },
        { "actions-rs/cargo", "cargo" },
        { "changesets/action", "the changesets scripts" },
        { "artiomtr/jest-coverage-report-action", "jest" },
        { "andresz1/size-limit-action", "the package's build" },
        { "preactjs/compressed-size-action", "npm install and build" },
        { "chromaui/action", "a Storybook build" },
        { "withastro/action", "an Astro build" },
        { "ammaraskar/sphinx-action", "sphinx (conf.py)" },
        { "gabrielbb/xvfb-action", "a command" },
        { "coactions/setup-xvfb", "a command" },
    };

    for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
        if (gha_uses_is(uses, always[i].action))
            return always[i].what;
    if (gha_uses_is(uses, "gradle/gradle-build-action") && input_set(with, "arguments"))
        return "gradle";
    if (gha_uses_is(uses, "pnpm/action-setup") && input_set(with, "run_install"))
        return "pnpm install";
    if (gha_uses_is(uses, "ruby/setup-ruby") && input_true(with, "bundler-cache"))
        return "bundle install (the Gemfile is Ruby)";
    return NULL;
}

const char *gha_action_publishes(const char *uses, const struct cy_node *with)
{
    static const struct {
        const char *action, *what;
    } always[] = {
        { "pypa/gh-action-pypi-publish", "a PyPI upload" },
        { "softprops/action-gh-release", "a GitHub release" },
        { "ncipollo/release-action", "a GitHub release" },
        { "actions/create-release", "a GitHub release" },
        { "actions/upload-release-asset", "a release asset" },
        { "svenstaro/upload-release-action", "a release asset" },
        { "marvinpinto/action-automatic-releases", "a GitHub release" },
        { "taiki-e/upload-rust-binary-action", "release binaries" },
        { "goreleaser/goreleaser-action", "a goreleaser release" },
        { "js-devtools/npm-publish", "an npm release" },
        { "actions/attest-build-provenance", "a build attestation" },
        { "actions/deploy-pages", "a Pages deployment" },
        { "peaceiris/actions-gh-pages", "a Pages deployment" },
        { "jamesives/github-pages-deploy-action", "a Pages deployment" },
        { "googleapis/release-please-action", "a release" },
        { "google-github-actions/release-please-action", "a release" },
    };

    for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
        if (gha_uses_is(uses, always[i].action))
            return always[i].what;
    if ((gha_uses_is(uses, "docker/build-push-action") ||
         gha_uses_is(uses, "docker/bake-action")) &&
        input_true(with, "push"))
        return "a container image push";
    if (gha_uses_is(uses, "changesets/action") && input_set(with, "publish"))
        return "a changesets release";
    return NULL;
}

/* The major version of a ref like v4 or v4.1.2; -1 if it is not one. */
static int major(const char *uses)
{
    const char *at = uses ? strchr(uses, '@') : NULL;
    int v = 0;

    if (!at || (at[1] != 'v' && at[1] != 'V') || at[2] < '0' || at[2] > '9')
        return -1;
    for (at += 2; *at >= '0' && *at <= '9' && v < 1000; at++)
        v = v * 10 + (*at - '0');
    return v;
}

const char *gha_action_caches(const char *uses, const struct cy_node *with)
{
    const char *v;

    if (gha_uses_is(uses, "actions/cache") || gha_uses_is(uses, "actions/cache/restore"))
        return "actions/cache";
    if (gha_uses_is(uses, "actions/setup-node") && input_set(with, "cache"))
        return "actions/setup-node with cache:";
    if (gha_uses_is(uses, "actions/setup-python") && input_set(with, "cache"))
        return "actions/setup-python with cache:";
    if (gha_uses_is(uses, "actions/setup-java") && input_set(with, "cache"))
        return "actions/setup-java with cache:";
    if (gha_uses_is(uses, "actions/setup-dotnet") && input_true(with, "cache"))
        return "actions/setup-dotnet with cache:";
    if (gha_uses_is(uses, "actions/setup-go")) {
        /* caching is on by default since v4 */
        v = cy_str(input(with, "cache"));
        if (v ? strcasecmp(v, "true") == 0 : (major(uses) < 0 || major(uses) >= 4))
            return v ? "actions/setup-go with cache:" : "actions/setup-go (caches by default)";
        return NULL;
    }
    if (gha_uses_is(uses, "ruby/setup-ruby") && input_true(with, "bundler-cache"))
        return "ruby/setup-ruby with bundler-cache:";
    if (gha_uses_is(uses, "astral-sh/setup-uv")) {
        /* enable-cache defaults to auto (on for GitHub-hosted runners) since v5 */
        v = cy_str(input(with, "enable-cache"));
        if (v ? strcasecmp(v, "true") == 0 || strcasecmp(v, "auto") == 0
              : (major(uses) < 0 || major(uses) >= 5))
            return v ? "astral-sh/setup-uv with enable-cache:"
                     : "astral-sh/setup-uv (caches by default)";
        return NULL;
    }
    if (gha_uses_is(uses, "denoland/setup-deno") && input_true(with, "cache"))
        return "denoland/setup-deno with cache:";
    if (gha_uses_is(uses, "swatinem/rust-cache"))
        return "Swatinem/rust-cache";
    if (gha_uses_is(uses, "hendrikmuhs/ccache-action"))
        return "hendrikmuhs/ccache-action";
    if (gha_uses_is(uses, "determinatesystems/magic-nix-cache-action"))
        return "magic-nix-cache";
    if (gha_uses_is(uses, "actions-rust-lang/setup-rust-toolchain")) {
        v = cy_str(input(with, "cache"));
        return v && strcasecmp(v, "false") == 0 ? NULL : "setup-rust-toolchain (caches by default)";
    }
    if (gha_uses_is(uses, "jdx/mise-action")) {
        v = cy_str(input(with, "cache"));
        return v && strcasecmp(v, "false") == 0 ? NULL : "jdx/mise-action (caches by default)";
    }
    if (gha_uses_is(uses, "gradle/actions/setup-gradle") ||
        gha_uses_is(uses, "gradle/gradle-build-action"))
        return input_true(with, "cache-disabled") ? NULL : "the Gradle action (caches by default)";
    if (gha_uses_is(uses, "docker/build-push-action") || gha_uses_is(uses, "docker/bake-action")) {
        v = cy_str(input(with, "cache-from"));
        if (!v)
            v = cy_str(input(with, "set"));
        return v && strstr(v, "type=gha") ? "docker build with cache-from: type=gha" : NULL;
    }
    return NULL;
}

unsigned gha_action_outputs(const char *uses, const char *output, const char **what)
{
    *what = NULL;
    if (gha_uses_is(uses, "tj-actions/changed-files") ||
        gha_uses_is(uses, "jitterbit/get-changed-files") ||
        gha_uses_is(uses, "ana06/get-changed-files")) {
        *what = "attacker-controlled names of changed files";
        return GHA_T_TEXT;
    }
    if (gha_uses_is(uses, "xt0rted/pull-request-comment-branch") && output) {
        if (strcasecmp(output, "head_ref") == 0) {
            *what = "attacker-controlled pull request branch name";
            return GHA_T_TEXT | GHA_T_HEAD;
        }
        if (strcasecmp(output, "head_sha") == 0) {
            *what = "the pull request's head commit";
            return GHA_T_HEAD;
        }
    }
    return 0;
}
