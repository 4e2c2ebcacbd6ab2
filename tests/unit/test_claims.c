/*
 * test_claims.c - the claims API: typed paths, defaults, unknown-field
 * preservation, convenience setters, revocation rules, decode errors.
 */
#include "natsauth/natsauth.h"
#include "testlib.h"

static const char *ACCT_SEED = "SAACEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEITNXI";
static const char *USER_PUB = "UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47";
static const char *ACCT_PUB = "ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I";

static na_nkey *acct_key(void)
{
    na_nkey *k = NULL;
    na_nkey_from_seed(&k, ACCT_SEED, strlen(ACCT_SEED), NULL);
    return k;
}

TEST(user_defaults_match_go)
{
    na_claims *c = NULL;
    char *json;
    CHECK(na_claims_create(&c, NA_CLAIMS_USER, USER_PUB, NULL) == NA_OK);
    json = na_claims_to_json(c, 0);
    CHECK_STREQ(json, "{\"sub\":\"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47\","
                      "\"nats\":{\"pub\":{},\"sub\":{},\"subs\":-1,\"data\":-1,\"payload\":-1}}");
    na_free(json);
    na_claims_destroy(c);
}

TEST(create_checks_subject_type)
{
    na_claims *c = NULL;
    na_err err = {0};
    CHECK(na_claims_create(&c, NA_CLAIMS_USER, ACCT_PUB, &err) == NA_EINVAL);
    CHECK(strstr(err.msg, "not a valid user public key") != NULL);
    CHECK(c == NULL);
    CHECK(na_claims_create(&c, NA_CLAIMS_ACCOUNT, "", &err) == NA_EINVAL);
}

TEST(paths_are_schema_checked)
{
    na_claims *c = NULL;
    na_err err = {0};
    int64_t v = 0;
    CHECK(na_claims_create(&c, NA_CLAIMS_ACCOUNT, ACCT_PUB, NULL) == NA_OK);
    CHECK(na_claims_set_int(c, "nats.limits.conn", 10, &err) == NA_OK);
    CHECK(na_claims_get_int(c, "nats.limits.conn", &v) && v == 10);
    CHECK(na_claims_set_int(c, "nats.limits.con", 10, &err) == NA_ESCHEMA);
    CHECK(strstr(err.msg, "unknown field 'con'") != NULL);
    CHECK(na_claims_set_str(c, "nats.limits.conn", "ten", &err) == NA_ESCHEMA);
    CHECK(strstr(err.msg, "nats.limits.conn") != NULL && strstr(err.msg, "integer") != NULL);
    CHECK(na_claims_set_int(c, "nats.limits.tiered_limits.R3.disk_storage", 1 << 20, &err) == NA_OK);
    CHECK(na_claims_get_int(c, "nats.limits.tiered_limits.R3.disk_storage", &v) && v == 1 << 20);
    /* mapping keys are subjects with dots */
    CHECK(na_claims_set_json(c, "nats.mappings.orders.*", "[{\"subject\":\"o.$1\",\"weight\":100}]",
                             &err) == NA_OK);
    CHECK(na_claims_count(c, "nats.mappings") == 1);
    CHECK(na_claims_set_json(c, "nats.mappings.x", "[{\"subject\":1}]", &err) == NA_ESCHEMA);
    /* a failed set leaves the claims unchanged */
    CHECK(na_claims_get_int(c, "nats.limits.conn", &v) && v == 10);
    na_claims_destroy(c);
}

TEST(unknown_fields_survive_round_trip)
{
    const char *in = "{\"sub\":\"UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47\","
                     "\"x_top\":[1,{\"b\":2,\"a\":1}],"
                     "\"nats\":{\"future\":{\"k\":true},\"pub\":{\"allow\":[\"a.>\"],\"z\":1},"
                     "\"type\":\"user\",\"version\":2}}";
    na_claims *c = NULL, *back = NULL;
    na_nkey *k = acct_key();
    char *jwt = NULL, *json;
    na_err err = {0};
    CHECK(na_claims_from_json(&c, NA_CLAIMS_TYPE_COUNT, in, strlen(in), &err) == NA_OK);
    CHECK(na_claims_encode(c, &jwt, k, 1700000000, &err) == NA_OK);
    CHECK(na_jwt_decode(&back, jwt, strlen(jwt), &err) == NA_OK);
    json = na_claims_to_json(back, 0);
    /* known fields first in Go order, then the unknown ones as read */
    CHECK(json && strstr(json, "\"nats\":{\"pub\":{\"allow\":[\"a.\\u003e\"],\"z\":1},\"sub\":{},"
                               "\"type\":\"user\",\"version\":2,\"future\":{\"k\":true}}") != NULL);
    CHECK(json && strstr(json, "\"x_top\":[1,{\"a\":1,\"b\":2}]") != NULL);
    na_free(json);
    na_free(jwt);
    na_claims_destroy(c);
    na_claims_destroy(back);
    na_nkey_destroy(k);
}

TEST(type_mismatch_and_bad_json)
{
    na_claims *c = NULL;
    na_err err = {0};
    const char *acct = "{\"sub\":\"x\",\"nats\":{\"type\":\"account\"}}";
    CHECK(na_claims_from_json(&c, NA_CLAIMS_USER, acct, strlen(acct), &err) == NA_ESCHEMA);
    CHECK(strstr(err.msg, "'account'") && strstr(err.msg, "'user'"));
    CHECK(na_claims_from_json(&c, NA_CLAIMS_USER, "{", 1, &err) == NA_EJSON);
    CHECK(na_claims_from_json(&c, NA_CLAIMS_USER, "[]", 2, &err) == NA_EJSON);
    CHECK(na_claims_from_json(&c, NA_CLAIMS_USER, "{\"exp\":1.5}", 11, &err) == NA_ESCHEMA);
    CHECK(strstr(err.msg, "'exp'") != NULL);
    CHECK(c == NULL);
    /* a version from the future is refused like Go does */
    {
        const char *fut = "{\"nats\":{\"type\":\"user\",\"version\":3}}";
        CHECK(na_claims_from_json(&c, NA_CLAIMS_TYPE_COUNT, fut, strlen(fut), &err) == NA_ESCHEMA);
        CHECK(strstr(err.msg, "newer version") != NULL);
    }
}

TEST(cidr_string_is_normalised)
{
    const char *in = "{\"nats\":{\"src\":\"192.168.1.0/24, 10.0.0.1/32,,192.168.1.0/24\"}}";
    na_claims *c = NULL;
    na_err err = {0};
    CHECK(na_claims_from_json(&c, NA_CLAIMS_USER, in, strlen(in), &err) == NA_OK);
    CHECK(na_claims_count(c, "nats.src") == 2);
    CHECK_STREQ(na_claims_str_at(c, "nats.src", 1), "10.0.0.1/32");
    na_claims_destroy(c);
}

TEST(tags_are_lowercased_and_deduplicated)
{
    na_claims *c = NULL;
    CHECK(na_claims_create(&c, NA_CLAIMS_USER, USER_PUB, NULL) == NA_OK);
    CHECK(na_claims_add_tag(c, "  Dept:Sales ", NULL) == NA_OK);
    CHECK(na_claims_add_tag(c, "dept:sales", NULL) == NA_OK);
    CHECK(na_claims_add_tag(c, "", NULL) == NA_OK);
    CHECK(na_claims_count(c, "nats.tags") == 1);
    CHECK_STREQ(na_claims_str_at(c, "nats.tags", 0), "dept:sales");
    na_claims_destroy(c);
}

TEST(revocation_keeps_later_entry_and_uses_ge)
{
    na_claims *a = NULL;
    int64_t v = 0;
    CHECK(na_claims_create(&a, NA_CLAIMS_ACCOUNT, ACCT_PUB, NULL) == NA_OK);
    CHECK(na_claims_revoke(a, USER_PUB, 200, NULL) == NA_OK);
    CHECK(na_claims_revoke(a, USER_PUB, 100, NULL) == NA_OK); /* earlier: ignored */
    CHECK(na_claims_get_int(a, "nats.revocations." "UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47", &v) && v == 200);
    CHECK(na_claims_is_revoked(a, USER_PUB, 200));  /* same second counts */
    CHECK(na_claims_is_revoked(a, USER_PUB, 150));
    CHECK(!na_claims_is_revoked(a, USER_PUB, 201));
    CHECK(na_claims_revoke(a, "*", 300, NULL) == NA_OK);
    CHECK(na_claims_is_revoked(a, ACCT_PUB, 300));
    CHECK(na_claims_revoke(a, "nobody", 1, NULL) == NA_EINVAL);
    na_claims_destroy(a);
}

TEST(scoped_key_template_defaults)
{
    na_claims *a = NULL;
    char *json;
    na_err err = {0};
    const char *sk = "ACQJVJPUPJTVTABP7FK7RXBNFIKKLSM5EO7JP6DECJ77SOBUKWSPBI3I";
    CHECK(na_claims_create(&a, NA_CLAIMS_ACCOUNT, ACCT_PUB, NULL) == NA_OK);
    CHECK(na_claims_add_scoped_key(a, sk, "app", "{\"pub\":{\"allow\":[\"users.{{name()}}.>\"]}}",
                                   "apps", &err) == NA_OK);
    json = na_claims_to_json(a, 0);
    CHECK(json && strstr(json, "\"signing_keys\":[{\"kind\":\"user_scope\",\"key\":\"ACQJ") != NULL);
    CHECK(json && strstr(json, "\"template\":{\"pub\":{\"allow\":[\"users.{{name()}}.\\u003e\"]},"
                               "\"sub\":{},\"subs\":-1,\"data\":-1,\"payload\":-1},"
                               "\"description\":\"apps\"}") != NULL);
    na_free(json);
    CHECK(na_claims_add_scoped_key(a, "UAL4W6P3FNASB4VR5RS6IGMNNYELFDUBH7VQDZFEACBZXBPBQCAM4C47",
                                   "x", NULL, NULL, &err) == NA_EINVAL);
    na_claims_destroy(a);
}

TEST(encode_refuses_wrong_signer)
{
    na_claims *c = NULL;
    na_nkey *u = NULL;
    char *jwt = NULL;
    na_err err = {0};
    const uint8_t raw[32] = {1};
    CHECK(na_nkey_from_raw(&u, NA_NKEY_USER, raw, NULL) == NA_OK);
    CHECK(na_claims_create(&c, NA_CLAIMS_USER, USER_PUB, NULL) == NA_OK);
    CHECK(na_claims_encode(c, &jwt, u, 1, &err) == NA_EPREFIX);
    CHECK(strstr(err.msg, "must be signed by an account key") != NULL);
    CHECK(jwt == NULL);
    na_claims_destroy(c);
    na_nkey_destroy(u);
}

TEST(decode_errors_are_distinct)
{
    na_claims *c = NULL;
    na_err err = {0};
    CHECK(na_jwt_decode(&c, "abc", 3, &err) == NA_EJWT);
    CHECK(strstr(err.msg, "3 chunks") != NULL);
    CHECK(na_jwt_decode(&c, "a.b.c.d", 7, &err) == NA_EJWT);
    {
        /* header with another alg */
        const char *t = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.e30.AAAA";
        CHECK(na_jwt_decode(&c, t, strlen(t), &err) == NA_EJWT);
        CHECK(strstr(err.msg, "HS256") != NULL);
    }
}

TEST(verify_checks_times)
{
    na_claims *c = NULL, *back = NULL;
    na_nkey *k = acct_key();
    char *jwt = NULL;
    na_err err = {0};
    CHECK(na_claims_create(&c, NA_CLAIMS_USER, USER_PUB, NULL) == NA_OK);
    CHECK(na_claims_set_expires(c, 2000, NULL) == NA_OK);
    CHECK(na_claims_set_not_before(c, 1000, NULL) == NA_OK);
    CHECK(na_claims_encode(c, &jwt, k, 900, &err) == NA_OK);
    CHECK(na_jwt_verify(&back, jwt, strlen(jwt), 1500, &err) == NA_OK);
    na_claims_destroy(back);
    CHECK(na_jwt_verify(&back, jwt, strlen(jwt), 2001, &err) == NA_EEXPIRED);
    CHECK(back == NULL);
    CHECK(na_jwt_verify(&back, jwt, strlen(jwt), 2000, &err) == NA_OK); /* exp is inclusive */
    na_claims_destroy(back);
    CHECK(na_jwt_verify(&back, jwt, strlen(jwt), 999, &err) == NA_ENOTYET);
    na_free(jwt);
    na_claims_destroy(c);
    na_nkey_destroy(k);
}

int main(void)
{
    RUN(user_defaults_match_go);
    RUN(create_checks_subject_type);
    RUN(paths_are_schema_checked);
    RUN(unknown_fields_survive_round_trip);
    RUN(type_mismatch_and_bad_json);
    RUN(cidr_string_is_normalised);
    RUN(tags_are_lowercased_and_deduplicated);
    RUN(revocation_keeps_later_entry_and_uses_ge);
    RUN(scoped_key_template_defaults);
    RUN(encode_refuses_wrong_signer);
    RUN(decode_errors_are_distinct);
    RUN(verify_checks_times);
    return DONE();
}
