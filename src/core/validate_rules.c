/*
 * validate_rules.c - the per-claim-type Validate rules of nats-io/jwt v2
 * (v2.7.3), written from its behaviour: operator_claims.go, account_claims.go,
 * exports.go, imports.go, signingkeys.go, user_claims.go, activation_claims.go,
 * authorization_claims.go and types.go.
 *
 * Messages keep the reference's exact wording, including its typos, and Go's
 * fmt formatting: %q is strconv.Quote, export types print as "stream",
 * "service" or "unknown". Where the reference's order depends on Go map
 * iteration (mappings, signing keys, overlapping imports/exports), the
 * issues come out in the order of the JSON instead; the set is the same.
 * Where Go passes an error text as a format string (operator URLs, cluster
 * traffic, trace destination), '%' in user text becomes "%!x(MISSING)" here
 * too. Deliberate differences: keys must be full 56-character keys (Go only
 * checks base32, CRC and prefix); a null entry in exports with wildcards
 * disallowed is skipped (Go dereferences it and panics); strconv.Quote's
 * notion of a printable rune is approximated for non-ASCII (see
 * rune_printable); well-formed but unknown time zone names pass.
 *
 * The claims are const: where Go's Validate mutates (trace sampling 0 -> 100)
 * nothing is changed and nothing is reported.
 *
 * Two Go helpers are mirrored here because messages embed their errors:
 * net/url.Parse (error texts of Go 1.23) and time.Parse("15:04:05"). No I/O
 * happens here: time zone names are checked by shape only (see
 * check_locale).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "validate_internal.h"

#define MAX_INFO_LENGTH 8192 /* MaxInfoLength */
#define MSG_MAX (16u * 1024u * 1024u)

enum { ET_UNKNOWN = 0, ET_STREAM = 1, ET_SERVICE = 2 };

/* ---- issues ----------------------------------------------------------- */

/* Append an issue that owns msg (malloc'd). Long messages are kept whole,
 * as Go keeps them. */
static void push_issue(na_issues *v, bool blocking, char *msg)
{
    na_issue *ni;
    if (!msg)
        return;
    ni = realloc(v->items, (v->count + 1) * sizeof *ni);
    if (!ni) {
        free(msg); /* an issue lost to ENOMEM, as in vr_add */
        return;
    }
    v->items = ni;
    ni[v->count].description = msg;
    ni[v->count].blocking = blocking;
    ni[v->count].time_check = false;
    v->count++;
}

/* strconv.Quote: printable runes as they are, the rest escaped. Go's
 * unicode.IsPrint is approximated for non-ASCII: C1 controls, non-ASCII
 * spaces, format characters, private use and non-characters are escaped;
 * every other valid rune is printed. */
static bool rune_printable(uint32_t r)
{
    if (r < 0x20 || r == 0x7f)
        return false;
    if (r < 0x80)
        return true;
    if (r <= 0xa0 || r == 0xad || r == 0x61c || r == 0x1680 || r == 0x180e || r == 0x3000 ||
        r == 0xfeff)
        return false;
    if ((r >= 0x2000 && r <= 0x200f) || (r >= 0x2028 && r <= 0x202f) ||
        (r >= 0x205f && r <= 0x206f) || (r >= 0xe000 && r <= 0xf8ff) ||
        (r >= 0xfff9 && r <= 0xfffb) || (r & 0xfffe) == 0xfffe || (r >= 0xfdd0 && r <= 0xfdef) ||
        (r >= 0xe0000 && r <= 0xe007f) || r >= 0xf0000)
        return false;
    return true;
}

/* Decode one UTF-8 rune; returns its length, or 0 if invalid. */
static size_t utf8_rune(const unsigned char *p, size_t n, uint32_t *out)
{
    uint32_t r;
    size_t len, i;
    if (p[0] < 0x80) {
        *out = p[0];
        return 1;
    } else if ((p[0] & 0xe0) == 0xc0) {
        len = 2;
        r = p[0] & 0x1f;
    } else if ((p[0] & 0xf0) == 0xe0) {
        len = 3;
        r = p[0] & 0x0f;
    } else if ((p[0] & 0xf8) == 0xf0) {
        len = 4;
        r = p[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        r = (r << 6) | (p[i] & 0x3f);
    }
    if ((len == 2 && r < 0x80) || (len == 3 && r < 0x800) || (len == 4 && r < 0x10000) ||
        r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
        return 0;
    *out = r;
    return len;
}

static void put_quoted(na_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    na_buf_putc(b, '"');
    while (i < n) {
        uint32_t r;
        size_t w = utf8_rune(p + i, n - i, &r);
        if (w == 0) {
            na_buf_printf(b, "\\x%02x", p[i]);
            i++;
            continue;
        }
        if (r == '"' || r == '\\') {
            na_buf_putc(b, '\\');
            na_buf_putc(b, (char)r);
        } else if (rune_printable(r)) {
            na_buf_put(b, s + i, w);
        } else {
            switch (r) {
            case '\a': na_buf_puts(b, "\\a"); break;
            case '\b': na_buf_puts(b, "\\b"); break;
            case '\f': na_buf_puts(b, "\\f"); break;
            case '\n': na_buf_puts(b, "\\n"); break;
            case '\r': na_buf_puts(b, "\\r"); break;
            case '\t': na_buf_puts(b, "\\t"); break;
            case '\v': na_buf_puts(b, "\\v"); break;
            default:
                if (r < ' ' || r == 0x7f)
                    na_buf_printf(b, "\\x%02x", (unsigned)r);
                else if (r < 0x10000)
                    na_buf_printf(b, "\\u%04x", (unsigned)r);
                else
                    na_buf_printf(b, "\\U%08x", (unsigned)r);
            }
        }
        i += w;
    }
    na_buf_putc(b, '"');
}

/* A small Go-like formatter for messages. Directives: %s (const char *),
 * %q (const char *, quoted as strconv.Quote), %d (long long), %%. */
static void vformat(na_buf *b, const char *fmt, va_list ap)
{
    for (const char *p = fmt; *p; p++) {
        if (*p != '%' || !p[1]) {
            na_buf_putc(b, *p);
            continue;
        }
        switch (*++p) {
        case 's':
            na_buf_puts(b, va_arg(ap, const char *));
            break;
        case 'q': {
            const char *s = va_arg(ap, const char *);
            put_quoted(b, s, strlen(s));
            break;
        }
        case 'd':
            na_buf_printf(b, "%lld", va_arg(ap, long long));
            break;
        default:
            na_buf_putc(b, *p);
        }
    }
}

/* Go's fmt.Sprintf(s) with no arguments. Some reference messages are built
 * first and then passed to AddError as the format itself
 * (vr.AddError(err.Error())), so any '%' in user text is read as a verb:
 * "%zz" comes out as "%!z(MISSING)z". This reproduces fmt's doPrintf for
 * the no-argument case (flags, [n] indexes, widths, precisions). */
static size_t go_parsenum(const char *s, size_t i, size_t end, bool *isnum)
{
    long num = 0;
    *isnum = false;
    if (i >= end)
        return end;
    for (; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
        if (num > 1000000) {
            *isnum = false; /* overflow: Go gives up on the rest */
            return end;
        }
        num = num * 10 + (s[i] - '0');
        *isnum = true;
    }
    return i;
}

/* argNumber with no arguments: any "[n]" is a bad index. */
static size_t go_argnumber(const char *s, size_t i, size_t end, bool *good, bool *after)
{
    size_t k;
    *after = false;
    if (i >= end || s[i] != '[')
        return i;
    *good = false;
    if (end - i < 3)
        return i + 1;
    for (k = i + 1; k < end; k++)
        if (s[k] == ']') {
            bool isnum;
            size_t ni = go_parsenum(s, i + 1, k, &isnum);
            *after = isnum && ni == k;
            return k + 1;
        }
    return i + 1;
}

static void go_sprintf_noargs(na_buf *b, const char *s)
{
    size_t end = strlen(s), i = 0;
    while (i < end) {
        size_t start = i, w;
        bool good = true, after = false, isnum;
        uint32_t verb = 0;
        while (i < end && s[i] != '%')
            i++;
        na_buf_put(b, s + start, i - start);
        if (i >= end)
            break;
        i++;
        while (i < end && strchr("#0+- ", s[i]))
            i++;
        i = go_argnumber(s, i, end, &good, &after);
        if (i < end && s[i] == '*') {
            i++;
            na_buf_puts(b, "%!(BADWIDTH)");
            after = false;
        } else {
            i = go_parsenum(s, i, end, &isnum);
            if (after && isnum)
                good = false;
        }
        if (i + 1 < end && s[i] == '.') {
            i++;
            if (after)
                good = false;
            i = go_argnumber(s, i, end, &good, &after);
            if (i < end && s[i] == '*') {
                i++;
                na_buf_puts(b, "%!(BADPREC)");
                after = false;
            } else {
                i = go_parsenum(s, i, end, &isnum);
            }
        }
        if (!after)
            i = go_argnumber(s, i, end, &good, &after);
        if (i >= end) {
            na_buf_puts(b, "%!(NOVERB)");
            break;
        }
        w = utf8_rune((const unsigned char *)s + i, end - i, &verb);
        if (verb == '%' && w == 1) {
            na_buf_putc(b, '%');
            i++;
            continue;
        }
        na_buf_puts(b, "%!");
        if (w == 0) {
            static const char rune_error[] = {(char)0xef, (char)0xbf, (char)0xbd};
            na_buf_put(b, rune_error, sizeof rune_error); /* utf8.RuneError */
            w = 1;
        } else {
            na_buf_put(b, s + i, w);
        }
        na_buf_puts(b, good ? "(MISSING)" : "(BADINDEX)");
        i += w;
    }
}

static void vissue(na_issues *v, bool blocking, bool as_format, const char *fmt, va_list ap)
{
    na_buf b;
    na_buf_init(&b, MSG_MAX);
    vformat(&b, fmt, ap);
    if (as_format) {
        na_buf r;
        na_buf_init(&r, MSG_MAX);
        if (na_buf_ok(&b) && b.p)
            go_sprintf_noargs(&r, b.p);
        na_buf_release(&b);
        b = r;
    }
    push_issue(v, blocking, na_buf_take(&b));
}

static void issue(na_issues *v, bool blocking, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vissue(v, blocking, false, fmt, ap);
    va_end(ap);
}

/* An error whose text Go uses as a format string (see go_sprintf_noargs). */
static void issue_fmt(na_issues *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vissue(v, true, true, fmt, ap);
    va_end(ap);
}

#define ERR(v, ...) issue((v), true, __VA_ARGS__)
#define WARN(v, ...) issue((v), false, __VA_ARGS__)
#define ERR_AS_FORMAT(v, ...) issue_fmt((v), __VA_ARGS__)

/* ---- JSON access (the tree is schema-checked; null = Go zero value) ---- */

static const char *sget(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int64_t iget(const json_t *o, const char *k)
{
    const json_t *x = json_object_get(o, k);
    return json_is_integer(x) ? (int64_t)json_integer_value(x) : 0;
}

static bool bget(const json_t *o, const char *k)
{
    return json_is_true(json_object_get(o, k));
}

/* i-th element of a []string (null elements read as "") */
static const char *sat(const json_t *arr, size_t i)
{
    const char *s = json_string_value(json_array_get(arr, i));
    return s ? s : "";
}

static int etype(const json_t *o, const char *k)
{
    const char *s = sget(o, k);
    if (strcmp(s, "stream") == 0)
        return ET_STREAM;
    if (strcmp(s, "service") == 0)
        return ET_SERVICE;
    return ET_UNKNOWN;
}

static const char *etype_name(int t)
{
    return t == ET_STREAM ? "stream" : t == ET_SERVICE ? "service" : "unknown";
}

static bool is_key(const char *s, na_nkey_type t)
{
    return na_nkey_is_public(s, t);
}

/* ---- Go helpers: strings ---------------------------------------------- */

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool has_suffix(const char *s, const char *x)
{
    size_t n = strlen(s), m = strlen(x);
    return n >= m && memcmp(s + n - m, x, m) == 0;
}

/* strconv.Atoi (64-bit int): optional sign, one or more decimal digits,
 * in range. */
static bool go_atoi(const char *s, size_t n, long long *out)
{
    bool neg = false;
    uint64_t acc = 0, lim;
    size_t i = 0;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n)
        return false;
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9')
            return false;
        d = (unsigned)(s[i] - '0');
        if (acc > (lim - d) / 10)
            return false;
        acc = acc * 10 + d;
    }
    if (neg)
        *out = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(long long)acc;
    else
        *out = (long long)acc;
    return true;
}

/* Token iteration over strings.Split(s, "."): *p is the cursor, NULL when
 * done. Returns false when there are no more tokens. */
static bool next_tok(const char **p, const char **tok, size_t *len)
{
    const char *dot;
    if (!*p)
        return false;
    *tok = *p;
    dot = strchr(*p, '.');
    if (dot) {
        *len = (size_t)(dot - *p);
        *p = dot + 1;
    } else {
        *len = strlen(*p);
        *p = NULL;
    }
    return true;
}

static size_t tok_count(const char *s)
{
    size_t n = 1;
    for (; *s; s++)
        n += *s == '.';
    return n;
}

static bool tok_is(const char *tok, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(tok, lit, len) == 0;
}

/* ---- subjects (types.go) ------------------------------------------------ */

static void subject_validate(na_issues *v, const char *s)
{
    size_t n = strlen(s);
    if (n == 0) {
        ERR(v, "subject cannot be empty");
        return;
    }
    if (strchr(s, ' '))
        ERR(v, "subject %q cannot have spaces", s);
    if (s[0] == '.' || s[n - 1] == '.')
        ERR(v, "subject %q cannot start or end with a `.`", s);
    if (strstr(s, ".."))
        ERR(v, "subject %q cannot contain consecutive `.`", s);
}

static bool has_wildcards(const char *s)
{
    return has_suffix(s, ".>") || strstr(s, ".*.") || has_suffix(s, ".*") ||
           has_prefix(s, "*.") || strcmp(s, "*") == 0 || strcmp(s, ">") == 0;
}

static size_t count_token_wildcards(const char *s)
{
    const char *p = s, *t;
    size_t n = 0, l;
    if (strcmp(s, "*") == 0)
        return 1;
    while (next_tok(&p, &t, &l))
        n += tok_is(t, l, "*");
    return n;
}

/* Subject.IsContainedIn: s is covered by other (token-wise * and >). */
static bool contained_in(const char *s, const char *other)
{
    size_t nmy = tok_count(s), nother = tok_count(other), ind = 0;
    const char *last = strrchr(other, '.'), *po = other, *pm = s, *to = NULL, *tm = NULL;
    size_t lo = 0, lm = 0;
    bool other_ends_gt = strcmp(last ? last + 1 : other, ">") == 0;
    if (nmy > nother && !other_ends_gt)
        return false;
    if (nmy < nother)
        return false;
    while (next_tok(&po, &to, &lo)) {
        next_tok(&pm, &tm, &lm);
        if (ind == nother - 1 && tok_is(to, lo, ">"))
            return true;
        if (!(lo == lm && memcmp(to, tm, lo) == 0) && !tok_is(to, lo, "*"))
            return false;
        ind++;
    }
    return true;
}

/* A "$N" reference token: length >= 2, '$' then an Atoi-able number. */
static bool ref_token(const char *t, size_t l, long long *idx)
{
    return l >= 2 && t[0] == '$' && go_atoi(t + 1, l - 1, idx);
}

/* RenamingSubject.Validate(from) */
static void renaming_validate(na_issues *v, const char *local, const char *from)
{
    size_t from_cnt = count_token_wildcards(from), ref_cnt = 0, l;
    const char *p = local, *t;
    bool suf_local = strcmp(local, ">") == 0 || has_suffix(local, ".>");
    bool suf_from = strcmp(from, ">") == 0 || has_suffix(from, ".>");
    subject_validate(v, local);
    if (!*from)
        ERR(v, "subject cannot be empty");
    if (strchr(local, ' '))
        ERR(v, "subject %q cannot have spaces", local);
    if (suf_local != suf_from)
        ERR(v, "both, renaming subject and subject, need to end or not end in >");
    while (next_tok(&p, &t, &l)) {
        long long idx;
        if (tok_is(t, l, "*"))
            ref_cnt++;
        if (ref_token(t, l, &idx)) {
            if (idx > (long long)from_cnt)
                ERR(v, "Reference $%d in %q reference * in %q that do not exist", idx, local,
                    from);
            else
                ref_cnt++;
        }
    }
    if (ref_cnt != from_cnt)
        ERR(v, "subject does not contain enough * or reference wildcards $[0-9]");
}

/* RenamingSubject.ToSubject: $N tokens become "*". New string. */
static char *renaming_to_subject(const char *local)
{
    na_buf b;
    const char *p = local, *t;
    size_t l;
    bool first = true;
    if (!strchr(local, '$'))
        return na_strdup(local);
    na_buf_init(&b, MSG_MAX);
    while (next_tok(&p, &t, &l)) {
        long long idx;
        if (!first)
            na_buf_putc(&b, '.');
        first = false;
        if (ref_token(t, l, &idx))
            na_buf_putc(&b, '*');
        else
            na_buf_put(&b, t, l);
    }
    return na_buf_take(&b);
}

/* ---- permissions (types.go) --------------------------------------------- */

static void check_permission(na_issues *v, const char *subj, bool permit_queue)
{
    const char *sp = strchr(subj, ' ');
    if (!sp) {
        subject_validate(v, subj);
    } else if (!strchr(sp + 1, ' ')) {
        char *a = na_strndup(subj, (size_t)(sp - subj));
        if (a) {
            subject_validate(v, a);
            free(a);
        }
        subject_validate(v, sp + 1);
        if (!permit_queue)
            ERR(v, "Permission Subject \"%s\" is not allowed to contain queue", subj);
    } else {
        ERR(v, "Permission Subject \"%s\" contains too many spaces", subj);
    }
}

static void permission_validate(na_issues *v, const json_t *perm, bool permit_queue)
{
    const json_t *allow = json_object_get(perm, "allow"), *deny = json_object_get(perm, "deny");
    for (size_t i = 0; i < json_array_size(allow); i++)
        check_permission(v, sat(allow, i), permit_queue);
    for (size_t i = 0; i < json_array_size(deny); i++)
        check_permission(v, sat(deny, i), permit_queue);
}

/* Permissions.Validate: resp is never checked; sub (queues allowed), then pub. */
static void permissions_validate(na_issues *v, const json_t *perms)
{
    permission_validate(v, json_object_get(perms, "sub"), true);
    permission_validate(v, json_object_get(perms, "pub"), false);
}

/* ---- user limits (types.go) --------------------------------------------- */

/* net.ParseCIDR: an IPv4 or IPv6 address (no zone), '/', decimal prefix
 * length within the address size (leading zeros allowed, as Go's dtoi). */
static bool cidr_valid(const char *s)
{
    const char *slash = strchr(s, '/');
    unsigned char addr[16];
    char *ip;
    int bits;
    long n = 0;
    const char *m;
    if (!slash)
        return false;
    ip = na_strndup(s, (size_t)(slash - s));
    if (!ip)
        return false;
    if (strchr(ip, '%'))
        bits = -1; /* a zone is refused */
    else if (inet_pton(AF_INET, ip, addr) == 1)
        bits = 32;
    else if (inet_pton(AF_INET6, ip, addr) == 1)
        bits = 128;
    else
        bits = -1;
    free(ip);
    if (bits < 0)
        return false;
    m = slash + 1;
    if (*m < '0' || *m > '9')
        return false;
    for (; *m >= '0' && *m <= '9'; m++) {
        n = n * 10 + (*m - '0');
        if (n >= 0xFFFFFF)
            return false;
    }
    return *m == '\0' && n <= bits;
}

/* time.Parse("15:04:05", s): hour of 1-2 digits (< 24), minute and second
 * of exactly 2 digits (< 60), then optionally a fraction of a second
 * ('.' or ',' and digits), which Go accepts although the layout has none. */
static bool clock_valid(const char *s)
{
    int h, m, sec;
    if (!(s[0] >= '0' && s[0] <= '9'))
        return false;
    if (s[1] >= '0' && s[1] <= '9') {
        h = (s[0] - '0') * 10 + (s[1] - '0');
        s += 2;
    } else {
        h = s[0] - '0';
        s += 1;
    }
    if (*s++ != ':')
        return false;
    if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
        return false;
    m = (s[0] - '0') * 10 + (s[1] - '0');
    s += 2;
    if (*s++ != ':')
        return false;
    if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
        return false;
    sec = (s[0] - '0') * 10 + (s[1] - '0');
    s += 2;
    if (h >= 24 || m >= 60 || sec >= 60)
        return false;
    if ((s[0] == '.' || s[0] == ',') && s[1] >= '0' && s[1] <= '9') {
        s += 2;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

/* time.LoadLocation without the zoneinfo database: the core does no I/O,
 * so a name is accepted when it looks like an IANA name: only letters,
 * digits, '_', '+', '-' and '/', not starting with '/'. Go would
 * also refuse well-formed names that are not in the database ("unknown
 * time zone X"); those pass here. "", "UTC" and "Local" are accepted as
 * in Go. */
static void check_locale(na_issues *v, const char *loc)
{
    const char *p;
    if (!*loc || strcmp(loc, "UTC") == 0 || strcmp(loc, "Local") == 0)
        return;
    if (strstr(loc, "..") || loc[0] == '/' || loc[0] == '\\') {
        ERR(v, "could not parse iana time zone by name: %s", "time: invalid location name");
        return;
    }
    for (p = loc; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '+' || c == '-' || c == '/'))
            break;
    }
    if (*p)
        ERR(v, "could not parse iana time zone by name: unknown time zone %s", loc);
}

/* Limits.Validate (src, times, times_location) */
static void user_limits_validate(na_issues *v, const json_t *o)
{
    const json_t *src = json_object_get(o, "src"), *times = json_object_get(o, "times");
    for (size_t i = 0; i < json_array_size(src); i++)
        if (!cidr_valid(sat(src, i)))
            ERR(v, "invalid cidr %q in user src limits", sat(src, i));
    for (size_t i = 0; i < json_array_size(times); i++) {
        const json_t *tr = json_array_get(times, i); /* null: zero TimeRange */
        const char *start = sget(tr, "start"), *end = sget(tr, "end");
        if (!*start)
            ERR(v, "time ranges start must contain a start");
        else if (!clock_valid(start))
            ERR(v, "start in time range is invalid %q", start);
        if (!*end)
            ERR(v, "time ranges end must contain an end");
        else if (!clock_valid(end))
            ERR(v, "end in time range is invalid %q", end);
    }
    check_locale(v, sget(o, "times_location"));
}

/* ---- net/url.Parse (Go 1.23), as far as validation needs it ------------- */

typedef struct gurl {
    char scheme[64];  /* lower-cased; "" if none (longer schemes are cut) */
    bool has_user;
    bool path;        /* Path != "" */
    bool hostname;    /* Hostname() != "" */
} gurl;

enum { UM_PATH, UM_HOST, UM_ZONE, UM_USERPASS, UM_FRAGMENT };

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned unhex(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (unsigned)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
        return (unsigned)(c - 'A' + 10);
    return 0;
}

/* shouldEscape(c, encodeHost|encodeZone) */
static bool host_should_escape(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return false;
    return !strchr("!$&'()*+,;=:[]<>\"-_.~", c) || c == '\0';
}

/* unescape(s, mode)'s checks; the error text goes to err. */
static bool url_unescape_ok(const char *s, size_t n, int mode, na_buf *err)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
                size_t k = n - i < 3 ? n - i : 3;
                na_buf_puts(err, "invalid URL escape ");
                put_quoted(err, s + i, k);
                return false;
            }
            if (mode == UM_HOST && unhex(s[i + 1]) < 8 && memcmp(s + i, "%25", 3) != 0) {
                na_buf_puts(err, "invalid URL escape ");
                put_quoted(err, s + i, 3);
                return false;
            }
            if (mode == UM_ZONE) {
                unsigned char b = (unsigned char)(unhex(s[i + 1]) << 4 | unhex(s[i + 2]));
                if (memcmp(s + i, "%25", 3) != 0 && b != ' ' && host_should_escape(b)) {
                    na_buf_puts(err, "invalid URL escape ");
                    put_quoted(err, s + i, 3);
                    return false;
                }
            }
            i += 3;
        } else {
            if ((mode == UM_HOST || mode == UM_ZONE) && c < 0x80 && host_should_escape(c)) {
                na_buf_puts(err, "invalid character ");
                put_quoted(err, s + i, 1);
                na_buf_puts(err, " in host name");
                return false;
            }
            i++;
        }
    }
    return true;
}

/* validOptionalPort: "" or ':' followed by digits */
static bool valid_port(const char *p, size_t n)
{
    if (n == 0)
        return true;
    if (p[0] != ':')
        return false;
    for (size_t i = 1; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

static const char *mem_rchr(const char *s, size_t n, char c)
{
    while (n-- > 0)
        if (s[n] == c)
            return s + n;
    return NULL;
}

static bool parse_host(const char *h, size_t n, na_buf *err)
{
    if (n > 0 && h[0] == '[') {
        const char *rb = mem_rchr(h, n, ']');
        size_t i, zone;
        bool has_zone = false;
        if (!rb) {
            na_buf_puts(err, "missing ']' in host");
            return false;
        }
        i = (size_t)(rb - h);
        if (!valid_port(h + i + 1, n - i - 1)) {
            na_buf_puts(err, "invalid port ");
            put_quoted(err, h + i + 1, n - i - 1);
            na_buf_puts(err, " after host");
            return false;
        }
        for (zone = 0; zone + 3 <= i; zone++)
            if (memcmp(h + zone, "%25", 3) == 0) {
                has_zone = true;
                break;
            }
        if (has_zone)
            return url_unescape_ok(h, zone, UM_HOST, err) &&
                   url_unescape_ok(h + zone, i - zone, UM_ZONE, err) &&
                   url_unescape_ok(h + i, n - i, UM_HOST, err);
    } else {
        const char *colon = mem_rchr(h, n, ':');
        if (colon && !valid_port(colon, n - (size_t)(colon - h))) {
            na_buf_puts(err, "invalid port ");
            put_quoted(err, colon, n - (size_t)(colon - h));
            na_buf_puts(err, " after host");
            return false;
        }
    }
    return url_unescape_ok(h, n, UM_HOST, err);
}

/* Hostname() != "": strip a valid ":port", then the brackets. Host
 * unescaping never creates or removes ':' '[' ']' nor empties a host, so
 * the raw text gives the same answer. */
static bool hostname_nonempty(const char *h, size_t n)
{
    const char *colon = mem_rchr(h, n, ':');
    if (colon && valid_port(colon, n - (size_t)(colon - h)))
        n = (size_t)(colon - h);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']')
        n -= 2;
    return n > 0;
}

static bool valid_userinfo(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            continue;
        if (c != 0 && strchr("-._:~!$&'()*+,;=%@", c))
            continue;
        return false;
    }
    return true;
}

/* parse(rawURL, false); on error writes the inner error text to err. */
static bool url_parse_inner(const char *s, size_t n, gurl *u, na_buf *err)
{
    size_t i, rlen;
    const char *rest;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < ' ' || s[i] == 0x7f) {
            na_buf_puts(err, "net/url: invalid control character in URL");
            return false;
        }
    if (n == 1 && s[0] == '*') {
        u->path = true;
        return true;
    }
    /* getScheme */
    rest = s;
    rlen = n;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            continue;
        if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
            if (i == 0)
                break;
            continue;
        }
        if (c == ':') {
            size_t k;
            if (i == 0) {
                na_buf_puts(err, "missing protocol scheme");
                return false;
            }
            for (k = 0; k < i && k + 1 < sizeof u->scheme; k++)
                u->scheme[k] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] - 'A' + 'a' : s[k]);
            u->scheme[k] = '\0';
            rest = s + i + 1;
            rlen = n - i - 1;
        }
        break;
    }
    /* query: a single trailing '?' is ForceQuery; otherwise cut at the first */
    {
        const char *q = memchr(rest, '?', rlen);
        if (q)
            rlen = (size_t)(q - rest);
    }
    if (!(rlen > 0 && rest[0] == '/')) {
        const char *slash, *colon;
        if (u->scheme[0])
            return true; /* opaque: no host, no user, Path "" */
        slash = memchr(rest, '/', rlen);
        colon = memchr(rest, ':', slash ? (size_t)(slash - rest) : rlen);
        if (colon) {
            na_buf_puts(err, "first path segment in URL cannot contain colon");
            return false;
        }
    }
    if ((u->scheme[0] || !(rlen >= 3 && memcmp(rest, "///", 3) == 0)) && rlen >= 2 &&
        memcmp(rest, "//", 2) == 0) {
        const char *auth = rest + 2, *slash, *at, *host;
        size_t alen = rlen - 2, hlen;
        slash = memchr(auth, '/', alen);
        if (slash) {
            rest = slash;
            rlen = alen - (size_t)(slash - auth);
            alen = (size_t)(slash - auth);
        } else {
            rest = auth + alen;
            rlen = 0;
        }
        at = mem_rchr(auth, alen, '@');
        host = at ? at + 1 : auth;
        hlen = alen - (size_t)(host - auth);
        if (!parse_host(host, hlen, err))
            return false;
        u->hostname = hostname_nonempty(host, hlen);
        if (at) {
            size_t ulen = (size_t)(at - auth);
            const char *colon = memchr(auth, ':', ulen);
            if (!valid_userinfo(auth, ulen)) {
                na_buf_puts(err, "net/url: invalid userinfo");
                return false;
            }
            if (colon) {
                if (!url_unescape_ok(auth, (size_t)(colon - auth), UM_USERPASS, err) ||
                    !url_unescape_ok(colon + 1, ulen - (size_t)(colon - auth) - 1, UM_USERPASS,
                                     err))
                    return false;
            } else if (!url_unescape_ok(auth, ulen, UM_USERPASS, err)) {
                return false;
            }
            u->has_user = true;
        }
    }
    if (!url_unescape_ok(rest, rlen, UM_PATH, err))
        return false;
    u->path = rlen > 0;
    return true;
}

/* url.Parse: on failure returns false with Go's *url.Error text in err
 * ("parse \"URL\": reason"). */
static bool url_parse(const char *raw, gurl *u, na_buf *err)
{
    const char *hash = strchr(raw, '#');
    size_t n = hash ? (size_t)(hash - raw) : strlen(raw);
    na_buf inner;
    bool ok;
    memset(u, 0, sizeof *u);
    na_buf_init(&inner, MSG_MAX);
    ok = url_parse_inner(raw, n, u, &inner);
    if (ok && hash && hash[1] &&
        !url_unescape_ok(hash + 1, strlen(hash + 1), UM_FRAGMENT, &inner)) {
        ok = false;
        n = strlen(raw); /* a fragment error quotes the whole URL */
    }
    if (!ok) {
        na_buf_puts(err, "parse ");
        put_quoted(err, raw, n);
        na_buf_puts(err, ": ");
        if (inner.p)
            na_buf_put(err, inner.p, inner.len);
    }
    na_buf_release(&inner);
    return ok;
}

/* ---- Info (types.go) ------------------------------------------------------ */

static void info_validate(na_issues *v, const json_t *o)
{
    const char *desc = sget(o, "description"), *url = sget(o, "info_url");
    if (strlen(desc) > MAX_INFO_LENGTH)
        ERR(v, "Description is too long");
    if (*url) {
        gurl u;
        na_buf e;
        if (strlen(url) > MAX_INFO_LENGTH)
            ERR(v, "Info URL is too long");
        na_buf_init(&e, MSG_MAX);
        if (!url_parse(url, &u, &e))
            ERR(v, "error parsing info url: %s", e.p ? e.p : "");
        else if (!u.hostname || !u.scheme[0])
            ERR(v, "error parsing info url: no hostname or scheme");
        na_buf_release(&e);
    }
}

/* ---- operator ------------------------------------------------------------- */

static void server_version_validate(na_issues *v, const char *ver)
{
    const char *d1, *d2;
    long long major, minor, update;
    if (!*ver)
        return;
    d1 = strchr(ver, '.');
    d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2 || strchr(d2 + 1, '.')) {
        ERR(v, "assert server version error: %s",
            "asserted server version must be of the form <major>.<minor>.<update>");
        return;
    }
    {
        char *a = na_strndup(ver, (size_t)(d1 - ver));
        char *b = na_strndup(d1 + 1, (size_t)(d2 - d1 - 1));
        const char *c = d2 + 1;
        if (!a || !b) {
            /* out of memory: nothing reliable to report */
        } else if (!go_atoi(a, strlen(a), &major)) {
            ERR(v, "assert server version error: asserted server version cant parse %s to int", a);
        } else if (!go_atoi(b, strlen(b), &minor)) {
            ERR(v, "assert server version error: asserted server version cant parse %s to int", b);
        } else if (!go_atoi(c, strlen(c), &update)) {
            ERR(v, "assert server version error: asserted server version cant parse %s to int", c);
        } else if (major < 0 || minor < 0 || update < 0) {
            ERR(v,
                "assert server version error: asserted server version can'b contain negative "
                "values: %s",
                ver);
        }
        free(a);
        free(b);
    }
}

static void operator_service_url_validate(na_issues *v, const char *url)
{
    gurl u;
    na_buf e;
    if (!*url)
        return;
    na_buf_init(&e, MSG_MAX);
    if (!url_parse(url, &u, &e))
        ERR_AS_FORMAT(v, "error parsing operator service url %q: %s", url, e.p ? e.p : "");
    else if (u.has_user)
        ERR_AS_FORMAT(v, "operator service url %q - credentials are not supported", url);
    else if (u.path)
        ERR_AS_FORMAT(v, "operator service url %q - paths are not supported", url);
    else if (strcmp(u.scheme, "nats") != 0 && strcmp(u.scheme, "tls") != 0 &&
             strcmp(u.scheme, "ws") != 0 && strcmp(u.scheme, "wss") != 0)
        ERR_AS_FORMAT(v,
                      "operator service url %q - protocol not supported (only 'nats', 'tls', "
                      "'ws', 'wss' only)",
                      url);
    na_buf_release(&e);
}

static void validate_operator(const na_claims *c, na_issues *v)
{
    const json_t *n = claims_nats(c);
    const char *asu = sget(n, "account_server_url"), *sys = sget(n, "system_account");
    const json_t *urls = json_object_get(n, "operator_service_urls");
    const json_t *sks = json_object_get(n, "signing_keys");
    if (*asu) {
        gurl u;
        na_buf e;
        na_buf_init(&e, MSG_MAX);
        if (!url_parse(asu, &u, &e))
            ERR_AS_FORMAT(v, "error parsing account server url: %s", e.p ? e.p : "");
        else if (!u.scheme[0])
            ERR_AS_FORMAT(v, "account server url %q requires a protocol", asu);
        na_buf_release(&e);
    }
    for (size_t i = 0; i < json_array_size(urls); i++)
        operator_service_url_validate(v, sat(urls, i));
    for (size_t i = 0; i < json_array_size(sks); i++)
        if (!is_key(sat(sks, i), NA_NKEY_OPERATOR))
            ERR(v, "%s is not an operator public key", sat(sks, i));
    if (*sys && !is_key(sys, NA_NKEY_ACCOUNT))
        ERR(v, "%s is not an account public key", sys);
    server_version_validate(v, sget(n, "assert_server_version"));
}

/* ---- activation ----------------------------------------------------------- */

/* Activation rules without the time checks (validateWithTimeChecks(false)). */
static void activation_rules(const na_claims *c, na_issues *v)
{
    const json_t *n = claims_nats(c);
    const char *ia = sget(n, "issuer_account");
    if (etype(n, "kind") == ET_UNKNOWN)
        ERR(v, "invalid import type: %q", "unknown");
    subject_validate(v, sget(n, "subject"));
    if (*ia && !is_key(ia, NA_NKEY_ACCOUNT))
        ERR(v, "account_id is not an account public key");
}

/* ---- account: imports ----------------------------------------------------- */

static void import_validate(const json_t *im, const char *acct_sub, na_issues *v)
{
    int type = etype(im, "type");
    const char *subject = sget(im, "subject"), *account = sget(im, "account");
    const char *to = sget(im, "to"), *local = sget(im, "local_subject");
    const char *token = sget(im, "token");
    na_claims *act = NULL;

    if (type == ET_UNKNOWN)
        ERR(v, "invalid import type: %q", "unknown");
    if (type == ET_SERVICE && bget(im, "allow_trace"))
        ERR(v, "AllowTrace only valid for stream import");
    if (!*account)
        ERR(v, "account to import from is not specified");
    if (*to)
        WARN(v, "the field to has been deprecated (use LocalSubject instead)");
    subject_validate(v, subject);
    if (*local) {
        renaming_validate(v, local, subject);
        if (*to)
            ERR(v, "Local Subject replaces To");
    }
    if (bget(im, "share") && type != ET_SERVICE)
        ERR(v, "sharing information (for latency tracking) is only valid for services: %q",
            subject);
    if (*token) {
        if (na_jwt_decode(&act, token, strlen(token), NULL) != NA_OK ||
            act->type != NA_CLAIMS_ACTIVATION) {
            na_claims_destroy(act);
            act = NULL;
            ERR(v, "import %q contains an invalid activation token", subject);
        }
    }
    if (act) {
        const json_t *an = claims_nats(act);
        const char *act_subject = sget(an, "subject");
        const char *subj = subject;
        int kind = etype(an, "kind");
        if (!(strcmp(na_claims_issuer(act), account) == 0 ||
              strcmp(sget(an, "issuer_account"), account) == 0))
            ERR(v, "activation token doesn't match account for import %q", subject);
        if (strcmp(na_claims_subject(act), acct_sub) != 0)
            ERR(v, "activation token doesn't match account it is being included in, %q",
                subject);
        if (kind != type)
            ERR(v, "mismatch between token import type %s and type of import %s",
                etype_name(kind), etype_name(type));
        activation_rules(act, v); /* embedded activations: no time checks */
        if (type == ET_SERVICE && *to)
            subj = to;
        if (!contained_in(subj, act_subject))
            ERR(v, "activation token import subject %q doesn't match import %q", act_subject,
                subject);
        na_claims_destroy(act);
    }
}

static void imports_validate(const json_t *imports, const char *acct_sub, na_issues *v)
{
    size_t n = json_array_size(imports), nset = 0;
    char **set = calloc(n ? n : 1, sizeof *set); /* toSet, in insertion order */
    for (size_t i = 0; i < n; i++) {
        const json_t *im = json_array_get(imports, i);
        if (json_is_null(im)) {
            ERR(v, "null import is not allowed");
            continue;
        }
        if (etype(im, "type") == ET_SERVICE && set) {
            const char *to = sget(im, "to");
            char *sub = *to ? na_strdup(to) : renaming_to_subject(sget(im, "local_subject"));
            bool dup = false;
            if (sub && !*sub) {
                free(sub);
                sub = na_strdup(sget(im, "subject"));
            }
            if (sub) {
                for (size_t k = 0; k < nset; k++) {
                    if (contained_in(sub, set[k]) || contained_in(set[k], sub))
                        ERR(v, "overlapping subject namespace for %q and %q", sub, set[k]);
                    if (strcmp(sub, set[k]) == 0)
                        dup = true;
                }
                if (dup) {
                    ERR(v, "overlapping subject namespace for %q", to);
                    free(sub);
                } else {
                    set[nset++] = sub;
                }
            }
        }
        import_validate(im, acct_sub, v);
    }
    for (size_t k = 0; k < nset; k++)
        free(set[k]);
    free(set);
}

/* ---- account: exports ----------------------------------------------------- */

static void export_validate(const json_t *ex, na_issues *v)
{
    int type = etype(ex, "type");
    const char *rt = sget(ex, "response_type"), *subject = sget(ex, "subject");
    const json_t *lat = json_object_get(ex, "service_latency");
    int64_t thr = iget(ex, "response_threshold"), pos = iget(ex, "account_token_position");

    if (type == ET_UNKNOWN)
        ERR(v, "invalid export type: %q", "unknown");
    if (type == ET_SERVICE && *rt && strcmp(rt, "Singleton") != 0 &&
        strcmp(rt, "Chunked") != 0 && strcmp(rt, "Stream") != 0)
        ERR(v, "invalid response type for service: %q", rt);
    if (type == ET_STREAM) {
        if (*rt)
            ERR(v, "invalid response type for stream: %q", rt);
        if (bget(ex, "allow_trace"))
            ERR(v, "AllowTrace only valid for service export");
    }
    if (json_is_object(lat)) {
        const json_t *smp = json_object_get(lat, "sampling");
        /* "headers" is rate 0 */
        int64_t rate = json_is_integer(smp) ? (int64_t)json_integer_value(smp) : 0;
        const char *results = sget(lat, "results");
        if (type != ET_SERVICE)
            ERR(v, "latency tracking only permitted for services");
        if (rate != 0 && (rate < 1 || rate > 100))
            ERR(v, "sampling percentage needs to be between 1-100");
        subject_validate(v, results);
        if (has_wildcards(results))
            ERR(v, "results subject can not contain wildcards");
    }
    if (thr < 0)
        ERR(v, "negative response threshold is invalid");
    if (thr > 0 && type != ET_SERVICE)
        ERR(v, "response threshold only valid for services");
    subject_validate(v, subject);
    if (pos > 0) {
        if (!has_wildcards(subject)) {
            ERR(v, "Account Token Position can only be used with wildcard subjects: %s", subject);
        } else if ((uint64_t)pos > tok_count(subject)) {
            ERR(v, "Account Token Position %d exceeds length of subject '%s'", (long long)pos,
                subject);
        } else {
            const char *p = subject, *t = NULL;
            size_t l = 0;
            for (int64_t k = 0; k < pos; k++)
                next_tok(&p, &t, &l);
            if (!tok_is(t, l, "*")) {
                char *tk = na_strndup(t, l);
                if (tk)
                    ERR(v, "Account Token Position %d matches '%s' but must match a * in: %s",
                        (long long)pos, tk, subject);
                free(tk);
            }
        }
    }
    info_validate(v, ex);
}

/* isContainedIn: for each subject covering another one, report it once
 * (first covered subject found), in the order first found. */
static void exports_overlap(na_issues *v, const char *kind, const char **subs, size_t n)
{
    const char **keys = calloc(n ? n : 1, sizeof *keys), **vals = calloc(n ? n : 1, sizeof *vals);
    size_t nk = 0;
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            bool known = false;
            if (i == j || !contained_in(subs[i], subs[j]))
                continue;
            for (size_t k = 0; k < nk; k++)
                known = known || strcmp(keys[k], subs[j]) == 0;
            if (!known) {
                keys[nk] = subs[j];
                vals[nk++] = subs[i];
            }
        }
    for (size_t k = 0; k < nk; k++)
        ERR(v, "%s export subject %q already exports %q", kind, keys[k], vals[k]);
    free(keys);
    free(vals);
}

static void exports_validate(const json_t *exports, na_issues *v)
{
    size_t n = json_array_size(exports), nsvc = 0, nstr = 0;
    const char **svc = calloc(n ? n : 1, sizeof *svc), **str = calloc(n ? n : 1, sizeof *str);
    for (size_t i = 0; i < n; i++) {
        const json_t *ex = json_array_get(exports, i);
        if (json_is_null(ex)) {
            ERR(v, "null export is not allowed");
            continue;
        }
        if (svc && str) {
            if (etype(ex, "type") == ET_SERVICE)
                svc[nsvc++] = sget(ex, "subject");
            else
                str[nstr++] = sget(ex, "subject");
        }
        export_validate(ex, v);
    }
    if (svc && str) {
        exports_overlap(v, "service", svc, nsvc);
        exports_overlap(v, "stream", str, nstr);
    }
    free(svc);
    free(str);
}

/* ---- account: the rest ---------------------------------------------------- */

static bool js_limits_zero(const json_t *l)
{
    static const char *const ints[] = {"mem_storage",     "disk_storage",
                                       "streams",         "consumer",
                                       "max_ack_pending", "mem_max_stream_bytes",
                                       "disk_max_stream_bytes"};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (iget(l, ints[i]) != 0)
            return false;
    return !bget(l, "max_bytes_required");
}

/* OperatorLimits.IsEmpty */
static bool limits_empty(const json_t *l)
{
    static const char *const ints[] = {"subs", "data", "payload", "imports", "exports",
                                       "conn", "leaf"};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (iget(l, ints[i]) != 0)
            return false;
    return !bget(l, "wildcards") && !bget(l, "disallow_bearer") && js_limits_zero(l) &&
           json_object_size(json_object_get(l, "tiered_limits")) == 0;
}

static void limits_validate(const json_t *l, na_issues *v)
{
    const json_t *tiers = json_object_get(l, "tiered_limits");
    if (json_object_size(tiers) > 0) {
        if (!js_limits_zero(l))
            ERR(v, "JetStream Limits and tiered JetStream Limits are mutually exclusive");
        if (json_object_get(tiers, ""))
            ERR(v, "Tiered JetStream Limits can not contain a blank \"\" tier name");
    }
}

/* Mapping.Validate. Weights add up in uint8 as in Go (so they wrap at 256). */
static void mappings_validate(const json_t *maps, na_issues *v)
{
    const char *from;
    json_t *list;
    json_object_foreach((json_t *)maps, from, list) {
        struct {
            const char *name;
            uint8_t sum;
        } *clusters = calloc(json_array_size(list) + 1, sizeof *clusters);
        size_t nc = 0;
        uint8_t total = 0;
        subject_validate(v, from);
        for (size_t i = 0; i < json_array_size(list); i++) {
            const json_t *e = json_array_get(list, i); /* null: zero WeightedMapping */
            const char *cluster = sget(e, "cluster");
            uint8_t w = (uint8_t)iget(e, "weight");
            subject_validate(v, sget(e, "subject"));
            if (*cluster) {
                size_t k;
                if (!clusters)
                    continue;
                for (k = 0; k < nc && strcmp(clusters[k].name, cluster) != 0; k++)
                    ;
                if (k == nc) {
                    clusters[nc].name = cluster;
                    clusters[nc++].sum = 0;
                }
                clusters[k].sum = (uint8_t)(clusters[k].sum + w);
                if (clusters[k].sum > 100)
                    ERR(v,
                        "Mapping %q in cluster %q exceeds 100%% among all of it's weighted to "
                        "mappings",
                        from, cluster);
            } else {
                total = (uint8_t)(total + (w == 0 ? 100 : w));
            }
        }
        if (total > 100)
            ERR(v, "Mapping %q exceeds 100%% among all of it's weighted to mappings", from);
        free(clusters);
    }
}

static void authorization_validate(const json_t *a, na_issues *v)
{
    const json_t *users = json_object_get(a, "auth_users");
    const json_t *accts = json_object_get(a, "allowed_accounts");
    const char *xkey = sget(a, "xkey");
    size_t nacc = json_array_size(accts);
    if (nacc > 0 && json_array_size(users) == 0)
        ERR(v, "External authorization cannot have accounts without users specified");
    for (size_t i = 0; i < json_array_size(users); i++)
        if (!is_key(sat(users, i), NA_NKEY_USER))
            ERR(v, "AuthUser %q is not a valid user public key", sat(users, i));
    for (size_t i = 0; i < nacc; i++) {
        const char *acc = sat(accts, i);
        if (strcmp(acc, "*") == 0) {
            if (nacc > 1)
                ERR(v, "AllowedAccounts can only be a list of accounts or %q", "*");
        } else if (!is_key(acc, NA_NKEY_ACCOUNT)) {
            ERR(v, "Account %q is not a valid account public key", acc);
        }
    }
    if (*xkey && !is_key(xkey, NA_NKEY_CURVE))
        ERR(v, "XKey %q is not a valid public xkey", xkey);
}

static void trace_validate(const json_t *t, na_issues *v)
{
    const char *dest = sget(t, "dest");
    int64_t sampling = iget(t, "sampling");
    na_issues tmp = {0, NULL};
    subject_validate(&tmp, dest);
    if (tmp.count > 0)
        ERR_AS_FORMAT(v, "the account Trace.Destination %s", tmp.items[0].description);
    for (size_t i = 0; i < tmp.count; i++)
        free(tmp.items[i].description);
    free(tmp.items);
    if (has_wildcards(dest))
        ERR(v, "the account Trace.Destination subject %q is not a valid publish subject", dest);
    if (sampling < 0 || sampling > 100)
        ERR(v,
            "the account Trace.Sampling value '%d' is not valid, should be in the range "
            "[1..100]",
            (long long)sampling);
}

/* SigningKeys.Validate: the list is a map in Go, so for a repeated key only
 * its last entry counts, and it is reported once. */
static void signing_keys_validate(const json_t *sks, na_issues *v)
{
    size_t n = json_array_size(sks);
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(sks, i), *later;
        const char *key;
        bool shadowed = false;
        if (json_is_string(e))
            key = json_string_value(e);
        else if (json_is_object(e))
            key = sget(e, "key");
        else
            continue; /* null: ignored by Go's unmarshal */
        for (size_t j = i + 1; j < n && !shadowed; j++) {
            later = json_array_get(sks, j);
            if (json_is_string(later))
                shadowed = strcmp(json_string_value(later), key) == 0;
            else if (json_is_object(later))
                shadowed = strcmp(sget(later, "key"), key) == 0;
        }
        if (shadowed || is_key(key, NA_NKEY_ACCOUNT))
            continue;
        if (json_is_object(e))
            ERR(v, "%s is not an account public key", key);
        else
            ERR(v, "%q is not a valid account signing key", key);
    }
}

static void validate_account(const na_claims *c, na_issues *v)
{
    const json_t *n = claims_nats(c);
    const json_t *imports = json_object_get(n, "imports"), *exports = json_object_get(n, "exports");
    const json_t *limits = json_object_get(n, "limits"), *trace = json_object_get(n, "trace");
    const char *ct = sget(n, "cluster_traffic");
    int64_t lim_imports = iget(limits, "imports"), lim_exports = iget(limits, "exports");
    int64_t nimports = (int64_t)json_array_size(imports);
    int64_t nexports = (int64_t)json_array_size(exports);
    bool empty = limits_empty(limits);

    imports_validate(imports, na_claims_subject(c), v);
    exports_validate(exports, v);
    limits_validate(limits, v);
    permissions_validate(v, json_object_get(n, "default_permissions"));
    mappings_validate(json_object_get(n, "mappings"), v);
    authorization_validate(json_object_get(n, "authorization"), v);
    if (json_is_object(trace))
        trace_validate(trace, v);

    /* Go checks the import count twice, so a non-empty limits block reports
     * an excess twice; so does this. */
    if (!empty && lim_imports >= 0 && nimports > lim_imports)
        ERR(v, "the account contains more imports than allowed by the operator");
    if (lim_imports != -1 && nimports > lim_imports)
        ERR(v, "the account contains more imports than allowed by the operator");
    if (lim_exports != -1) {
        if (nexports > lim_exports)
            ERR(v, "the account contains more exports than allowed by the operator");
        if (!bget(limits, "wildcards"))
            for (size_t i = 0; i < json_array_size(exports); i++) {
                const json_t *ex = json_array_get(exports, i);
                /* Go dereferences a null export here (a panic); it is skipped */
                if (json_is_object(ex) && has_wildcards(sget(ex, "subject")))
                    ERR(v, "the account contains wildcard exports that are not allowed by the "
                           "operator");
            }
    }
    signing_keys_validate(json_object_get(n, "signing_keys"), v);
    info_validate(v, n);
    if (*ct && strcmp(ct, "system") != 0 && strcmp(ct, "owner") != 0)
        ERR_AS_FORMAT(v, "unknown cluster traffic option: %q", ct);

    if (is_key(na_claims_issuer(c), NA_NKEY_ACCOUNT) && !empty)
        WARN(v, "self-signed account JWTs shouldn't contain operator limits");
}

/* ---- user, authorization ---------------------------------------------------- */

static void validate_user(const na_claims *c, na_issues *v)
{
    const json_t *n = claims_nats(c);
    const char *ia = sget(n, "issuer_account");
    permissions_validate(v, n);
    user_limits_validate(v, n);
    if (*ia && !is_key(ia, NA_NKEY_ACCOUNT))
        ERR(v, "account_id is not an account public key");
}

static void validate_auth_request(const na_claims *c, na_issues *v)
{
    const char *nk = sget(claims_nats(c), "user_nkey");
    if (!*nk)
        ERR(v, "User nkey is required");
    else if (!is_key(nk, NA_NKEY_USER))
        ERR(v, "User nkey %q is not a valid user public key", nk);
}

static void validate_auth_response(const na_claims *c, na_issues *v)
{
    const json_t *n = claims_nats(c);
    const char *jwt = sget(n, "jwt"), *error = sget(n, "error");
    const char *ia = sget(n, "issuer_account");
    if (!is_key(na_claims_subject(c), NA_NKEY_USER))
        ERR(v, "Subject must be a user public key");
    if (!is_key(na_claims_audience(c), NA_NKEY_SERVER))
        ERR(v, "Audience must be a server public key");
    if (!*error && !*jwt)
        ERR(v, "Error or Jwt is required");
    if (*error && *jwt)
        ERR(v, "Only Error or Jwt can be set");
    if (*ia && !is_key(ia, NA_NKEY_ACCOUNT))
        ERR(v, "issuer_account is not an account public key");
}

void validate_type(const na_claims *c, na_issues *v)
{
    switch (c->type) {
    case NA_CLAIMS_OPERATOR:
        validate_operator(c, v);
        break;
    case NA_CLAIMS_ACCOUNT:
        validate_account(c, v);
        break;
    case NA_CLAIMS_USER:
        validate_user(c, v);
        break;
    case NA_CLAIMS_ACTIVATION:
        activation_rules(c, v);
        break;
    case NA_CLAIMS_AUTH_REQUEST:
        validate_auth_request(c, v);
        break;
    case NA_CLAIMS_AUTH_RESPONSE:
        validate_auth_response(c, v);
        break;
    case NA_CLAIMS_GENERIC:
    case NA_CLAIMS_TYPE_COUNT:
        break; /* only the time checks */
    }
}
