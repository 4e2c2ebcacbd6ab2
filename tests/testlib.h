/*
 * testlib.h - a minimal test runner for natsauth's C tests.
 *
 * Each test binary defines cases with TEST(name) and lists them in main via
 * RUN(name). CHECK() records a failure with file:line and goes on; the run
 * ends with the plain "N passed, N failed" line ctest logs and CI reads.
 */
#ifndef NATSAUTH_TESTLIB_H
#define NATSAUTH_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tl_failed_checks, tl_cases_passed, tl_cases_failed, tl_case_failed;
static const char *tl_case;

#define TEST(name) static void name(void)
#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            tl_failed_checks++;                                                       \
            tl_case_failed = 1;                                                       \
            fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__,      \
                    tl_case, #cond);                                                  \
        }                                                                             \
    } while (0)
#define CHECKF(cond, ...)                                                             \
    do {                                                                              \
        if (!(cond)) {                                                                \
            tl_failed_checks++;                                                       \
            tl_case_failed = 1;                                                       \
            fprintf(stderr, "%s:%d: %s: check failed: %s: ", __FILE__, __LINE__,      \
                    tl_case, #cond);                                                  \
            fprintf(stderr, __VA_ARGS__);                                             \
            fputc('\n', stderr);                                                      \
        }                                                                             \
    } while (0)
#define CHECK_STREQ(a, b)                                                             \
    do {                                                                              \
        const char *tl_a = (a), *tl_b = (b);                                          \
        CHECKF(tl_a && tl_b && strcmp(tl_a, tl_b) == 0, "\n  got  %s\n  want %s",      \
               tl_a ? tl_a : "(null)", tl_b ? tl_b : "(null)");                       \
    } while (0)
#define RUN(name)                                                                     \
    do {                                                                              \
        tl_case = #name;                                                              \
        tl_case_failed = 0;                                                           \
        name();                                                                       \
        if (tl_case_failed) {                                                         \
            tl_cases_failed++;                                                        \
            fprintf(stderr, "FAIL %s\n", #name);                                      \
        } else {                                                                      \
            tl_cases_passed++;                                                        \
            printf("ok   %s\n", #name);                                               \
        }                                                                             \
    } while (0)
#define DONE()                                                                        \
    (printf("%d passed, %d failed\n", tl_cases_passed, tl_cases_failed),              \
     tl_cases_failed ? 1 : 0)

#endif
