/* The built-in secret rules: rules.def expanded into one table, and the
 * public accessor that hands each pattern to other tools (the benchmark runs
 * the same patterns through ripgrep). */
#include <stddef.h>
#include <string.h>
#include <moat/scan.h>
#include "secrets.h"
#include "core/banned.h"

#define NONE NULL
/* clang-format off */
#define RULE(id, sev, conf, provider, title, check, entropy, keywords, trigger, regex, flags) \
    { id, MOAT_SEV_##sev, MOAT_CONF_##conf, provider, title, SECRETS_CHECK_##check, entropy, \
      keywords, trigger, regex, flags },
/* clang-format on */
#define GENERIC  SECRETS_F_GENERIC
#define KEEPRUNS SECRETS_F_KEEPRUNS

/* Pieces rules.def splices into its patterns (string-literal concatenation).
 * Every pattern is valid for Hyperscan, PCRE2 and ripgrep alike. */
/* the end of a token: not followed by more token characters */
#define TEND   "(?:[^A-Za-z0-9_-]|$)"
#define AEND   "(?:[^A-Za-z0-9]|$)"
#define B64END "(?:[^A-Za-z0-9+/=]|$)"
/* an optional quote, maybe backslash-escaped (JSON inside a string) */
#define QOPT "(?:\\\\?[\"'\\x60])?"
/* kw, then the rest of the key name, then an assignment: = := => : ( */
#define CTX(kw)                                                                                    \
    "(?i:" kw ")[\\w.-]{0,25}" QOPT "\\]?[ \\t]{0,32}(?::=|=>|\\?=|=|:|\\()[ \\t]{0,4}" QOPT
/* Generic assignments of a secret-named key, with values of at least min
 * characters (min1 = min - 1): a quoted value anywhere, also after a type
 * annotation (name: str = "...") and with a string prefix (b"...", @"...");
 * a quoted key, a comma and a quoted value that ends the call
 * (define('DB_PASSWORD', '...');, not a list of strings; values aligned with up
 * to 32 spaces, as in wp-config.php);
 * an unquoted value at the start of a line (.env, YAML, INI, properties,
 * shell, "- KEY=value" list items) that is not code (no ( ) [ ] { } < >;
 * the validator also refuses a trailing , or ; and an operator before a
 * name, as in !!ownPass); an XML element; a command-line flag; .NET
 * <add key="..." value="...">, <property name="..." value="..."> and
 * <property name="...">...</property>; a name/value pair (Kubernetes env, ECS,
 * CloudFormation). Keys may be aligned with up to 32 spaces. The validator
 * finds the key name. */
#define GEN(kw, min, min1)                                                                         \
    "(?i:" kw ")[\\w.-]{0,30}" QOPT "\\]?[ \\t]{0,32}(?::=|=>|\\?=|==?|:|\\("                      \
    "|:[ \\t]{0,4}&?[\\w.]{1,20}\\??[ \\t]{0,4}=)[ \\t]{0,4}"                                      \
    "[bBrRuU@]?\\\\?[\"'\\x60]([^\\s\"'\\x60\\\\]{" min ",200})\\\\?[\"'\\x60]"                    \
    "|(?i:" kw ")[\\w.-]{0,30}\\\\?[\"'\\x60][ \\t]{0,4},[ \\t]{0,32}[bBrRuU@]?\\\\?[\"'\\x60]"    \
    "([^\\s\"'\\x60\\\\-][^\\s\"'\\x60\\\\]{" min1 ",199})\\\\?[\"'\\x60][ \\t]{0,4}[);]"          \
    "|^[ \\t]{0,20}(?:-[ \\t]{1,4})?(?:(?i:export|set|env|arg)[ \\t]{1,4})?[\\w.-]{0,40}(?i:" kw   \
    ")[\\w.-]{0,30}[ \\t]{0,32}[=:][ \\t]{0,4}([^\\s\"'\\x60,;()\\[\\]{}<>]"                       \
    "[^\\s\"'\\x60()\\[\\]{}<>]{" min1 ",199})(?:[ \\t\\r]|$)"                                     \
    "|<[\\w.-]{0,30}(?i:" kw ")[\\w.-]{0,30}>([^<\\s]{" min ",200})</"                             \
    "|\\b[Nn]ame=\"[\\w.-]{0,30}(?i:" kw ")[\\w.-]{0,30}\"[ \\t]{0,4}>([^<\\s]{" min ",200})</"    \
    "|--(?i:" kw ")[\\w-]{0,20}(?:=|[ \\t]{1,4})[\"']?([^\\s\"'\\x60;|&]{" min ",200})"            \
    "|(?i:key|name)=\"[\\w.-]{0,30}(?i:" kw                                                        \
    ")[\\w.-]{0,30}\"[ \\t]{1,4}(?i:value)=\"([^\"\\s]{" min ",200})\""                            \
    "|\\b[Nn]ame\"?[ \\t]{0,4}:[ \\t]{0,4}[\"']?[\\w.-]{0,40}(?i:" kw                              \
    ")[\\w.-]{0,30}[\"']?[ \\t]{0,4},?"                                                            \
    "[ \\t\\r\\n]{0,48}\"?[Vv]alue\"?[ \\t]{0,4}:[ \\t]{0,4}[\"']?"                                \
    "([^\\s\"'\\x60,;()\\[\\]{}<>][^\\s\"'\\x60()\\[\\]{}<>]{" min1                                \
    ",199})[\"']?(?:[ \\t\\r,}]|$)"
/* A PEM-style body: leading spaces and \n escapes are not part of it. */
#define PEMBODY "(?:\\s|\\\\[nr]){0,64}([\\s\\S]{40,16384}?)"
#define UUID    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

const struct secrets_rule secrets_builtin_rules[] = {
#include "rules.def"
};
const size_t secrets_builtin_count =
    sizeof(secrets_builtin_rules) / sizeof(secrets_builtin_rules[0]);

const char *moat_secrets_pattern(size_t i, const char **id)
{
    const struct secrets_rule *r;

    if (i >= secrets_builtin_count)
        return NULL;
    r = &secrets_builtin_rules[i];
    if (id)
        *id = r->id;
    /* The full regex, unless it spans lines (PEM blocks, PuTTY files): line
     * tools get the trigger, its first line, instead. */
    if (r->trigger && (strstr(r->regex, "\\s\\S") || strstr(r->regex, "\\r?\\n")))
        return r->trigger;
    return r->regex;
}
