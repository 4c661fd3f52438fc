/* Line numbers for parsers that break lines where moat does not. moat
 * numbers lines at '\n', as grep -n, editors and the secrets scanner do;
 * YAML (and so libyaml's marks) also breaks at a lone CR, NEL, LS and PS.
 * Without a map, a finding in a YAML file holding one of those would point
 * at a line the file does not have. */
#include <stdlib.h>
#include <string.h>
#include "core.h"
#include "banned.h"

size_t moat_yaml_break_len(const unsigned char *p, size_t n)
{
    if (n == 0)
        return 0;
    if (p[0] == '\n')
        return 1;
    if (p[0] == '\r')
        return n > 1 && p[1] == '\n' ? 2 : 1;
    if (n > 1 && p[0] == 0xc2 && p[1] == 0x85)
        return 2;
    if (n > 2 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
        return 3;
    return 0;
}

void moat_linemap_init(struct moat_linemap *m, const unsigned char *p, size_t len)
{
    size_t i, n = 1, k = 0, nl_bol = 0;
    unsigned line = 1;
    bool odd = false;

    memset(m, 0, sizeof(*m));
    for (i = 0; i < len; i++) {
        size_t b = moat_yaml_break_len(p + i, len - i);
        if (b) {
            odd |= p[i + b - 1] != '\n';
            n++;
            i += b - 1;
        }
    }
    if (!odd)
        return;
    m->line = moat_calloc(n, sizeof(*m->line));
    m->col = moat_calloc(n, sizeof(*m->col));
    m->n = n;
    m->line[0] = 1;
    for (i = 0; i < len; i++) {
        size_t b = moat_yaml_break_len(p + i, len - i);
        if (!b)
            continue;
        i += b - 1;
        if (p[i] == '\n') {
            line++;
            nl_bol = i + 1;
        }
        k++;
        m->line[k] = line;
        m->col[k] = (unsigned)(i + 1 - nl_bol);
    }
}

unsigned moat_linemap_line(const struct moat_linemap *m, size_t line0)
{
    if (!m->line)
        return (unsigned)line0 + 1;
    return m->line[line0 < m->n ? line0 : m->n - 1];
}

unsigned moat_linemap_col(const struct moat_linemap *m, size_t line0, unsigned col)
{
    if (!m->line)
        return col;
    return m->col[line0 < m->n ? line0 : m->n - 1] + col;
}

void moat_linemap_release(struct moat_linemap *m)
{
    free(m->line);
    free(m->col);
    memset(m, 0, sizeof(*m));
}
