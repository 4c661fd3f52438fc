/* The config analyzer's one internal header: a YAML loader that keeps line
 * numbers and resolves what GitLab users write (anchors, aliases, merge keys,
 * !reference, multi-document files), the Dockerfile parser, and the audits
 * of GitHub Actions workflows, GitLab CI files and Dockerfiles.
 *
 * Sections are owned by one file group each (named in the section title);
 * add declarations only to the section of the files you change. */
#ifndef MOAT_SCAN_CONFIG_H
#define MOAT_SCAN_CONFIG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <moat/findings.h>
#include "scan/scan.h"

/* The analyzer `moat scan` runs (listed in src/scan/analyzers.c). */
extern const struct scan_analyzer scan_config_analyzer;

/* ---- YAML documents (yaml.c) ---- */

#define CY_MAX_BYTES  (8u << 20) /* bytes of one YAML file */
#define CY_MAX_DEPTH  64         /* nesting of collections */
#define CY_MAX_NODES  1000000    /* nodes after alias expansion (billion laughs) */
#define CY_MAX_SCALAR (1u << 20) /* bytes of one scalar */
#define CY_MAX_DOCS   16         /* documents in one file */

enum cy_kind {
    CY_SCALAR,
    CY_SEQ,
    CY_MAP,
};

enum cy_style {
    CY_PLAIN,
    CY_SINGLE,  /* 'x' */
    CY_DOUBLE,  /* "x" */
    CY_LITERAL, /* | block: each '\n' in str is one source line */
    CY_FOLDED,  /* > block */
};

/* Where one source line of a multi-line scalar starts in its value. */
struct cy_lpos {
    size_t off;    /* byte offset in str */
    unsigned line; /* 1-based line of str[off], counted at '\n' (so two
                    * YAML lines split by a lone CR share one) */
    unsigned col;  /* 1-based source column (bytes) of str[off] */
};

struct cy_index;

/* One node. A node reached through an alias is a copy whose line and col are
 * where the alias is (where it takes effect), for it and everything below
 * it, and whose src_line is where the anchored text is. A scalar's line and
 * col are those of its text (a block scalar's | or > indicator), past any
 * &anchor or !tag. Map entries keep source order and are built as Ruby's
 * Psych (GitLab's loader) builds them: `<<: *x` sets x's entries over what
 * the mapping has so far, keys after it override merged ones, and in
 * `<<: [*a, *b]` the earlier mapping wins; a key already present keeps its
 * place. `<<` with a value that is not a mapping (or list of them) is an
 * ordinary key. The same key twice outside merges is refused. */
struct cy_node {
    enum cy_kind kind;
    enum cy_style style; /* scalars */
    const char *tag;     /* "!reference" etc., or NULL */
    unsigned line, col;  /* 1-based, where it takes effect */
    unsigned src_line;   /* 1-based, where its text is */
    const char *str;     /* scalar value, NUL-terminated (may hold NULs: use len) */
    size_t len;
    struct cy_node **items; /* CY_SEQ items; CY_MAP values */
    struct cy_node **keys;  /* CY_MAP keys (scalars) */
    size_t n;
    /* block scalars and flow scalars over several lines: where each source
     * line starts in str, by offset (cy_line_at); NULL if unknown */
    const struct cy_lpos *lpos;
    size_t nlpos;
    /* mappings of more than 16 keys: yaml.c's hash index of the keys, so
     * cy_get stays constant-time on files built to make it slow */
    const struct cy_index *idx;
};

struct cy_doc;

/* Load every document of a YAML file. Errors (MOAT_EPARSE with "line:col:
 * what", MOAT_ETOOBIG for a limit above) leave *out NULL. */
MOAT_NODISCARD int cy_load(const unsigned char *data, size_t len, struct cy_doc **out,
                           struct moat_err *err);
void cy_free(struct cy_doc *d);
size_t cy_ndocs(const struct cy_doc *d);
const struct cy_node *cy_root(const struct cy_doc *d, size_t i); /* NULL for an empty doc */
/* Map lookup by key; NULL if absent or m is not a map. */
const struct cy_node *cy_get(const struct cy_node *m, const char *key);
/* The scalar's text, or NULL if n is NULL or not a scalar. */
const char *cy_str(const struct cy_node *n);
/* Whether n is a scalar equal to s. */
bool cy_is(const struct cy_node *n, const char *s);
/* Line of byte off inside a scalar: exact for literal blocks (line of the
 * indicator + 1 + line breaks before off), folded blocks and multi-line
 * plain and quoted scalars (the source line whose text holds that byte; a
 * folding space or break belongs to the line before it). A copy made by an
 * alias answers the alias's line for every byte; a scalar on one line, its
 * line. 0 for NULL. */
unsigned cy_line_at(const struct cy_node *n, size_t off);
/* Column (1-based, bytes) of byte off inside a scalar, on cy_line_at's line:
 * exact unless an escape sequence precedes it on that line. */
unsigned cy_col_at(const struct cy_node *n, size_t off);

/* ---- reporting (analyzer.c) ---- */

/* What an audit works on: one file. */
struct cfg_ctx {
    struct scan_worker *w;
    const struct scan_blob *b;
    void *state; /* the analyzer's */
    void *wstate;
    bool pedantic;
    const char *disk_dir; /* directory of the file on disk (GitLab local
                           * includes), or NULL for git blobs */
};

/* Report rule at line/col of the current file. sev overrides the rule's
 * default when >= 0. The message names the untrusted value and the sink;
 * evidence is the text the fingerprint is taken from (the expression, the
 * instruction), never a secret value. */
void cfg_report(struct cfg_ctx *c, const struct moat_rule_meta *rule, int sev, enum moat_conf conf,
                unsigned line, unsigned col, const char *evidence, const char *fmt, ...)
    MOAT_PRINTF(8, 9);
/* Whether value is a secret the secret rules recognize (or, with name, a
 * secret-like name holding a literal, random-looking value). On a hit,
 * *rule_id names the secret rule (static). */
bool cfg_is_secret(struct cfg_ctx *c, const char *name, const char *value, size_t len,
                   const char **rule_id);

/* ---- GitHub Actions (gha*.c) ---- */
extern const struct moat_rule_meta cfg_gha_rules[];
extern const size_t cfg_gha_nrules;
/* Audit a workflow (a file in .github/workflows) or a composite action (action.yml). */
void cfg_gha_audit(struct cfg_ctx *c, const struct cy_doc *d, bool action);

/* What follows is internal to gha*.c (and their unit tests). */

/* `${{ }}` expressions (gha_expr.c). */
#define GHA_EXPR_MAX_DEPTH 64 /* nesting of one expression */

enum gha_ek {
    GHA_E_LIT,    /* null, true, false or a number: s is its text */
    GHA_E_STR,    /* 'string': s is the value */
    GHA_E_PATH,   /* context access: s is the path, lowercased and '.'-joined,
                   * with '*' for wildcards and numeric or computed indexes;
                   * a[] holds the computed index expressions */
    GHA_E_CALL,   /* s is the lowercased function name, a[] the arguments */
    GHA_E_NOT,    /* !a[0] */
    GHA_E_AND,    /* a[0] && a[1] */
    GHA_E_OR,     /* a[0] || a[1] */
    GHA_E_CMP,    /* a[0] s a[1]; s is == != < <= > or >= */
    GHA_E_MEMBER, /* property or index of a computed value a[0]; a[1] the index if any */
};

struct gha_expr {
    enum gha_ek k;
    const char *s;
    struct gha_expr **a;
    size_t n;
};

/* Find the next `${{ ... }}` in s at or after *pos, skipping the expression
 * language's 'strings' (which may hold "}}"). On success sets *start to its
 * "$", *end past its "}}" and *pos to *end; false when there is none left
 * (an unterminated one counts as none: GitHub refuses the file). */
bool gha_expr_find(const char *s, size_t len, size_t *pos, size_t *start, size_t *end);
/* Parse an expression's text (without "${{" and "}}") into a tree allocated
 * in a. NULL on a syntax error or nesting deeper than GHA_EXPR_MAX_DEPTH. */
struct gha_expr *gha_expr_parse(struct moat_arena *a, const char *s, size_t len);
/* Call fn with each context path whose value can become (part of) the
 * result: not those only tested (contains(), ==, !, the left of &&). */
void gha_expr_values(const struct gha_expr *e, void (*fn)(void *arg, const char *path), void *arg);
/* Call fn with every context path e reads. */
void gha_expr_paths(const struct gha_expr *e, void (*fn)(void *arg, const char *path), void *arg);
/* Whether e can be true only for a pull request from the repository itself:
 * a conjunct compares head.repo.full_name with github.repository (or the
 * owners), or requires head.repo.fork to be false. */
bool gha_expr_same_repo(const struct gha_expr *e);
/* Whether e serializes the whole secrets context (toJSON(secrets)). */
bool gha_expr_dumps_secrets(const struct gha_expr *e);

enum gha_pm {
    GHA_PM_NONE,
    GHA_PM_MATCH,    /* the path is the pattern or below it */
    GHA_PM_CONTAINS, /* the path is an object that holds the pattern */
};
/* Match a lowercased path with a pattern; '*' on either side matches one segment. */
enum gha_pm gha_path_match(const char *path, const char *pattern);

/* Workflow triggers as bits (gha_data.c). */
enum {
    GHA_EV_PUSH = 1u << 0,
    GHA_EV_PR = 1u << 1, /* pull_request */
    GHA_EV_PR_TARGET = 1u << 2,
    GHA_EV_PR_REVIEW = 1u << 3,
    GHA_EV_PR_REVIEW_COMMENT = 1u << 4,
    GHA_EV_ISSUES = 1u << 5,
    GHA_EV_ISSUE_COMMENT = 1u << 6,
    GHA_EV_DISCUSSION = 1u << 7,
    GHA_EV_DISCUSSION_COMMENT = 1u << 8,
    GHA_EV_WORKFLOW_RUN = 1u << 9,
    GHA_EV_WORKFLOW_CALL = 1u << 10,
    GHA_EV_WORKFLOW_DISPATCH = 1u << 11,
    GHA_EV_REPOSITORY_DISPATCH = 1u << 12,
    GHA_EV_GOLLUM = 1u << 13,
    GHA_EV_COMMIT_COMMENT = 1u << 14,
    GHA_EV_RELEASE = 1u << 15,
    GHA_EV_MERGE_GROUP = 1u << 16,
    GHA_EV_SCHEDULE = 1u << 17,
    GHA_EV_OTHER = 1u << 18,
};
#define GHA_EV_PR_ANY (GHA_EV_PR | GHA_EV_PR_TARGET | GHA_EV_PR_REVIEW | GHA_EV_PR_REVIEW_COMMENT)
/* The bit of a trigger name (case-sensitive, as GitHub reads it). */
unsigned gha_event_bit(const char *name);

/* What GitHub Actions knows about values and actions (gha_data.c). */
#define GHA_T_TEXT  1u /* attacker-controlled text: template injection */
#define GHA_T_HEAD  2u /* names the pull request's code: untrusted checkout */
#define GHA_T_INPUT 4u /* an input of the workflow or action: --pedantic only */

struct gha_source {
    const char *pattern; /* lowercased path; '*' matches one segment */
    const char *what;    /* for messages: "attacker-controlled issue title" */
    unsigned flags;      /* GHA_T_* */
    unsigned events;     /* GHA_EV_* whose payload sets it; 0: any */
};
extern const struct gha_source gha_sources[];
extern const size_t gha_nsources;

/* Whether uses ("owner/repo[/path]@ref") names the action name (no ref),
 * case-insensitively; the repository name "*" stands for every action of an owner. */
bool gha_uses_is(const char *uses, const char *name);
/* The language of the script that input of action uses holds (as run: does),
 * e.g. "JavaScript" for actions/github-script's script; NULL if none. */
const char *gha_script_input(const char *uses, const char *input);
/* What the action runs from the checked-out tree ("docker build"), or NULL. */
const char *gha_action_builds(const char *uses, const struct cy_node *with);
/* What the action publishes ("a PyPI release"), or NULL. */
const char *gha_action_publishes(const char *uses, const struct cy_node *with);
/* How the action restores a cache ("actions/setup-node with cache: npm"), or NULL. */
const char *gha_action_caches(const char *uses, const struct cy_node *with);
/* GHA_T_* of the outputs of an action known to output attacker-controlled
 * values (changed file names, the pull request's branch); *what says which. */
unsigned gha_action_outputs(const char *uses, const char *output, const char **what);

/* Scripts of run: steps: reading them (gha_shell.c), what commands do
 * (gha_cmds.c), writes to the runner's files (gha_writes.c). */
enum gha_lang {
    GHA_LANG_SH, /* bash, sh and the default shell */
    GHA_LANG_PWSH,
    GHA_LANG_CMD,
    GHA_LANG_PYTHON,
    GHA_LANG_JS,
    GHA_LANG_OTHER,
};
/* The language of a run: with this shell: (NULL: bash, pwsh on Windows). */
enum gha_lang gha_shell_lang(const char *shell, bool windows);

enum {
    GHA_SH_CODE,
    GHA_SH_COMMENT,
    GHA_SH_HEREDOC, /* a here-document's body and its end line: data */
};
/* Classify each byte of a script as GHA_SH_*: for the shells, comments (after
 * quoting), here-documents; for the others, whole comment lines. `${{ }}`
 * expressions are opaque (GitHub substitutes them first). Returns len bytes
 * (malloc; the caller frees). */
unsigned char *gha_sh_classify(const char *s, size_t len, enum gha_lang lang);

#define GHA_SH_MAXW 32 /* words of a command the audits look at */
struct gha_sh_word {
    size_t off, len;
};
struct gha_sh_cmd {
    size_t off; /* of the first word */
    bool piped; /* reads the previous command's output (a | b) */
    size_t n;   /* words kept, at most GHA_SH_MAXW */
    struct gha_sh_word w[GHA_SH_MAXW];
};
/* Split a script (comments and here-documents blanked) into simple commands
 * and call fn with each, in order. Quotes, $( ), <( ) and `${{ }}` stay
 * inside their word. */
void gha_sh_commands(const char *code, size_t len,
                     void (*fn)(void *arg, const char *code, const struct gha_sh_cmd *c),
                     void *arg);
/* Word i of c without its quotes into out (cut to outlen - 1 bytes). */
void gha_sh_word(const char *code, const struct gha_sh_cmd *c, size_t i, char *out, size_t outlen);
/* Index of the command's program, past assignments and wrappers (sudo, env,
 * time, ...); c->n if there is none. */
size_t gha_sh_argv0(const char *code, const struct gha_sh_cmd *c);
/* Whether the command runs code of the checked-out tree (builds, installs,
 * tests it); what gets a short name of it ("npm install"). */
bool gha_sh_builds(const char *code, const struct gha_sh_cmd *c, char *what, size_t wlen);
/* Whether the command publishes a release (npm publish, docker push, ...). */
bool gha_sh_publishes(const char *code, const struct gha_sh_cmd *c, char *what, size_t wlen);
/* Whether the command checks out a pull request by number (gh pr checkout,
 * git fetch origin pull/N/head). */
bool gha_sh_pr_checkout(const char *code, const struct gha_sh_cmd *c);
/* Call fn with the offset of each download that is piped or substituted
 * into an interpreter (curl | sh, bash <(curl ...), iwr | iex). */
void gha_sh_pipe_to_shell(const char *code, size_t len, void (*fn)(void *arg, size_t off),
                          void *arg);

/* A write to one of the runner's files ($GITHUB_ENV, $GITHUB_PATH, $GITHUB_OUTPUT). */
enum gha_file {
    GHA_F_ENV,
    GHA_F_PATH,
    GHA_F_OUTPUT,
};
struct gha_write {
    enum gha_file file;
    size_t off;  /* where the line names the file (or writes it, in a here-document) */
    size_t name; /* "NAME=value": the name's offset and length (nlen 0 if unknown) */
    size_t nlen;
    size_t value; /* the value's offset and length */
    size_t vlen;
    bool names_file; /* off is where a command names the file: one per write command */
};
/* Call fn with each write of the script (comments blanked, here-documents
 * kept; cls from gha_sh_classify). */
void gha_sh_writes(const char *code, const unsigned char *cls, size_t len, enum gha_lang lang,
                   void (*fn)(void *arg, const struct gha_write *wr), void *arg);

/* Indexes of cfg_gha_rules (gha_rules.c). */
enum {
    GHA_R_TEMPLATE_INJECTION,
    GHA_R_UNTRUSTED_CHECKOUT,
    GHA_R_DANGEROUS_TRIGGER,
    GHA_R_UNPINNED_ACTION,
    GHA_R_EXCESSIVE_PERMISSIONS,
    GHA_R_MISSING_PERMISSIONS,
    GHA_R_SECRETS_INHERIT,
    GHA_R_OVERPROVISIONED_SECRETS,
    GHA_R_SELF_HOSTED_RUNNER,
    GHA_R_INSECURE_COMMANDS,
    GHA_R_GITHUB_ENV,
    GHA_R_ARTIPACKED,
    GHA_R_CACHE_POISONING,
    GHA_R_PIPE_TO_SHELL,
    GHA_R_UNPINNED_IMAGE,
    GHA_R_HARDCODED_CONTAINER_CREDENTIALS,
    GHA_R_COUNT,
};

/* A value that carries another one: env.X, steps.S.outputs.O, needs.J.outputs.O. */
struct gha_src {
    const char *pattern; /* lowercased, as gha_path_match takes it */
    const char *shname;  /* an environment variable's name as scripts see it, or NULL */
    const char *what;    /* where it comes from: "github.head_ref, attacker-controlled ..." */
    const char *head;    /* where its GHA_T_HEAD comes from, or NULL */
    unsigned flags;      /* GHA_T_* */
};
struct gha_srcs {
    struct gha_src *v;
    size_t n, cap;
};

/* One workflow or action being audited (gha.c); everything in arena a. */
struct gha_wf {
    struct cfg_ctx *c;
    struct moat_arena *a;
    const struct cy_node *root;
    bool action;
    unsigned ev;                     /* GHA_EV_* of on: */
    bool ev_known;                   /* false for actions and reusable workflows: any event */
    bool tag_push;                   /* on: push: tags: */
    bool report;                     /* false while passes only propagate taint */
    const struct cy_node *inputs[3]; /* declared inputs: workflow_dispatch, workflow_call, action */
    const char *shell;               /* defaults: run: shell: */
    struct gha_srcs glob;            /* workflow env, job outputs */
    struct gha_srcs loc;             /* job and step env, step outputs, $GITHUB_ENV */
    size_t *lines;                   /* where each line of the file starts */
    size_t nlines;
};

/* Report rule at byte off of scalar n (exact line in literal blocks, and
 * the column when the text can be found on it), if w->report. */
void gha_report(struct gha_wf *w, int rule, int sev, enum moat_conf conf, const struct cy_node *n,
                size_t off, const char *evidence, const char *fmt, ...) MOAT_PRINTF(8, 9);
/* A copy of s[0, n) in w's arena. */
char *gha_dup(struct gha_wf *w, const char *s, size_t n);
/* A formatted string in w's arena (cut at 1024 bytes). */
char *gha_fmt(struct gha_wf *w, const char *fmt, ...) MOAT_PRINTF(2, 3);
/* Report uses: (of a step, or a job calling a reusable workflow) unless it
 * is pinned to a full commit SHA (docker://: to a digest); where names it. */
void gha_check_pin(struct gha_wf *w, const struct cy_node *uses, const char *where);
/* A step or job's name for messages: "step 'Build' in job 'test'". */
const char *gha_step_label(struct gha_wf *w, const char *job, const struct cy_node *step,
                           size_t index);

/* What a text carries (gha_taint.c). */
struct gha_hit {
    unsigned flags;   /* GHA_T_* of everything found */
    const char *desc; /* the first attacker-controlled value (GHA_T_TEXT, else INPUT)
                       * as found: "env.x (set from github.head_ref, attacker-...)" */
    const char *root; /* where it comes from: "github.head_ref, attacker-controlled ..." */
    unsigned dflags;  /* GHA_T_* of that one */
    const char *head; /* the first value naming the pull request's code, as found */
    const char *head_root;
};
/* Add what expression e can yield to h. */
void gha_taint_expr(struct gha_wf *w, const struct gha_expr *e, struct gha_hit *h);
/* Add what the `${{ }}` in s[from, to) yield to h; with script set, also
 * environment variables ($X, ${X}, $env:X, %X%, process.env.X), the event
 * payload read by context.payload.x or jq on $GITHUB_EVENT_PATH. */
void gha_taint_text(struct gha_wf *w, const char *s, size_t from, size_t to, bool script,
                    struct gha_hit *h);
/* Add a source to v (dropping duplicates of pattern); returns whether it is new. */
bool gha_src_add(struct gha_wf *w, struct gha_srcs *v, const char *pattern, const char *shname,
                 const struct gha_hit *h);
/* The sources of an env: map; each ACTIONS_ALLOW_UNSECURE_COMMANDS that is on is reported. */
void gha_env(struct gha_wf *w, const struct cy_node *env, struct gha_srcs *v);

/* Jobs and steps (gha_steps.c). Walk one job's steps (job NULL for an
 * action's runs: steps:), propagating taint into w->loc and reporting the
 * step audits if w->report; returns whether a job output became tainted. */
bool gha_walk_job(struct gha_wf *w, const char *id, const struct cy_node *job,
                  const struct cy_node *steps);

/* ---- GitLab CI (gitlab*.c) ---- */
extern const struct moat_rule_meta cfg_gitlab_rules[];
extern const size_t cfg_gitlab_nrules;
/* Audit a .gitlab-ci.yml with what it pulls in: local includes (below
 * c->disk_dir, when set), extends, default:, !reference. */
void cfg_gitlab_audit(struct cfg_ctx *c, const struct cy_doc *d);

/* The shell reader of the GitLab script audits (gitlab_shell.c): it reads a
 * POSIX shell / bash script as the runner's shell would (quotes, escapes,
 * comments, $(...), backticks, heredocs, pipelines) and says where a
 * variable's value reaches a place where it is run or split. */
enum gl_sh_event {
    GL_SH_UNQUOTED, /* $X unquoted in an argument: word splitting and globbing */
    GL_SH_COMMAND,  /* $X unquoted as the command name: run as a command */
    GL_SH_CODE,     /* $X in text a shell or interpreter runs as code (eval, sh -c ...) */
    GL_SH_DOWNLOAD, /* a download piped or fed to a shell or interpreter */
};

struct gl_sh_hit {
    enum gl_sh_event ev;
    size_t off;      /* byte offset in the script text */
    const char *var; /* the variable (not for GL_SH_DOWNLOAD), not NUL-terminated */
    size_t var_len;
    char sink[48]; /* what runs it: "eval", "bash -c", "python3 -c", "curl | sh" */
};

struct gl_sh_ops {
    void *arg;
    /* Whether variable name carries attacker-controlled text. */
    bool (*tainted)(void *arg, const char *name, size_t len);
    /* name=<text holding the tainted var> was run: name carries it now. */
    void (*assigned)(void *arg, const char *name, size_t len, const char *var, size_t var_len);
    void (*hit)(void *arg, const struct gl_sh_hit *h);
};

/* Read one script (a script: entry) and report through ops. Never fails:
 * text it cannot follow it skips; nesting stops at GL_SH_MAX_DEPTH. */
#define GL_SH_MAX_DEPTH 8
void gl_sh_audit(const char *text, size_t len, const struct gl_sh_ops *ops);

/* ---- Dockerfiles (docker*.c) ---- */
extern const struct moat_rule_meta cfg_docker_rules[];
extern const size_t cfg_docker_nrules;
/* Audit a Dockerfile or Containerfile. A file that does not parse is warned
 * about (scan_warn) and not audited: the builder would refuse it too. */
void cfg_docker_audit(struct cfg_ctx *c, const unsigned char *data, size_t len);

/* The parser (dockerfile.c) follows BuildKit: parser directives (escape,
 * syntax) at the top, continuation lines joined with comment and blank
 * lines between them dropped, heredocs on RUN/COPY/ADD, exec (JSON) form. */
#define CD_MAX_BYTES    (4u << 20) /* bytes of one Dockerfile */
#define CD_MAX_INSTR    (1u << 20) /* bytes of one instruction, continuations joined */
#define CD_MAX_INSTRS   20000      /* instructions in one file */
#define CD_MAX_HEREDOCS 16         /* heredocs on one instruction */
#define CD_MAX_ARGV     4096       /* strings in one exec-form array; words of one command */
#define CD_MAX_SH_DEPTH 8          /* nesting of $(...), `...`, sh -c "..." the audits follow */
#define CD_UNKNOWN      '\x01'     /* cd_word_value: where a variable had no known value */

/* Where the text of an instruction came from: text[off..] (up to the next
 * segment) is on line `line`, starting at byte column col (1-based). */
struct cd_seg {
    size_t off;
    unsigned line, col;
};

struct cd_heredoc {
    const char *name; /* the delimiter, quotes removed */
    const char *body; /* the lines as written, each ending in '\n'; NUL-terminated */
    size_t len;
    unsigned line;    /* line of the body's first line */
    size_t word;      /* offset in the instruction's text of the "<<NAME" word */
    bool expand;      /* unquoted delimiter: the builder expands variables in body */
    bool chomp;       /* <<-: the builder strips leading tabs (left in body) */
    const size_t *nl; /* offsets of the '\n's of body, for cd_heredoc_pos */
    size_t nnl;
};

struct cd_flag {
    const char *name;  /* "platform" for --platform=x */
    const char *value; /* quotes kept, or NULL for a bare --flag */
    size_t off;        /* offset in text of the "--" */
};

/* One instruction. ONBUILD X ... is parsed as X with onbuild set. */
struct cd_instr {
    const char *kw;   /* keyword in lowercase: "from", "run", ... */
    const char *text; /* the logical line, keyword included; NUL-terminated */
    size_t len;
    size_t args; /* offset in text of the arguments, after the flags */
    unsigned line, end_line;
    bool onbuild;
    bool json; /* exec form: argv holds the strings, argv_off where each starts */
    const char *const *argv;
    const size_t *argv_off;
    size_t argc;
    const struct cd_flag *flags;
    size_t nflags;
    const struct cd_heredoc *heredocs;
    size_t nheredocs;
    const struct cd_seg *segs;
    size_t nsegs;
};

struct cd_file;

/* Parse a Dockerfile. Errors: MOAT_ETOOBIG (a limit above), MOAT_EPARSE
 * ("line N: what": a NUL byte, an unterminated heredoc, a bad escape
 * directive); *out is then NULL. */
MOAT_NODISCARD int cd_parse(const unsigned char *data, size_t len, struct cd_file **out,
                            struct moat_err *err);
void cd_free(struct cd_file *f);
size_t cd_ninstrs(const struct cd_file *f);
const struct cd_instr *cd_instr(const struct cd_file *f, size_t i);
char cd_escape(const struct cd_file *f);        /* '\\' or '`' */
const char *cd_syntax(const struct cd_file *f); /* "# syntax=" value, or NULL */
/* The arena the file's strings live in; callers may allocate from it. */
struct moat_arena *cd_arena(struct cd_file *f);
/* Line and column of byte off of in->text (clamped to its end). */
void cd_pos(const struct cd_instr *in, size_t off, unsigned *line, unsigned *col);
/* Line and column of byte off of a heredoc body. */
void cd_heredoc_pos(const struct cd_heredoc *h, size_t off, unsigned *line, unsigned *col);

/* Next whitespace-separated word of t[*pos..len) with quotes and escapes
 * kept (Dockerfile rules with escape character esc); false at the end. */
bool cd_word_next(const char *t, size_t len, char esc, size_t *pos, size_t *start, size_t *end);
/* Value of lookup(ctx, name, n) for a variable, or NULL when it has no known
 * value (an ARG without default, a build-time variable). */
typedef const char *(*cd_lookup_fn)(void *ctx, const char *name, size_t n);
/* The value of one raw word: quotes and escapes removed, $VAR, ${VAR},
 * ${VAR:-x}, ${VAR-x}, ${VAR:+x}, ${VAR+x} substituted (lookup may be NULL:
 * nothing is known). Each unknown part becomes one CD_UNKNOWN byte and
 * *complete is set false. Allocated from a. */
char *cd_word_value(struct moat_arena *a, const char *raw, size_t len, char esc,
                    cd_lookup_fn lookup, void *ctx, bool *complete);

/* A POSIX shell script walker (docker_shell.c) for RUN, CMD and ENTRYPOINT:
 * splits a script into pipelines of simple commands, follows $(...), `...`,
 * <(...) and >(...) to CD_MAX_SH_DEPTH, and hands here-document bodies over
 * as data. It never fails: what it does not understand becomes words. */
enum {
    CD_SH_QUOTED = 1u << 0,  /* had quotes or escapes */
    CD_SH_SUBST = 1u << 1,   /* holds $(...), `...`, <(...) or >(...) */
    CD_SH_REDIR = 1u << 2,   /* a redirection: op is the operator, s the target */
    CD_SH_HEREDOC = 1u << 3, /* a << or <<- redirection: s is the delimiter */
    CD_SH_ASSIGN = 1u << 4,  /* NAME=value before the command name */
};

struct cd_sh_word {
    const char *s;   /* quotes and escapes removed; substitutions kept as written */
    const char *op;  /* redirections: ">", ">>", "<", "<<", "<<-", "<<<", "2>", ... */
    size_t off, end; /* where the word is, plus the walk's base */
    unsigned flags;
};

struct cd_sh_cmd {
    const struct cd_sh_word *w;
    size_t n;
};

struct cd_sh_visit {
    /* One pipeline, cmds[0] | cmds[1] | ...; depth counts substitutions. */
    void (*pipeline)(void *ctx, const struct cd_sh_cmd *cmds, size_t n, int depth);
    /* A here-document body in the script, redirected into cmd. */
    void (*data)(void *ctx, const char *s, size_t len, size_t off, const struct cd_sh_cmd *cmd,
                 int depth);
    void *ctx;
};

/* Walk script[0..len); offsets handed to v are plus base. Nothing is walked
 * at depth CD_MAX_SH_DEPTH or deeper. */
void cd_sh_walk(const char *script, size_t len, size_t base, int depth,
                const struct cd_sh_visit *v);

#endif
