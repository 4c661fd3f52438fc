/* The table of GitHub Actions audits: what SARIF, `moat rules` and the docs
 * say about each one. The ids and severities are interface; the audits
 * themselves are in gha.c and gha_steps.c. */
#include "config.h"
#include "core/banned.h"

#define DOC(id) "docs/rules/config/" id ".md"

const struct moat_rule_meta cfg_gha_rules[] = {
    [GHA_R_TEMPLATE_INJECTION] = { "gha-template-injection", "config",
                                   "Attacker-controlled value expanded into a workflow script",
                                   "GitHub pastes the text of ${{ }} expressions into run: scripts "
                                   "(and github-script and "
                                   "similar inline scripts) before the shell runs them, so a pull "
                                   "request title, issue "
                                   "body, branch name or commit message written by an outsider "
                                   "becomes code that runs with "
                                   "the workflow's token and secrets.",
                                   "CWE-94", MOAT_SEV_HIGH, MOAT_CONF_HIGH,
                                   "Pass the value through env: (env: TITLE: ${{ "
                                   "github.event.issue.title }}) and use it "
                                   "quoted as \"$TITLE\" in the script, so the shell treats it as "
                                   "data.",
                                   DOC("gha-template-injection") },
    [GHA_R_UNTRUSTED_CHECKOUT] = { "gha-untrusted-checkout", "config",
                                   "Privileged workflow checks out and runs pull request code",
                                   "A pull_request_target, workflow_run or issue_comment workflow "
                                   "runs with the base "
                                   "repository's secrets and a write token; checking out the pull "
                                   "request's head and then "
                                   "building, installing or running it executes code any outsider "
                                   "controls in that "
                                   "privileged context.",
                                   "CWE-829", MOAT_SEV_CRITICAL, MOAT_CONF_HIGH,
                                   "Build pull requests in an unprivileged pull_request workflow "
                                   "and hand results to the "
                                   "privileged one as artifacts, or restrict the job to "
                                   "same-repository pull requests.",
                                   DOC("gha-untrusted-checkout") },
    [GHA_R_DANGEROUS_TRIGGER] = { "gha-dangerous-trigger", "config",
                                  "Workflow triggered by pull_request_target or workflow_run",
                                  "pull_request_target and workflow_run run with the base "
                                  "repository's secrets and a "
                                  "write token on events that outsiders cause, so any mistake in "
                                  "the workflow (checking "
                                  "out or expanding pull request data) hands those privileges to "
                                  "an attacker.",
                                  "CWE-829", MOAT_SEV_MEDIUM, MOAT_CONF_HIGH,
                                  "Use pull_request where possible; otherwise never check out or "
                                  "run pull request code, "
                                  "keep permissions minimal and treat every event field as "
                                  "untrusted.",
                                  DOC("gha-dangerous-trigger") },
    [GHA_R_UNPINNED_ACTION] = { "gha-unpinned-action", "config",
                                "Action or reusable workflow not pinned to a commit SHA",
                                "A tag or branch can be moved by whoever controls the action's "
                                "repository (or steals "
                                "its credentials, as in the tj-actions/changed-files compromise), "
                                "changing the code "
                                "that runs in the workflow with its token and secrets.",
                                "CWE-829", MOAT_SEV_MEDIUM, MOAT_CONF_HIGH,
                                "Pin uses: to a full 40-character commit SHA (with the version in "
                                "a comment) and let "
                                "Dependabot or Renovate update it; pin docker:// images by "
                                "@sha256: digest.",
                                DOC("gha-unpinned-action") },
    [GHA_R_EXCESSIVE_PERMISSIONS] = { "gha-excessive-permissions", "config",
                                      "Workflow grants write permissions to every job",
                                      "write-all, or write scopes at workflow level that jobs "
                                      "inherit, give every step of "
                                      "every job (including third-party actions) a token that can "
                                      "push code, publish "
                                      "releases or change the repository if any of them is "
                                      "compromised.",
                                      "CWE-250", MOAT_SEV_HIGH, MOAT_CONF_HIGH,
                                      "Set permissions: contents: read (or {}) at workflow level "
                                      "and grant write scopes only "
                                      "to the jobs that need them.",
                                      DOC("gha-excessive-permissions") },
    [GHA_R_MISSING_PERMISSIONS] = { "gha-missing-permissions", "config",
                                    "Job runs with the default token permissions",
                                    "Without a permissions: block the GITHUB_TOKEN gets the "
                                    "repository's default scopes, "
                                    "which are read-write on older repositories and organizations, "
                                    "so a compromised step "
                                    "can push code or tamper with releases.",
                                    "CWE-250", MOAT_SEV_MEDIUM, MOAT_CONF_HIGH,
                                    "Add permissions: contents: read at workflow level (or per "
                                    "job) and widen it only "
                                    "where a job needs more.",
                                    DOC("gha-missing-permissions") },
    [GHA_R_SECRETS_INHERIT] = { "gha-secrets-inherit", "config",
                                "Reusable workflow called with secrets: inherit",
                                "secrets: inherit passes every secret of the repository and "
                                "organization to the "
                                "called workflow, so a bug or compromise there exposes secrets it "
                                "never needed.",
                                "CWE-200", MOAT_SEV_MEDIUM, MOAT_CONF_HIGH,
                                "Pass only the secrets the called workflow declares: secrets: "
                                "NAME: ${{ secrets.NAME }}.",
                                DOC("gha-secrets-inherit") },
    [GHA_R_OVERPROVISIONED_SECRETS] = { "gha-overprovisioned-secrets", "config",
                                        "Whole secrets context serialized with toJSON(secrets)",
                                        "toJSON(secrets) hands every secret the workflow can read "
                                        "to one step, so whatever "
                                        "reads that value (a script, an action, a log) gets all of "
                                        "them at once.",
                                        "CWE-200", MOAT_SEV_MEDIUM, MOAT_CONF_HIGH,
                                        "Reference the individual secrets the step needs: ${{ "
                                        "secrets.NAME }}.",
                                        DOC("gha-overprovisioned-secrets") },
    [GHA_R_SELF_HOSTED_RUNNER] = { "gha-self-hosted-runner", "config",
                                   "Self-hosted runner used by a workflow pull requests can "
                                   "trigger",
                                   "Anyone who can open a pull request or comment on one can start "
                                   "this job on a "
                                   "self-hosted runner, where code from a fork can persist on the "
                                   "machine, read other "
                                   "jobs' secrets and reach the internal network.",
                                   "CWE-668", MOAT_SEV_HIGH, MOAT_CONF_HIGH,
                                   "Run pull request workflows on GitHub-hosted runners, or use "
                                   "ephemeral, isolated "
                                   "self-hosted runners and require approval for outside "
                                   "contributors.",
                                   DOC("gha-self-hosted-runner") },
    [GHA_R_INSECURE_COMMANDS] = { "gha-insecure-commands", "config",
                                  "ACTIONS_ALLOW_UNSECURE_COMMANDS enabled",
                                  "The deprecated ::set-env and ::add-path workflow commands let "
                                  "anything a step prints "
                                  "(a test name, a log line an attacker controls) set environment "
                                  "variables such as "
                                  "LD_PRELOAD or NODE_OPTIONS for later steps, which runs code.",
                                  "CWE-77", MOAT_SEV_HIGH, MOAT_CONF_HIGH,
                                  "Remove ACTIONS_ALLOW_UNSECURE_COMMANDS and write to $GITHUB_ENV "
                                  "and $GITHUB_PATH "
                                  "files instead.",
                                  DOC("gha-insecure-commands") },
    [GHA_R_GITHUB_ENV] = { "gha-github-env", "config",
                           "Write to $GITHUB_ENV or $GITHUB_PATH in a privileged workflow",
                           "In a workflow outsiders trigger with the base repository's privileges, "
                           "a value an "
                           "attacker influences written to $GITHUB_ENV or $GITHUB_PATH can set "
                           "LD_PRELOAD, "
                           "BASH_ENV, NODE_OPTIONS or a PATH entry and so run code in every later "
                           "step.",
                           "CWE-94", MOAT_SEV_HIGH, MOAT_CONF_MEDIUM,
                           "Pass values between steps with step outputs and env: instead, or "
                           "validate the value "
                           "strictly before writing it.",
                           DOC("gha-github-env") },
    [GHA_R_ARTIPACKED] = { "gha-artipacked", "config",
                           "Checkout credentials uploaded in an artifact",
                           "actions/checkout leaves the GITHUB_TOKEN in .git/config unless "
                           "persist-credentials "
                           "is false; uploading the workspace with its .git directory publishes "
                           "that token to "
                           "anyone who can download the workflow's artifacts.",
                           "CWE-522", MOAT_SEV_MEDIUM, MOAT_CONF_HIGH,
                           "Set persist-credentials: false on actions/checkout and upload only the "
                           "build outputs, "
                           "never the workspace root.",
                           DOC("gha-artipacked") },
    [GHA_R_CACHE_POISONING] = { "gha-cache-poisoning", "config",
                                "Cache restored in a release or publishing workflow",
                                "GitHub Actions caches are shared with workflows that run "
                                "untrusted code (pull "
                                "requests, forks' branches after merge), so a poisoned cache "
                                "restored while building a "
                                "release can put an attacker's code into the published artifact.",
                                "CWE-345", MOAT_SEV_HIGH, MOAT_CONF_LOW,
                                "Do not restore caches in jobs that build or publish releases: "
                                "disable the setup "
                                "action's cache there and build from a clean state.",
                                DOC("gha-cache-poisoning") },
    [GHA_R_PIPE_TO_SHELL] = { "gha-pipe-to-shell", "config", "Downloaded script piped into a shell",
                              "curl | sh runs whatever the server (or anyone who compromises it or "
                              "the connection's "
                              "endpoint) sends at that moment, unreviewed and unverified, with the "
                              "job's token and "
                              "secrets.",
                              "CWE-494", MOAT_SEV_MEDIUM, MOAT_CONF_HIGH,
                              "Download to a file, verify its checksum or signature, then run it; "
                              "or use a pinned "
                              "action or package.",
                              DOC("gha-pipe-to-shell") },
    [GHA_R_UNPINNED_IMAGE] = { "gha-unpinned-image", "config",
                               "Job container or service image not pinned",
                               "An image without a tag (or tagged latest) changes whenever its "
                               "publisher pushes, so "
                               "the job runs whatever the registry serves that day, with the job's "
                               "token and secrets.",
                               "CWE-829", MOAT_SEV_MEDIUM, MOAT_CONF_HIGH,
                               "Pin the image by digest: image: node:20@sha256:<digest>.",
                               DOC("gha-unpinned-image") },
    [GHA_R_HARDCODED_CONTAINER_CREDENTIALS] = { "gha-hardcoded-container-credentials", "config",
                                                "Registry password written in the workflow",
                                                "A literal credentials: password: for a job "
                                                "container or service is readable by "
                                                "everyone who can read the repository and stays in "
                                                "its git history.",
                                                "CWE-798", MOAT_SEV_HIGH, MOAT_CONF_HIGH,
                                                "Revoke the password, store it as a secret and use "
                                                "password: ${{ secrets.NAME }}.",
                                                DOC("gha-hardcoded-container-credentials") },
};
const size_t cfg_gha_nrules = sizeof(cfg_gha_rules) / sizeof(cfg_gha_rules[0]);
