/*
 * Unit tests for the cache geometry model (hw/core/vtopo/cache.c)
 *
 * Valid geometries are those of real processors as their CPUID leaf 4 /
 * Fn8000_001D reports them; the limits come from the field widths of
 * those leaves (Intel SDM vol. 2A, AMD APM vol. 3).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/core/vtopo/cache.h"
#include "vtopo-check.h"

#define KiB (UINT64_C(1) << 10)
#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

#define L1D(sz, w, l) { .level = 1, .type = VTOPO_CACHE_DATA, .size = (sz), \
                        .ways = (w), .line_size = (l), .partitions = 1 }
#define L2(sz, w, l)  { .level = 2, .type = VTOPO_CACHE_UNIFIED, .size = (sz), \
                        .ways = (w), .line_size = (l), .partitions = 1 }
#define L3(sz, w, l)  { .level = 3, .type = VTOPO_CACHE_UNIFIED, .size = (sz), \
                        .ways = (w), .line_size = (l), .partitions = 1 }

static const struct {
    VTopoCache cache;
    uint64_t sets;
} valid[] = {
    /* Skylake: 32K 8-way L1d, 64 sets */
    { L1D(32 * KiB, 8, 64), 64 },
    /* Alder Lake P-core: 48K 12-way L1d */
    { L1D(48 * KiB, 12, 64), 64 },
    /* Skylake-SP: 1M 16-way L2 */
    { L2(1 * MiB, 16, 64), 1024 },
    /* Zen 4: 32M 16-way L3 per CCX */
    { L3(32 * MiB, 16, 64), 32768 },
    /* Skylake-SP: 11-way L3 slices, 1408K per core x 16 */
    { L3(22528 * KiB, 11, 64), 32768 },
    /* non-power-of-two sets: 12-way 1.25M L2 (Ice Lake server) */
    { L2(1280 * KiB, 20, 64), 1024 },
    /* direct mapped */
    { L2(256 * KiB, 1, 64), 4096 },
    /* extremes that leaf 4 still encodes */
    { L3(4 * GiB, 1024, 4096), 1024 },
    { L2(4096, 1, 1), 4096 },
};

START_TEST(test_valid)
{
    const VTopoCache *c = &valid[_i].cache;
    char *reason = NULL;

    ck_assert_msg(vtopo_cache_check(c, &reason), "%s", reason);
    ck_assert_uint_eq(vtopo_cache_sets(c), valid[_i].sets);
}
END_TEST

#define WITH(base, field, value) ({ VTopoCache c_ = base; c_.field = value; c_; })

static const VTopoCache good_l2 = L2(2 * MiB, 16, 64);
static const VTopoCache good_l1 = L1D(32 * KiB, 8, 64);

static struct {
    VTopoCache cache;
    const char *reason;
} invalid[64];
static int nr_invalid;

static void add_invalid(VTopoCache c, const char *reason)
{
    invalid[nr_invalid].cache = c;
    invalid[nr_invalid].reason = reason;
    nr_invalid++;
}

static void build_invalid(void)
{
    /* level and type */
    add_invalid(WITH(good_l2, level, 0), "level 0 is not 1, 2 or 3");
    add_invalid(WITH(good_l2, level, 4), "level 4 is not 1, 2 or 3");
    add_invalid(WITH(good_l2, level, 255), "level 255 is not");
    add_invalid(WITH(good_l2, type, VTOPO_CACHE_DATA), "an L2 cache cannot be data");
    add_invalid(WITH(good_l2, type, VTOPO_CACHE_INSTRUCTION),
                "an L2 cache cannot be instruction");
    add_invalid(WITH(good_l1, type, VTOPO_CACHE_UNIFIED),
                "an L1 cache cannot be unified");
    /* size */
    add_invalid(WITH(good_l2, size, 0), "size must not be 0");
    add_invalid(WITH(good_l1, size, 0), "size must not be 0");
    add_invalid(WITH(good_l2, size, 1), "size 1 is not a whole number of sets");
    add_invalid(WITH(good_l2, size, 1000 * 1000), "size 1000000 is not a whole");
    add_invalid(WITH(good_l2, size, 2 * MiB + 64), "is not a whole number of sets");
    add_invalid(WITH(good_l2, size, 2 * MiB - 512), "is not a whole number of sets");
    add_invalid(WITH(good_l1, size, 48 * KiB + 256), "is not a whole number of sets");
    add_invalid(WITH(good_l1, size, 1023), "is not a whole number of sets");
    add_invalid(WITH(WITH(good_l2, ways, 12), size, 2 * MiB),
                "size 2097152 is not a whole number of sets of 12 ways");
    add_invalid(WITH(WITH(good_l2, ways, 1), size, 512 * GiB),
                "needs 8589934592 sets, more than CPUID can describe");
    add_invalid(WITH(WITH(good_l2, ways, 1), size, (UINT64_C(1) << 32) * 64 + 64),
                "sets, more than CPUID can describe");
    /* ways */
    add_invalid(WITH(good_l2, ways, 0), "ways 0 is outside 1..1024");
    add_invalid(WITH(good_l1, ways, 0), "ways 0 is outside 1..1024");
    add_invalid(WITH(good_l2, ways, 1025), "ways 1025 is outside 1..1024");
    add_invalid(WITH(good_l2, ways, 2048), "ways 2048 is outside");
    add_invalid(WITH(good_l2, ways, UINT32_MAX), "ways 4294967295 is outside");
    add_invalid(WITH(good_l2, ways, 3), "is not a whole number of sets of 3 ways");
    add_invalid(WITH(good_l2, ways, 7), "of 7 ways");
    /* partitions */
    add_invalid(WITH(good_l2, partitions, 0), "partitions 0 is outside 1..1024");
    add_invalid(WITH(good_l2, partitions, 1025), "partitions 1025 is outside");
    add_invalid(WITH(good_l2, partitions, UINT32_MAX), "partitions 4294967295");
    add_invalid(WITH(good_l2, partitions, 3), "x 3 partitions");
    /* line size */
    add_invalid(WITH(good_l2, line_size, 0), "line-size 0 is not a power of two");
    add_invalid(WITH(good_l2, line_size, 48), "line-size 48 is not a power of two");
    add_invalid(WITH(good_l2, line_size, 63), "line-size 63 is not");
    add_invalid(WITH(good_l2, line_size, 65), "line-size 65 is not");
    add_invalid(WITH(good_l2, line_size, 96), "line-size 96 is not");
    add_invalid(WITH(good_l2, line_size, 8192), "line-size 8192 is not a power of two in 1..4096");
    add_invalid(WITH(good_l2, line_size, 4097), "line-size 4097");
    add_invalid(WITH(good_l2, line_size, UINT32_MAX), "line-size 4294967295");
    add_invalid(WITH(good_l1, line_size, 3), "line-size 3 is not");
    /* combinations that are whole per field but not together */
    add_invalid(WITH(WITH(good_l1, ways, 1024), line_size, 4096),
                "size 32768 is not a whole number of sets of 1024 ways");
    add_invalid(WITH(WITH(good_l2, partitions, 1024), line_size, 4096),
                "is not a whole number of sets");
    add_invalid(WITH(WITH(good_l1, size, 32 * KiB), ways, 6),
                "size 32768 is not a whole number of sets of 6 ways");
    add_invalid(WITH(WITH(good_l1, size, 40 * KiB + 100), ways, 8),
                "size 41060 is not a whole number of sets of 8 ways");
    add_invalid(WITH(WITH(good_l2, size, 64), line_size, 128),
                "size 64 is not a whole number of sets");
}

START_TEST(test_invalid)
{
    char *reason = NULL;

    ck_assert_msg(!vtopo_cache_check(&invalid[_i].cache, &reason),
                  "case %d accepted", _i);
    ck_assert_msg(strstr(reason, invalid[_i].reason),
                  "case %d: \"%s\" does not say \"%s\"", _i, reason,
                  invalid[_i].reason);
    g_free(reason);
}
END_TEST

START_TEST(test_invalid_count)
{
    /* The bad-input table must stay at least this long. */
    ck_assert_int_ge(nr_invalid, 40);
}
END_TEST

static Suite *cache_suite(void)
{
    Suite *s = suite_create("vtopo-cache");
    TCase *tc = tcase_create("geometry");

    build_invalid();
    tcase_add_loop_test(tc, test_valid, 0, G_N_ELEMENTS(valid));
    tcase_add_loop_test(tc, test_invalid, 0, nr_invalid);
    tcase_add_test(tc, test_invalid_count);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return vtopo_check_run(cache_suite());
}
