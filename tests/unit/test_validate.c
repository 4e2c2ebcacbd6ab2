/*
 * test_validate.c - the per-type Validate rules (src/core/validate_rules.c):
 * for each rule a failing claim with the reference's exact message and
 * blocking status, and a clean claim of every type.
 *
 * The expected texts were cross-checked against the Go reference
 * (jwtoracle decode, nats-io/jwt v2.7.3), including its quirks: error
 * texts reused as format strings ("%!z(MISSING)"), the doubled import-count
 * error, uint8 weight sums, embedded activations without time checks.
 *
 * JSON inputs are written with ' for " to keep them readable.
 */
#include "natsauth/natsauth.h"
#include "testlib.h"

#define NOW 1700000000

#define KA "ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I"  /* account (seed below) */
#define KA2 "ADDIEJRXY7JRB3CXMJ56AC5CLHJFG5E7JKXWIRDQZ756KORV64ZEEG4I" /* partner account */
#define KO "ODIEVMRSOQV3JKZ2CNUL2RQV4TTNAISKW4NAC25PQUQKGMWJO6DTOAP4"  /* operator (seed below) */
#define KO2 "ODDIEJRXY7JRB3CXMJ56AC5CLHJFG5E7JKXWIRDQZ756KORV64ZEEQQO" /* operator signing key */
#define KU "UDDIEJRXY7JRB3CXMJ56AC5CLHJFG5E7JKXWIRDQZ756KORV64ZEFCPX"  /* user */
#define KN "NDDIEJRXY7JRB3CXMJ56AC5CLHJFG5E7JKXWIRDQZ756KORV64ZEF3T4"  /* server */
#define KX "XA4KWZSL3BXXPV7GNPOZVYDZFEJ2ST6YWM5BEYACPZFUNQPURBGGOUJ5"  /* curve */

static const char *ACCT_SEED = "SAACEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEITNXI";
static const char *OP_SEED = "SOABCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEPQWM";
static const char *A2_SEED = "SAAFKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVKVMAMQ";

/* unlimited account limits (NewAccountClaims) */
#define LIM                                                                                    \
    "'limits':{'subs':-1,'data':-1,'payload':-1,'imports':-1,'exports':-1,'wildcards':true,"    \
    "'conn':-1,'leaf':-1}"

/* ---- helpers ------------------------------------------------------------ */

static char *dq(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    for (size_t i = 0; p && i <= n; i++)
        p[i] = s[i] == '\'' ? '"' : s[i];
    return p;
}

static na_claims *claims_sq(na_claims_type t, const char *sq_json)
{
    na_claims *c = NULL;
    na_err err = {0};
    char *json = dq(sq_json);
    if (!json || na_claims_from_json(&c, t, json, strlen(json), &err) != NA_OK)
        fprintf(stderr, "  claims_from_json failed: %s\n  input: %s\n", err.msg, json);
    free(json);
    return c;
}

static na_issues *validate_claims(const na_claims *c)
{
    na_issues *v = NULL;
    if (c && na_claims_validate(c, NOW, &v, NULL) != NA_OK)
        v = NULL;
    return v;
}

static na_issues *validate_sq(na_claims_type t, const char *sq_json)
{
    na_claims *c = claims_sq(t, sq_json);
    na_issues *v = validate_claims(c);
    na_claims_destroy(c);
    return v;
}

static size_t count_issue(const na_issues *v, const char *msg, bool blocking)
{
    size_t n = 0;
    for (size_t i = 0; v && i < v->count; i++)
        if (strcmp(v->items[i].description, msg) == 0 && v->items[i].blocking == blocking &&
            !v->items[i].time_check)
            n++;
    return n;
}

static void dump(const na_issues *v)
{
    if (!v) {
        fprintf(stderr, "  (no issue list)\n");
        return;
    }
    for (size_t i = 0; i < v->count; i++)
        fprintf(stderr, "  have [%s%s] %s\n", v->items[i].blocking ? "error" : "warning",
                v->items[i].time_check ? ",time" : "", v->items[i].description);
    if (!v->count)
        fprintf(stderr, "  have no issues\n");
}

/* The message is among the issues, with this blocking status. */
#define EXPECT_ISSUE_V(v, msg, blocking)                                                       \
    do {                                                                                       \
        size_t n_ = count_issue((v), (msg), (blocking));                                       \
        CHECKF(n_ > 0, "want %s: %s", (blocking) ? "error" : "warning", (msg));                \
        if (n_ == 0)                                                                           \
            dump(v);                                                                           \
    } while (0)
#define EXPECT_ISSUE(type, json, msg, blocking)                                                \
    do {                                                                                       \
        na_issues *v_ = validate_sq((type), (json));                                           \
        EXPECT_ISSUE_V(v_, (msg), (blocking));                                                 \
        na_issues_destroy(v_);                                                                 \
    } while (0)
#define EXPECT_ERROR(type, json, msg) EXPECT_ISSUE(type, json, msg, true)
#define EXPECT_WARNING(type, json, msg) EXPECT_ISSUE(type, json, msg, false)
#define EXPECT_CLEAN_V(v)                                                                      \
    do {                                                                                       \
        CHECKF((v) && (v)->count == 0, "want no issues");                                      \
        if (!(v) || (v)->count)                                                                \
            dump(v);                                                                           \
    } while (0)
#define EXPECT_CLEAN(type, json)                                                               \
    do {                                                                                       \
        na_issues *v_ = validate_sq((type), (json));                                           \
        EXPECT_CLEAN_V(v_);                                                                    \
        na_issues_destroy(v_);                                                                 \
    } while (0)

static na_nkey *key(const char *seed)
{
    na_nkey *k = NULL;
    na_nkey_from_seed(&k, seed, strlen(seed), NULL);
    return k;
}

/* An activation for KA signed by the partner account (or by signer_seed). */
static char *activation(const char *sq_nats, const char *signer_seed, int64_t exp)
{
    char payload[1024], *tok = NULL;
    na_claims *c;
    na_nkey *k = key(signer_seed);
    snprintf(payload, sizeof payload, "{'sub':'" KA "','nats':%s}", sq_nats);
    c = claims_sq(NA_CLAIMS_ACTIVATION, payload);
    if (c && exp)
        na_claims_set_expires(c, exp, NULL);
    if (!c || !k || na_claims_encode(c, &tok, k, NOW - 100, NULL) != NA_OK)
        fprintf(stderr, "  could not make an activation token\n");
    na_claims_destroy(c);
    na_nkey_destroy(k);
    return tok;
}

/* Account claims with one import carrying token; returns the issues. */
static na_issues *import_with_token(const char *sq_import_fields, const char *tok)
{
    char *json = malloc(strlen(sq_import_fields) + strlen(tok ? tok : "") + 512);
    na_issues *v;
    sprintf(json, "{'sub':'" KA "','iss':'" KO "','nats':{" LIM ",'imports':[{%s,'token':'%s'}]}}",
            sq_import_fields, tok ? tok : "");
    v = validate_sq(NA_CLAIMS_ACCOUNT, json);
    free(json);
    return v;
}

/* ---- clean claims of every type ------------------------------------------- */

TEST(clean_claims_of_every_type)
{
    na_claims *c = NULL;
    na_issues *v;
    const na_claims_type types[] = {NA_CLAIMS_OPERATOR, NA_CLAIMS_ACCOUNT, NA_CLAIMS_USER,
                                    NA_CLAIMS_ACTIVATION};
    const char *subs[] = {KO, KA, KU, KA};

    /* the New*Claims defaults, except activation (needs a kind and subject) */
    for (size_t i = 0; i < 3; i++) {
        CHECK(na_claims_create(&c, types[i], subs[i], NULL) == NA_OK);
        v = validate_claims(c);
        EXPECT_CLEAN_V(v);
        na_issues_destroy(v);
        na_claims_destroy(c);
        c = NULL;
    }

    EXPECT_CLEAN(NA_CLAIMS_OPERATOR,
                 "{'sub':'" KO "','iss':'" KO "','nats':{'signing_keys':['" KO2 "'],"
                 "'account_server_url':'https://x.example.com:9090/jwt/v1',"
                 "'operator_service_urls':['nats://a:4222','tls://b','ws://c:80','wss://d',"
                 "'NATS://E',''],'system_account':'" KA "','assert_server_version':'2.10.0',"
                 "'strict_signing_key_usage':true,'tags':['x']}}");
    EXPECT_CLEAN(NA_CLAIMS_ACCOUNT,
                 "{'sub':'" KA "','iss':'" KO "','nats':{" LIM ","
                 "'imports':[{'subject':'s.a','account':'" KA2 "','type':'service',"
                 "'local_subject':'l.a','share':true},"
                 "{'subject':'t.*.>','account':'" KA2 "','type':'stream',"
                 "'local_subject':'x.$1.>','allow_trace':true}],"
                 "'exports':[{'subject':'svc.*','type':'service','response_type':'Chunked',"
                 "'response_threshold':1000,'service_latency':{'sampling':'headers',"
                 "'results':'lat'},'account_token_position':2,'allow_trace':true,"
                 "'info_url':'https://docs.example.com/svc'},{'subject':'ev.>','type':'stream'}],"
                 "'signing_keys':['" KA2 "',{'kind':'user_scope','key':'" KA "','role':'r'}],"
                 "'default_permissions':{'pub':{'allow':['a.>']},'sub':{'allow':['b q']}},"
                 "'mappings':{'m':[{'subject':'m1','weight':50},{'subject':'m2','weight':50},"
                 "{'subject':'m3','weight':100,'cluster':'c1'}]},"
                 "'authorization':{'auth_users':['" KU "'],'allowed_accounts':['*'],"
                 "'xkey':'" KX "'},'trace':{'dest':'tr.x'},'cluster_traffic':'owner',"
                 "'description':'d','info_url':'http://h'}}");
    EXPECT_CLEAN(NA_CLAIMS_USER,
                 "{'sub':'" KU "','iss':'" KA2 "','nats':{'pub':{'allow':['a.>'],'deny':['b']},"
                 "'sub':{'allow':['q grp','r']},'resp':{'max':1,'ttl':1000},"
                 "'src':['192.168.0.0/16','::1/128'],"
                 "'times':[{'start':'08:00:00','end':'17:30:00'},{'start':'9:00:00',"
                 "'end':'23:59:59.5'}],'times_location':'America/New_York',"
                 "'subs':-1,'data':-1,'payload':-1,'issuer_account':'" KA "'}}");
    EXPECT_CLEAN(NA_CLAIMS_ACTIVATION,
                 "{'sub':'" KA "','iss':'" KA2 "','nats':{'subject':'a.>','kind':'stream',"
                 "'issuer_account':'" KA2 "'}}");
    EXPECT_CLEAN(NA_CLAIMS_AUTH_REQUEST,
                 "{'sub':'" KU "','iss':'" KN "','nats':{'user_nkey':'" KU "',"
                 "'server_id':{'name':'s','host':'h','id':'" KN "'},"
                 "'connect_opts':{'protocol':1}}}");
    EXPECT_CLEAN(NA_CLAIMS_AUTH_RESPONSE,
                 "{'sub':'" KU "','aud':'" KN "','iss':'" KA "','nats':{'jwt':'x',"
                 "'issuer_account':'" KA "'}}");
    EXPECT_CLEAN(NA_CLAIMS_GENERIC, "{'sub':'x','nats':{'anything':[1,2]}}");
}

/* ---- operator ----------------------------------------------------------- */

#define OPER(nats) "{'sub':'" KO "','iss':'" KO "','nats':{" nats "}}"

TEST(operator_rules)
{
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'signing_keys':['" KA "']"),
                 KA " is not an operator public key");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'signing_keys':['']"),
                 " is not an operator public key");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'system_account':'" KO "'"),
                 KO " is not an account public key");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'account_server_url':'x.example.com'"),
                 "account server url \"x.example.com\" requires a protocol");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'account_server_url':'http://a b'"),
                 "error parsing account server url: parse \"http://a b\": invalid character "
                 "\" \" in host name");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'account_server_url':'://x'"),
                 "error parsing account server url: parse \"://x\": missing protocol scheme");
    /* Go passes the error text as a format string: '%' turns into verbs */
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'account_server_url':'%zz'"),
                 "error parsing account server url: parse \"%!z(MISSING)z\": invalid URL "
                 "escape \"%!z(MISSING)z\"");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'operator_service_urls':['http://h:80']"),
                 "operator service url \"http://h:80\" - protocol not supported (only 'nats', "
                 "'tls', 'ws', 'wss' only)");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'operator_service_urls':['nats://u:p@h']"),
                 "operator service url \"nats://u:p@h\" - credentials are not supported");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'operator_service_urls':['nats://h:4222/']"),
                 "operator service url \"nats://h:4222/\" - paths are not supported");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'operator_service_urls':['nats://[::1']"),
                 "error parsing operator service url \"nats://[::1\": parse \"nats://[::1\": "
                 "missing ']' in host");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'operator_service_urls':['nats://h:4x']"),
                 "error parsing operator service url \"nats://h:4x\": parse \"nats://h:4x\": "
                 "invalid port \":4x\" after host");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'operator_service_urls':['a:b/c']"),
                 "operator service url \"a:b/c\" - protocol not supported (only 'nats', "
                 "'tls', 'ws', 'wss' only)");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'operator_service_urls':['h:1/p']"),
                 "operator service url \"h:1/p\" - protocol not supported (only 'nats', "
                 "'tls', 'ws', 'wss' only)");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'operator_service_urls':['1h:1']"),
                 "error parsing operator service url \"1h:1\": parse \"1h:1\": first path "
                 "segment in URL cannot contain colon");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'assert_server_version':'1.2'"),
                 "assert server version error: asserted server version must be of the form "
                 "<major>.<minor>.<update>");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'assert_server_version':'1.x.2'"),
                 "assert server version error: asserted server version cant parse x to int");
    EXPECT_ERROR(NA_CLAIMS_OPERATOR, OPER("'assert_server_version':'1.2.-3'"),
                 "assert server version error: asserted server version can'b contain negative "
                 "values: 1.2.-3");
    EXPECT_CLEAN(NA_CLAIMS_OPERATOR, OPER("'assert_server_version':'+1.02.3'"));
}

/* ---- account ------------------------------------------------------------ */

#define ACCT(nats) "{'sub':'" KA "','iss':'" KO "','nats':{" LIM "," nats "}}"
#define IMPORT(fields) ACCT("'imports':[{" fields "}]")
#define EXPORT(fields) ACCT("'exports':[{" fields "}]")

TEST(account_imports)
{
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, IMPORT("'subject':'a','account':'" KA2 "'"),
                 "invalid import type: \"unknown\"");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 IMPORT("'subject':'a','account':'" KA2 "','type':'service','allow_trace':true"),
                 "AllowTrace only valid for stream import");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, IMPORT("'subject':'a','type':'stream'"),
                 "account to import from is not specified");
    EXPECT_WARNING(NA_CLAIMS_ACCOUNT, IMPORT("'subject':'a','account':'" KA2 "','type':'stream',"
                                             "'to':'b'"),
                   "the field to has been deprecated (use LocalSubject instead)");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, IMPORT("'subject':'a','account':'" KA2 "','type':'stream',"
                                           "'to':'b','local_subject':'c'"),
                 "Local Subject replaces To");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 IMPORT("'subject':'a','account':'" KA2 "','type':'stream','share':true"),
                 "sharing information (for latency tracking) is only valid for services: \"a\"");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'imports':[null]"), "null import is not allowed");

    /* subjects */
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, IMPORT("'account':'" KA2 "','type':'stream'"),
                 "subject cannot be empty");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, IMPORT("'subject':'a b','account':'" KA2 "','type':'stream'"),
                 "subject \"a b\" cannot have spaces");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, IMPORT("'subject':'.a','account':'" KA2 "','type':'stream'"),
                 "subject \".a\" cannot start or end with a `.`");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, IMPORT("'subject':'a.','account':'" KA2 "','type':'stream'"),
                 "subject \"a.\" cannot start or end with a `.`");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, IMPORT("'subject':'a..b','account':'" KA2 "','type':'stream'"),
                 "subject \"a..b\" cannot contain consecutive `.`");
    /* strconv.Quote of non-printable runes */
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 IMPORT("'subject':'a\\t\\u00a0\\u00e9\\\\ ','account':'" KA2 "','type':'stream'"),
                 "subject \"a\\t\\u00a0\xc3\xa9\\\\ \" cannot have spaces");

    /* local_subject ($N references) */
    EXPECT_CLEAN(NA_CLAIMS_ACCOUNT, IMPORT("'subject':'a.*.*','account':'" KA2 "',"
                                           "'type':'stream','local_subject':'c.$2.$1'"));
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, IMPORT("'subject':'a.*','account':'" KA2 "',"
                                           "'type':'stream','local_subject':'c.$2'"),
                 "Reference $2 in \"c.$2\" reference * in \"a.*\" that do not exist");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, IMPORT("'subject':'a.*','account':'" KA2 "',"
                                           "'type':'stream','local_subject':'c'"),
                 "subject does not contain enough * or reference wildcards $[0-9]");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, IMPORT("'subject':'a.>','account':'" KA2 "',"
                                           "'type':'stream','local_subject':'c'"),
                 "both, renaming subject and subject, need to end or not end in >");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, IMPORT("'account':'" KA2 "','type':'stream',"
                                           "'local_subject':'x'"),
                 "subject cannot be empty");
}

TEST(account_import_overlaps)
{
    na_issues *v = validate_sq(
        NA_CLAIMS_ACCOUNT,
        ACCT("'imports':[{'subject':'a.*','account':'" KA2 "','type':'service'},"
             "{'subject':'a.b','account':'" KA2 "','type':'service'},"
             "{'subject':'q','account':'" KA2 "','type':'service','to':'a.*'},"
             "{'subject':'x.*','account':'" KA2 "','type':'service','local_subject':'y.$1'},"
             "{'subject':'y.*','account':'" KA2 "','type':'service'},"
             "{'subject':'a.*','account':'" KA2 "','type':'stream'}]"));
    EXPECT_ISSUE_V(v, "overlapping subject namespace for \"a.b\" and \"a.*\"", true);
    EXPECT_ISSUE_V(v, "overlapping subject namespace for \"a.*\" and \"a.b\"", true);
    EXPECT_ISSUE_V(v, "overlapping subject namespace for \"a.*\" and \"a.*\"", true);
    /* an exact repeat: Go names the import's "to" */
    EXPECT_ISSUE_V(v, "overlapping subject namespace for \"a.*\"", true);
    EXPECT_ISSUE_V(v, "overlapping subject namespace for \"y.*\" and \"y.*\"", true);
    EXPECT_ISSUE_V(v, "overlapping subject namespace for \"\"", true);
    CHECK(v && v->count == 7);
    if (v && v->count != 7)
        dump(v);
    na_issues_destroy(v);
}

TEST(account_import_activation_tokens)
{
    char *good = activation("{'subject':'svc.>','kind':'service'}", A2_SEED, 0);
    char *expired = activation("{'subject':'svc.>','kind':'service'}", A2_SEED, NOW - 10);
    char *bad_inner = activation("{'subject':'a b','kind':'service','issuer_account':'" KU "'}",
                                 A2_SEED, 0);
    char *by_sk = activation("{'subject':'svc.a','kind':'service','issuer_account':'" KA2 "'}",
                             ACCT_SEED, 0);
    char *no_kind = activation("{'subject':'svc.a'}", A2_SEED, 0);
    na_issues *v;

    v = import_with_token("'subject':'svc.a','account':'" KA2 "','type':'service'", good);
    EXPECT_CLEAN_V(v);
    na_issues_destroy(v);
    /* embedded activations are validated without time checks */
    v = import_with_token("'subject':'svc.a','account':'" KA2 "','type':'service'", expired);
    EXPECT_CLEAN_V(v);
    na_issues_destroy(v);
    /* signed by a signing key, issuer_account names the exporter */
    v = import_with_token("'subject':'svc.a','account':'" KA2 "','type':'service'", by_sk);
    EXPECT_CLEAN_V(v);
    na_issues_destroy(v);

    v = import_with_token("'subject':'svc.a','account':'" KA2 "','type':'service'", "garbage");
    EXPECT_ISSUE_V(v, "import \"svc.a\" contains an invalid activation token", true);
    na_issues_destroy(v);
    v = import_with_token("'subject':'svc.a','account':'" KO2 "','type':'service'", good);
    EXPECT_ISSUE_V(v, "activation token doesn't match account for import \"svc.a\"", true);
    na_issues_destroy(v);
    v = import_with_token("'subject':'svc.a','account':'" KA2 "','type':'stream'", good);
    EXPECT_ISSUE_V(v, "mismatch between token import type service and type of import stream",
                   true);
    na_issues_destroy(v);
    v = import_with_token("'subject':'other','account':'" KA2 "','type':'service'", good);
    EXPECT_ISSUE_V(v, "activation token import subject \"svc.>\" doesn't match import \"other\"",
                   true);
    na_issues_destroy(v);
    /* a service import's "to" is what the token must cover */
    v = import_with_token("'subject':'other','account':'" KA2 "','type':'service',"
                          "'to':'svc.x'",
                          good);
    CHECK(count_issue(v, "activation token import subject \"svc.>\" doesn't match import "
                         "\"other\"",
                      true) == 0);
    na_issues_destroy(v);
    /* the activation's own rules are reported in the account */
    v = import_with_token("'subject':'a b','account':'" KA2 "','type':'service'", bad_inner);
    EXPECT_ISSUE_V(v, "account_id is not an account public key", true);
    na_issues_destroy(v);
    v = import_with_token("'subject':'svc.a','account':'" KA2 "','type':'service'", no_kind);
    EXPECT_ISSUE_V(v, "invalid import type: \"unknown\"", true);
    EXPECT_ISSUE_V(v, "mismatch between token import type unknown and type of import service",
                   true);
    na_issues_destroy(v);

    /* a token issued to another account */
    {
        na_claims *c = claims_sq(NA_CLAIMS_ACTIVATION,
                                 "{'sub':'" KA2 "','nats':{'subject':'svc.>','kind':'service'}}");
        na_nkey *k = key(A2_SEED);
        char *tok = NULL;
        CHECK(c && k && na_claims_encode(c, &tok, k, NOW, NULL) == NA_OK);
        v = import_with_token("'subject':'svc.a','account':'" KA2 "','type':'service'", tok);
        EXPECT_ISSUE_V(v,
                       "activation token doesn't match account it is being included in, "
                       "\"svc.a\"",
                       true);
        na_issues_destroy(v);
        na_free(tok);
        na_nkey_destroy(k);
        na_claims_destroy(c);
    }
    na_free(good);
    na_free(expired);
    na_free(bad_inner);
    na_free(by_sk);
    na_free(no_kind);
}

TEST(account_exports)
{
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, EXPORT("'subject':'a'"), "invalid export type: \"unknown\"");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'exports':[null]"), "null export is not allowed");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, EXPORT("'subject':'a','type':'service','response_type':'Bulk'"),
                 "invalid response type for service: \"Bulk\"");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 EXPORT("'subject':'a','type':'stream','response_type':'Singleton'"),
                 "invalid response type for stream: \"Singleton\"");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, EXPORT("'subject':'a','type':'stream','allow_trace':true"),
                 "AllowTrace only valid for service export");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 EXPORT("'subject':'a','type':'stream','service_latency':{'sampling':5,"
                        "'results':'r'}"),
                 "latency tracking only permitted for services");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 EXPORT("'subject':'a','type':'service','service_latency':{'sampling':101,"
                        "'results':'r'}"),
                 "sampling percentage needs to be between 1-100");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 EXPORT("'subject':'a','type':'service','service_latency':{'sampling':5,"
                        "'results':'r.*'}"),
                 "results subject can not contain wildcards");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 EXPORT("'subject':'a','type':'service','service_latency':{'sampling':5}"),
                 "subject cannot be empty");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 EXPORT("'subject':'a','type':'service','response_threshold':-1"),
                 "negative response threshold is invalid");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, EXPORT("'subject':'a','type':'stream','response_threshold':5"),
                 "response threshold only valid for services");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 EXPORT("'subject':'a.b','type':'service','account_token_position':2"),
                 "Account Token Position can only be used with wildcard subjects: a.b");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 EXPORT("'subject':'a.*','type':'service','account_token_position':3"),
                 "Account Token Position 3 exceeds length of subject 'a.*'");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 EXPORT("'subject':'a.*.c','type':'service','account_token_position':3"),
                 "Account Token Position 3 matches 'c' but must match a * in: a.*.c");
    EXPECT_CLEAN(NA_CLAIMS_ACCOUNT,
                 EXPORT("'subject':'a.*.c','type':'service','account_token_position':2"));
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, EXPORT("'subject':'a b','type':'service'"),
                 "subject \"a b\" cannot have spaces");
}

TEST(account_export_overlaps)
{
    na_issues *v = validate_sq(
        NA_CLAIMS_ACCOUNT,
        ACCT("'exports':[{'subject':'a.>','type':'service'},{'subject':'a.b','type':'service'},"
             "{'subject':'a.c','type':'service'},{'subject':'x.*','type':'stream'},"
             "{'subject':'x.y','type':'stream'},{'subject':'a.b','type':'stream'}]"));
    /* one report per covering subject */
    EXPECT_ISSUE_V(v, "service export subject \"a.>\" already exports \"a.b\"", true);
    EXPECT_ISSUE_V(v, "stream export subject \"x.*\" already exports \"x.y\"", true);
    CHECK(v && v->count == 2);
    na_issues_destroy(v);
}

TEST(account_info)
{
    char *json = malloc(20000), *p;
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'info_url':'nope'"),
                 "error parsing info url: no hostname or scheme");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'info_url':'http://:80/'"),
                 "error parsing info url: no hostname or scheme");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'info_url':'http://h/%'"),
                 "error parsing info url: parse \"http://h/%\": invalid URL escape \"%\"");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, EXPORT("'subject':'a','type':'stream','info_url':'mailto:x'"),
                 "error parsing info url: no hostname or scheme");
    EXPECT_CLEAN(NA_CLAIMS_ACCOUNT, ACCT("'info_url':'https://[::1]:8080/x?y#z'"));

    p = json + sprintf(json, "{'sub':'" KA "','iss':'" KO "','nats':{" LIM ",'description':'");
    memset(p, 'd', 8193);
    strcpy(p + 8193, "','info_url':'http://");
    p += strlen(p);
    memset(p, 'h', 8190);
    strcpy(p + 8190, "'}}");
    {
        na_issues *v = validate_sq(NA_CLAIMS_ACCOUNT, json);
        EXPECT_ISSUE_V(v, "Description is too long", true);
        EXPECT_ISSUE_V(v, "Info URL is too long", true);
        CHECK(v && v->count == 2);
        na_issues_destroy(v);
    }
    free(json);
}

TEST(account_limits_and_counts)
{
    na_issues *v;
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 "{'sub':'" KA "','iss':'" KO "','nats':{'limits':{'mem_storage':1,"
                 "'tiered_limits':{'R1':{'mem_storage':1}}}}}",
                 "JetStream Limits and tiered JetStream Limits are mutually exclusive");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 "{'sub':'" KA "','iss':'" KO "','nats':{'limits':{'tiered_limits':{'':{}}}}}",
                 "Tiered JetStream Limits can not contain a blank \"\" tier name");
    EXPECT_CLEAN(NA_CLAIMS_ACCOUNT,
                 "{'sub':'" KA "','iss':'" KO "','nats':{'limits':{'imports':-1,'exports':-1,"
                 "'tiered_limits':{'R1':{'disk_storage':-1}}}}}");

    /* Go checks the import count twice when the limits are not empty */
    v = validate_sq(NA_CLAIMS_ACCOUNT,
                    "{'sub':'" KA "','iss':'" KO "','nats':{'limits':{'imports':1,'exports':-1},"
                    "'imports':[{'subject':'a','account':'" KA2 "','type':'stream'},"
                    "{'subject':'b','account':'" KA2 "','type':'stream'}]}}");
    CHECK(count_issue(v, "the account contains more imports than allowed by the operator",
                      true) == 2);
    na_issues_destroy(v);
    /* ... and once when they are all zero (so any import is too many) */
    v = validate_sq(NA_CLAIMS_ACCOUNT,
                    "{'sub':'" KA "','iss':'" KO "','nats':{'imports':[{'subject':'a',"
                    "'account':'" KA2 "','type':'stream'}]}}");
    CHECK(count_issue(v, "the account contains more imports than allowed by the operator",
                      true) == 1);
    CHECK(v && v->count == 1);
    na_issues_destroy(v);

    v = validate_sq(NA_CLAIMS_ACCOUNT,
                    "{'sub':'" KA "','iss':'" KO "','nats':{'limits':{'imports':-1,'exports':1},"
                    "'exports':[{'subject':'a.*','type':'stream'},{'subject':'b.>',"
                    "'type':'service'},{'subject':'c','type':'stream'}]}}");
    EXPECT_ISSUE_V(v, "the account contains more exports than allowed by the operator", true);
    CHECK(count_issue(v, "the account contains wildcard exports that are not allowed by the "
                         "operator",
                      true) == 2);
    na_issues_destroy(v);

    /* self-signed accounts with limits: a warning */
    EXPECT_WARNING(NA_CLAIMS_ACCOUNT,
                   "{'sub':'" KA "','iss':'" KA "','nats':{'limits':{'conn':5,'imports':-1,"
                   "'exports':-1}}}",
                   "self-signed account JWTs shouldn't contain operator limits");
    v = validate_sq(NA_CLAIMS_ACCOUNT, "{'sub':'" KA "','iss':'" KA "','nats':{}}");
    EXPECT_CLEAN_V(v);
    na_issues_destroy(v);
}

TEST(decode_clears_flat_limits_under_tiers)
{
    /* Go's loadAccount drops the flat JetStream limits of a decoded v2
     * account that has tiers, so the exclusivity error never shows for a
     * token (only for claims built in memory). */
    na_claims *c = claims_sq(NA_CLAIMS_ACCOUNT,
                             "{'sub':'" KA "','nats':{'limits':{'imports':-1,'exports':-1,"
                             "'mem_storage':5,'tiered_limits':{'R1':{'mem_storage':1}}}}}");
    na_claims *d = NULL;
    na_nkey *k = key(OP_SEED);
    na_issues *v = validate_claims(c);
    char *tok = NULL;
    int64_t mem = 0;
    EXPECT_ISSUE_V(v, "JetStream Limits and tiered JetStream Limits are mutually exclusive",
                   true);
    na_issues_destroy(v);
    CHECK(na_claims_encode(c, &tok, k, NOW, NULL) == NA_OK);
    CHECK(tok && na_jwt_decode(&d, tok, strlen(tok), NULL) == NA_OK);
    CHECK(d && !na_claims_get_int(d, "nats.limits.mem_storage", &mem));
    v = validate_claims(d);
    EXPECT_CLEAN_V(v);
    na_issues_destroy(v);
    na_free(tok);
    na_claims_destroy(d);
    na_claims_destroy(c);
    na_nkey_destroy(k);
}

TEST(account_permissions_and_mappings)
{
    na_issues *v;
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'default_permissions':{'pub':{'allow':['a q']}}"),
                 "Permission Subject \"a q\" is not allowed to contain queue");
    EXPECT_CLEAN(NA_CLAIMS_ACCOUNT, ACCT("'default_permissions':{'sub':{'deny':['a q']}}"));
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'default_permissions':{'sub':{'allow':['a q r']}}"),
                 "Permission Subject \"a q r\" contains too many spaces");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'default_permissions':{'sub':{'allow':['a ']}}"),
                 "subject cannot be empty");

    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 ACCT("'mappings':{'a':[{'subject':'b','weight':60},{'subject':'c','weight':50}]}"),
                 "Mapping \"a\" exceeds 100% among all of it's weighted to mappings");
    /* weight 0 counts as 100 */
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 ACCT("'mappings':{'a':[{'subject':'b'},{'subject':'c','weight':1}]}"),
                 "Mapping \"a\" exceeds 100% among all of it's weighted to mappings");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 ACCT("'mappings':{'a':[{'subject':'b','weight':60,'cluster':'c1'},"
                      "{'subject':'c','weight':50,'cluster':'c1'},{'subject':'d'}]}"),
                 "Mapping \"a\" in cluster \"c1\" exceeds 100% among all of it's weighted to "
                 "mappings");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'mappings':{'a..b':[{'subject':''}]}"),
                 "subject \"a..b\" cannot contain consecutive `.`");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'mappings':{'a':[{'subject':''}]}"),
                 "subject cannot be empty");
    /* Go sums weights in a uint8: 200 + 100 wraps to 44 */
    v = validate_sq(NA_CLAIMS_ACCOUNT,
                    ACCT("'mappings':{'a':[{'subject':'b','weight':200},"
                         "{'subject':'c','weight':100}]}"));
    EXPECT_CLEAN_V(v);
    na_issues_destroy(v);
}

TEST(account_authorization_trace_traffic_keys)
{
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'authorization':{'allowed_accounts':['" KA2 "']}"),
                 "External authorization cannot have accounts without users specified");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'authorization':{'auth_users':['" KA "']}"),
                 "AuthUser \"" KA "\" is not a valid user public key");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 ACCT("'authorization':{'auth_users':['" KU "'],'allowed_accounts':['*','" KA2
                      "']}"),
                 "AllowedAccounts can only be a list of accounts or \"*\"");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 ACCT("'authorization':{'auth_users':['" KU "'],'allowed_accounts':['" KU "']}"),
                 "Account \"" KU "\" is not a valid account public key");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 ACCT("'authorization':{'auth_users':['" KU "'],'xkey':'" KA "'}"),
                 "XKey \"" KA "\" is not a valid public xkey");

    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'trace':{'sampling':50}"),
                 "the account Trace.Destination subject cannot be empty");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'trace':{'dest':'t.>'}"),
                 "the account Trace.Destination subject \"t.>\" is not a valid publish subject");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'trace':{'dest':'t','sampling':101}"),
                 "the account Trace.Sampling value '101' is not valid, should be in the range "
                 "[1..100]");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'trace':{'dest':'t','sampling':-1}"),
                 "the account Trace.Sampling value '-1' is not valid, should be in the range "
                 "[1..100]");
    /* only the first subject issue is reported, re-read as a format string */
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'trace':{'dest':'a.%d b.'}"),
                 "the account Trace.Destination subject \"a.%!d(MISSING) b.\" cannot have "
                 "spaces");
    EXPECT_CLEAN(NA_CLAIMS_ACCOUNT, ACCT("'trace':{'dest':'t','sampling':0}"));

    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'cluster_traffic':'System'"),
                 "unknown cluster traffic option: \"System\"");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'cluster_traffic':'%d%%%[1]d%'"),
                 "unknown cluster traffic option: \"%!d(MISSING)%%!d(BADINDEX)%!\"(MISSING)");
    EXPECT_CLEAN(NA_CLAIMS_ACCOUNT, ACCT("'cluster_traffic':'system'"));

    EXPECT_ERROR(NA_CLAIMS_ACCOUNT, ACCT("'signing_keys':['" KO2 "']"),
                 "\"" KO2 "\" is not a valid account signing key");
    EXPECT_ERROR(NA_CLAIMS_ACCOUNT,
                 ACCT("'signing_keys':[{'kind':'user_scope','key':'" KU "','role':'r'}]"),
                 KU " is not an account public key");
    {
        /* a map in Go: a repeated key is one entry */
        na_issues *v = validate_sq(NA_CLAIMS_ACCOUNT, ACCT("'signing_keys':['bad','bad']"));
        CHECK(count_issue(v, "\"bad\" is not a valid account signing key", true) == 1);
        na_issues_destroy(v);
    }
}

/* ---- user --------------------------------------------------------------- */

#define USER(nats) "{'sub':'" KU "','iss':'" KA "','nats':{" nats "}}"

TEST(user_rules)
{
    na_issues *v;
    EXPECT_ERROR(NA_CLAIMS_USER, USER("'pub':{'deny':['a q']}"),
                 "Permission Subject \"a q\" is not allowed to contain queue");
    EXPECT_ERROR(NA_CLAIMS_USER, USER("'pub':{'allow':['a  b']}"),
                 "Permission Subject \"a  b\" contains too many spaces");
    EXPECT_ERROR(NA_CLAIMS_USER, USER("'sub':{'allow':['a.. q']}"),
                 "subject \"a..\" cannot start or end with a `.`");
    EXPECT_ERROR(NA_CLAIMS_USER, USER("'sub':{'allow':['']}"), "subject cannot be empty");
    EXPECT_CLEAN(NA_CLAIMS_USER, USER("'resp':{'max':-1,'ttl':-5}"));

    v = validate_sq(NA_CLAIMS_USER,
                    USER("'src':['10.0.0.0/8','10.0.0.1','10.0.0.0/33','01.2.3.4/8',"
                         "'::ffff:1.2.3.4/96','::1/129','fe80::1%eth0/64','1.2.3.4/008',"
                         "'1.2.3.4/8x','']"));
    EXPECT_ISSUE_V(v, "invalid cidr \"10.0.0.1\" in user src limits", true);
    EXPECT_ISSUE_V(v, "invalid cidr \"10.0.0.0/33\" in user src limits", true);
    EXPECT_ISSUE_V(v, "invalid cidr \"01.2.3.4/8\" in user src limits", true);
    EXPECT_ISSUE_V(v, "invalid cidr \"::1/129\" in user src limits", true);
    EXPECT_ISSUE_V(v, "invalid cidr \"fe80::1%eth0/64\" in user src limits", true);
    EXPECT_ISSUE_V(v, "invalid cidr \"1.2.3.4/8x\" in user src limits", true);
    EXPECT_ISSUE_V(v, "invalid cidr \"\" in user src limits", true);
    CHECK(v && v->count == 7);
    na_issues_destroy(v);
    /* the comma-separated form of src */
    EXPECT_ERROR(NA_CLAIMS_USER, USER("'src':'10.0.0.0/8, ZZ'"),
                 "invalid cidr \"zz\" in user src limits");

    v = validate_sq(NA_CLAIMS_USER,
                    USER("'times':[{'start':'24:00:00','end':'9:5:00'},{},"
                         "{'start':'09:00:60','end':'09:00:00Z'},{'start':'1:00:00.123',"
                         "'end':'12:30:00,5'}]"));
    EXPECT_ISSUE_V(v, "start in time range is invalid \"24:00:00\"", true);
    EXPECT_ISSUE_V(v, "end in time range is invalid \"9:5:00\"", true);
    EXPECT_ISSUE_V(v, "time ranges start must contain a start", true);
    EXPECT_ISSUE_V(v, "time ranges end must contain an end", true);
    EXPECT_ISSUE_V(v, "start in time range is invalid \"09:00:60\"", true);
    EXPECT_ISSUE_V(v, "end in time range is invalid \"09:00:00Z\"", true);
    CHECK(v && v->count == 6);
    na_issues_destroy(v);

    EXPECT_ERROR(NA_CLAIMS_USER, USER("'times_location':'../etc/passwd'"),
                 "could not parse iana time zone by name: time: invalid location name");
    EXPECT_ERROR(NA_CLAIMS_USER, USER("'times_location':'/etc/localtime'"),
                 "could not parse iana time zone by name: time: invalid location name");
    EXPECT_ERROR(NA_CLAIMS_USER, USER("'times_location':'Mars Base'"),
                 "could not parse iana time zone by name: unknown time zone Mars Base");
    EXPECT_CLEAN(NA_CLAIMS_USER, USER("'times_location':'Etc/GMT+5'"));
    EXPECT_CLEAN(NA_CLAIMS_USER, USER("'times_location':'Local'"));

    EXPECT_ERROR(NA_CLAIMS_USER, USER("'issuer_account':'" KO "'"),
                 "account_id is not an account public key");
}

/* ---- activation, authorization, generic ------------------------------------ */

TEST(activation_rules)
{
    na_issues *v;
    EXPECT_ERROR(NA_CLAIMS_ACTIVATION, "{'sub':'" KA "','nats':{'subject':'a'}}",
                 "invalid import type: \"unknown\"");
    EXPECT_ERROR(NA_CLAIMS_ACTIVATION, "{'sub':'" KA "','nats':{'kind':'stream'}}",
                 "subject cannot be empty");
    EXPECT_ERROR(NA_CLAIMS_ACTIVATION, "{'sub':'" KA "','nats':{'kind':'stream','subject':'a b'}}",
                 "subject \"a b\" cannot have spaces");
    EXPECT_ERROR(NA_CLAIMS_ACTIVATION,
                 "{'sub':'" KA "','nats':{'kind':'stream','subject':'a',"
                 "'issuer_account':'" KU "'}}",
                 "account_id is not an account public key");
    /* standalone activations do get the time checks: not blocking, time_check */
    v = validate_sq(NA_CLAIMS_ACTIVATION,
                    "{'sub':'" KA "','exp':1600000000,'nbf':1800000000,"
                    "'nats':{'kind':'stream','subject':'a'}}");
    CHECK(v && v->count == 2);
    for (size_t i = 0; v && i < v->count; i++)
        CHECK(v->items[i].time_check && !v->items[i].blocking);
    CHECK(!na_issues_blocking(v, false) && na_issues_blocking(v, true));
    na_issues_destroy(v);
}

TEST(authorization_rules)
{
    EXPECT_ERROR(NA_CLAIMS_AUTH_REQUEST, "{'sub':'" KU "','nats':{}}", "User nkey is required");
    EXPECT_ERROR(NA_CLAIMS_AUTH_REQUEST, "{'sub':'" KU "','nats':{'user_nkey':'" KA "'}}",
                 "User nkey \"" KA "\" is not a valid user public key");

    EXPECT_ERROR(NA_CLAIMS_AUTH_RESPONSE, "{'sub':'" KA "','aud':'" KN "','nats':{'jwt':'x'}}",
                 "Subject must be a user public key");
    EXPECT_ERROR(NA_CLAIMS_AUTH_RESPONSE, "{'sub':'" KU "','aud':'" KA "','nats':{'jwt':'x'}}",
                 "Audience must be a server public key");
    EXPECT_ERROR(NA_CLAIMS_AUTH_RESPONSE, "{'sub':'" KU "','aud':'" KN "','nats':{}}",
                 "Error or Jwt is required");
    EXPECT_ERROR(NA_CLAIMS_AUTH_RESPONSE,
                 "{'sub':'" KU "','aud':'" KN "','nats':{'jwt':'x','error':'y'}}",
                 "Only Error or Jwt can be set");
    EXPECT_ERROR(NA_CLAIMS_AUTH_RESPONSE,
                 "{'sub':'" KU "','aud':'" KN "','nats':{'error':'y','issuer_account':'" KU "'}}",
                 "issuer_account is not an account public key");
    EXPECT_CLEAN(NA_CLAIMS_AUTH_RESPONSE,
                 "{'sub':'" KU "','aud':'" KN "','nats':{'error':'not allowed'}}");
}

TEST(generic_has_only_time_checks)
{
    na_issues *v = validate_sq(NA_CLAIMS_GENERIC,
                               "{'sub':'bad key','exp':1,'nats':{'type':'whatever','x':'a b'}}");
    CHECK(v && v->count == 1);
    if (v && v->count == 1) {
        CHECK_STREQ(v->items[0].description, "claim is expired");
        CHECK(v->items[0].time_check && !v->items[0].blocking);
    }
    na_issues_destroy(v);
}

int main(void)
{
    RUN(clean_claims_of_every_type);
    RUN(operator_rules);
    RUN(account_imports);
    RUN(account_import_overlaps);
    RUN(account_import_activation_tokens);
    RUN(account_exports);
    RUN(account_export_overlaps);
    RUN(account_info);
    RUN(account_limits_and_counts);
    RUN(decode_clears_flat_limits_under_tiers);
    RUN(account_permissions_and_mappings);
    RUN(account_authorization_trace_traffic_keys);
    RUN(user_rules);
    RUN(activation_rules);
    RUN(authorization_rules);
    RUN(generic_has_only_time_checks);
    return DONE();
}
