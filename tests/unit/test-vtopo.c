/*
 * Unit tests of vtopo, the model of a machine's CPU topology and caches
 *
 * The ids the model gives each possible vCPU are checked against
 * x86_topo_ids_from_idx() of hw/i386/topology.h, the order in which the
 * PC machines enumerate their CPUs; cache sets against the formula of
 * the Intel SDM (vol. 2A, CPUID leaf 04H: size = ways * partitions *
 * line size * sets).
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "hw/i386/topology.h"
#include "hw/core/vtopo/model.h"

/* @sockets x @dies x @modules x @cores x @threads, as x86 machines have. */
static VTopoShape x86_shape(unsigned int sockets, unsigned int dies,
                            unsigned int modules, unsigned int cores,
                            unsigned int threads)
{
    VTopoShape s = { 0 };

    for (int l = 0; l < VTOPO_LEVELS; l++) {
        s.count[l] = 1;
    }
    s.supported[CPU_TOPOLOGY_LEVEL_SOCKET] = true;
    s.supported[CPU_TOPOLOGY_LEVEL_DIE] = true;
    s.supported[CPU_TOPOLOGY_LEVEL_MODULE] = true;
    s.supported[CPU_TOPOLOGY_LEVEL_CORE] = true;
    s.supported[CPU_TOPOLOGY_LEVEL_THREAD] = true;
    s.count[CPU_TOPOLOGY_LEVEL_SOCKET] = sockets;
    s.count[CPU_TOPOLOGY_LEVEL_DIE] = dies;
    s.count[CPU_TOPOLOGY_LEVEL_MODULE] = modules;
    s.count[CPU_TOPOLOGY_LEVEL_CORE] = cores;
    s.count[CPU_TOPOLOGY_LEVEL_THREAD] = threads;
    s.cpus = sockets * dies * modules * cores * threads;
    return s;
}

/* Every vCPU's ids are those the PC machines give it. */
static void test_ids_follow_x86(void)
{
    static const unsigned int shapes[][5] = {
        { 1, 1, 1, 1, 1 },
        { 2, 1, 1, 4, 2 },
        { 2, 2, 1, 3, 2 },
        { 1, 2, 2, 2, 2 },
        { 3, 1, 1, 5, 1 },
        { 4, 3, 2, 1, 3 },
    };

    for (unsigned int i = 0; i < G_N_ELEMENTS(shapes); i++) {
        const unsigned int *d = shapes[i];
        VTopoShape s = x86_shape(d[0], d[1], d[2], d[3], d[4]);
        X86CPUTopoInfo info = {
            .dies_per_pkg = d[1],
            .modules_per_die = d[2],
            .cores_per_module = d[3],
            .threads_per_core = d[4],
        };

        g_assert_cmpuint(vtopo_shape_max_cpus(&s), ==,
                         d[0] * d[1] * d[2] * d[3] * d[4]);
        for (unsigned int index = 0; index < vtopo_shape_max_cpus(&s);
             index++) {
            X86CPUTopoIDs want;
            int id[VTOPO_LEVELS];

            x86_topo_ids_from_idx(&info, index, &want);
            vtopo_shape_ids_from_index(&s, index, id);
            g_assert_cmpint(id[CPU_TOPOLOGY_LEVEL_SOCKET], ==, want.pkg_id);
            g_assert_cmpint(id[CPU_TOPOLOGY_LEVEL_DIE], ==, want.die_id);
            g_assert_cmpint(id[CPU_TOPOLOGY_LEVEL_MODULE], ==, want.module_id);
            g_assert_cmpint(id[CPU_TOPOLOGY_LEVEL_CORE], ==, want.core_id);
            g_assert_cmpint(id[CPU_TOPOLOGY_LEVEL_THREAD], ==, want.smt_id);
            /* Levels x86 does not have. */
            g_assert_cmpint(id[CPU_TOPOLOGY_LEVEL_CLUSTER], ==, VTOPO_ID_NONE);
            g_assert_cmpint(id[CPU_TOPOLOGY_LEVEL_BOOK], ==, VTOPO_ID_NONE);
            g_assert_cmpint(id[CPU_TOPOLOGY_LEVEL_DRAWER], ==, VTOPO_ID_NONE);
        }
    }
}

/*
 * The domain of a level that holds a vCPU, numbered across the machine,
 * and presence up to -smp cpus.
 */
static void test_domains(void)
{
    VTopoShape s = x86_shape(2, 2, 1, 3, 2);
    g_autoptr(VTopo) topo = NULL;

    s.cpus = 10;
    topo = vtopo_new(&s, 0);
    g_assert_cmpuint(topo->nr_cpus, ==, 24);
    g_assert_cmpuint(vtopo_shape_cpus_per(&s, CPU_TOPOLOGY_LEVEL_THREAD), ==,
                     1);
    g_assert_cmpuint(vtopo_shape_cpus_per(&s, CPU_TOPOLOGY_LEVEL_CORE), ==, 2);
    g_assert_cmpuint(vtopo_shape_cpus_per(&s, CPU_TOPOLOGY_LEVEL_DIE), ==, 6);
    g_assert_cmpuint(vtopo_shape_cpus_per(&s, CPU_TOPOLOGY_LEVEL_SOCKET), ==,
                     12);
    g_assert_cmpuint(vtopo_shape_cpus_per(&s, CPU_TOPOLOGY_LEVEL_DEFAULT), ==,
                     24);
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        const VTopoCpu *cpu = &topo->cpus[i];

        g_assert_cmpuint(cpu->index, ==, i);
        g_assert_cmpint(cpu->present, ==, i < 10);
        g_assert_cmpint(cpu->node, ==, VTOPO_NODE_NONE);
        g_assert_cmpint(vtopo_cpu_domain(topo, cpu,
                                         CPU_TOPOLOGY_LEVEL_THREAD), ==, i);
        g_assert_cmpint(vtopo_cpu_domain(topo, cpu,
                                         CPU_TOPOLOGY_LEVEL_CORE), ==, i / 2);
        g_assert_cmpint(vtopo_cpu_domain(topo, cpu, CPU_TOPOLOGY_LEVEL_DIE), ==,
                        i / 6);
        g_assert_cmpint(vtopo_cpu_domain(topo, cpu,
                                         CPU_TOPOLOGY_LEVEL_SOCKET), ==,
                        i / 12);
    }
}

/* A vCPU whose ids do not fit the shape has no domain. */
static void test_domain_out_of_range(void)
{
    VTopoShape s = x86_shape(1, 1, 1, 2, 2);
    g_autoptr(VTopo) topo = vtopo_new(&s, 0);

    topo->cpus[3].id[CPU_TOPOLOGY_LEVEL_CORE] = 2;
    g_assert_cmpint(vtopo_cpu_domain(topo, &topo->cpus[3],
                                     CPU_TOPOLOGY_LEVEL_CORE),
                    ==, -1);
}

/* NUMA nodes that split a core, and nodes that do not. */
static void test_nodes_split(void)
{
    VTopoShape s = x86_shape(2, 1, 1, 2, 2);
    g_autoptr(VTopo) topo = vtopo_new(&s, 2);

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        topo->cpus[i].node = i / 4;             /* a node per socket */
    }
    g_assert_false(vtopo_nodes_split(topo, CPU_TOPOLOGY_LEVEL_CORE));
    g_assert_false(vtopo_nodes_split(topo, CPU_TOPOLOGY_LEVEL_SOCKET));
    topo->cpus[1].node = 1;                     /* core 0's second thread */
    g_assert_true(vtopo_nodes_split(topo, CPU_TOPOLOGY_LEVEL_CORE));
}

static const struct {
    VTopoCache cache;
    uint64_t sets;
} valid_caches[] = {
    /* 32 KiB / (8 ways * 1 partition * 64 bytes) */
    { { 1, VTOPO_CACHE_DATA, 32 * KiB, 8, 64, 1, false }, 64 },
    { { 1, VTOPO_CACHE_INSTRUCTION, 64 * KiB, 4, 64, 1, false }, 256 },
    { { 2, VTOPO_CACHE_UNIFIED, 1 * MiB, 16, 64, 1, false }, 1024 },
    /* 11 ways, as the L3 of Skylake-SP has */
    { { 3, VTOPO_CACHE_UNIFIED, 11 * MiB, 11, 64, 1, true }, 16384 },
    /* two partitions halve the sets */
    { { 2, VTOPO_CACHE_UNIFIED, 2 * MiB, 16, 64, 2, false }, 1024 },
    { { 3, VTOPO_CACHE_UNIFIED, 16 * MiB, 16, 128, 1, true }, 8192 },
};

static void test_cache_sets(void)
{
    for (unsigned int i = 0; i < G_N_ELEMENTS(valid_caches); i++) {
        g_autofree char *reason = NULL;

        g_assert_true(vtopo_cache_check(&valid_caches[i].cache, &reason));
        g_assert_null(reason);
        g_assert_cmpuint(vtopo_cache_sets(&valid_caches[i].cache), ==,
                         valid_caches[i].sets);
    }
}

static const struct {
    VTopoCache cache;
    const char *reason;
} invalid_caches[] = {
    { { 4, VTOPO_CACHE_UNIFIED, 1 * MiB, 16, 64, 1 },
      "level 4 is not 1, 2 or 3" },
    { { 2, VTOPO_CACHE_DATA, 1 * MiB, 16, 64, 1 },
      "an L2 cache cannot be data" },
    { { 1, VTOPO_CACHE_UNIFIED, 32 * KiB, 8, 64, 1 },
      "an L1 cache cannot be unified" },
    { { 2, VTOPO_CACHE_UNIFIED, 0, 16, 64, 1 }, "size must not be 0" },
    { { 2, VTOPO_CACHE_UNIFIED, 1 * MiB, 0, 64, 1 },
      "ways 0 is outside 1..1024" },
    { { 2, VTOPO_CACHE_UNIFIED, 1 * MiB, 16, 64, 0 },
      "partitions 0 is outside 1..1024" },
    { { 2, VTOPO_CACHE_UNIFIED, 1 * MiB, 16, 48, 1 },
      "line-size 48 is not a power of " },
    /* 1 MiB + 64 bytes is not a whole number of 16-way sets */
    { { 2, VTOPO_CACHE_UNIFIED, 1 * MiB + 64, 16, 64, 1 },
      "size 1048640 is not a whole number of " },
};

static void test_cache_check(void)
{
    for (unsigned int i = 0; i < G_N_ELEMENTS(invalid_caches); i++) {
        g_autofree char *reason = NULL;

        g_assert_false(vtopo_cache_check(&invalid_caches[i].cache, &reason));
        g_assert_nonnull(reason);
        g_assert_true(g_str_has_prefix(reason, invalid_caches[i].reason));
    }
}

/* What the resolver passes to the target's limits. */
static const int target_limits;

/* A target that cannot describe more than 16 ways. */
static bool encodable_16_ways(const VTopoCache *cache, const void *opaque,
                              char **reason)
{
    g_assert(opaque == &target_limits);
    if (cache->ways > 16) {
        *reason = g_strdup("ways: at most 16");
        return false;
    }
    return true;
}

/*
 * A CPU model with an L1d, an L1i and an L2 shared per core, whose L3
 * would be shared per die, and whose registers hold at most 16 ways.
 */
static VTopoCpuCaches cpu_without_l3(void)
{
    static const VTopoCache l1 = { 1, VTOPO_CACHE_DATA, 32 * KiB, 8, 64, 1,
                                   false };
    VTopoCpuCaches cpu = {
        .present = { true, true, true, false },
        .cache = {
            { .geometry = l1, .sharing = CPU_TOPOLOGY_LEVEL_CORE },
            { .geometry = l1, .sharing = CPU_TOPOLOGY_LEVEL_CORE },
            { .geometry = { 2, VTOPO_CACHE_UNIFIED, 1 * MiB, 16, 64, 1,
                            false },
              .sharing = CPU_TOPOLOGY_LEVEL_CORE },
            { .sharing = CPU_TOPOLOGY_LEVEL_DIE },
        },
        .encodable = encodable_16_ways,
        .opaque = &target_limits,
    };

    cpu.cache[1].geometry.type = VTOPO_CACHE_INSTRUCTION;
    return cpu;
}

/*
 * smp-cache over the CPU model's caches: the members the request gives,
 * the model's for the others; a cache the model lacks needs its whole
 * geometry.
 */
static void test_cache_resolve(void)
{
    VTopoCpuCaches cpu = cpu_without_l3();
    VTopoCacheRequest req = {
        .geometry = { .level = 2, .type = VTOPO_CACHE_UNIFIED },
        .sharing = CPU_TOPOLOGY_LEVEL_DEFAULT,
    };
    VTopoSharedCache out;
    char *reason = NULL;

    /* Nothing asked: the model's cache, nothing given. */
    g_assert_cmpint(vtopo_cache_resolve(&cpu, 2, &req, &out, &reason), ==, 1);
    g_assert_cmpuint(out.geometry.size, ==, 1 * MiB);
    g_assert_cmpuint(out.geometry.ways, ==, 16);
    g_assert_cmpint(out.sharing, ==, CPU_TOPOLOGY_LEVEL_CORE);
    g_assert_cmpuint(out.given, ==, 0);

    /* The ways and the sharing level asked, the rest the model's. */
    req.given = VTOPO_CACHE_FIELD_WAYS;
    req.geometry.ways = 8;
    req.sharing = CPU_TOPOLOGY_LEVEL_DIE;
    g_assert_cmpint(vtopo_cache_resolve(&cpu, 2, &req, &out, &reason), ==, 1);
    g_assert_cmpuint(out.geometry.size, ==, 1 * MiB);
    g_assert_cmpuint(out.geometry.ways, ==, 8);
    g_assert_cmpuint(out.geometry.line_size, ==, 64);
    g_assert_cmpuint(vtopo_cache_sets(&out.geometry), ==, 2048);
    g_assert_cmpint(out.sharing, ==, CPU_TOPOLOGY_LEVEL_DIE);
    g_assert_cmpuint(out.given, ==,
                     VTOPO_CACHE_FIELD_WAYS | VTOPO_CACHE_FIELD_SHARING);

    /* A geometry the target cannot describe: its reason. */
    req.geometry.ways = 32;
    g_assert_cmpint(vtopo_cache_resolve(&cpu, 2, &req, &out, &reason), ==,
                    -1);
    g_assert_cmpstr(reason, ==, "ways: at most 16");
    g_clear_pointer(&reason, g_free);

    /* Not whole sets. */
    req.geometry.ways = 3;
    g_assert_cmpint(vtopo_cache_resolve(&cpu, 2, &req, &out, &reason), ==,
                    -1);
    g_assert_true(g_str_has_prefix(reason, "size 1048576 is not a whole "));
    g_clear_pointer(&reason, g_free);

    /* A cache the model lacks: nothing unless the geometry is given. */
    req.geometry = (VTopoCache) { .level = 3, .type = VTOPO_CACHE_UNIFIED,
                                  .ways = 8 };
    req.sharing = CPU_TOPOLOGY_LEVEL_DEFAULT;
    g_assert_cmpint(vtopo_cache_resolve(&cpu, 3, &req, &out, &reason), ==,
                    -1);
    g_assert_cmpstr(reason, ==, "the CPU has no such cache; give its size, "
                    "ways and line-size");
    g_clear_pointer(&reason, g_free);
    req.given = 0;
    g_assert_cmpint(vtopo_cache_resolve(&cpu, 3, &req, &out, &reason), ==, 0);
    /* ... a sharing alone is not described, and not refused */
    req.sharing = CPU_TOPOLOGY_LEVEL_SOCKET;
    g_assert_cmpint(vtopo_cache_resolve(&cpu, 3, &req, &out, &reason), ==, 0);
    req.sharing = CPU_TOPOLOGY_LEVEL_DEFAULT;
    req.given = VTOPO_CACHE_FIELD_SIZE | VTOPO_CACHE_FIELD_WAYS |
                VTOPO_CACHE_FIELD_LINE_SIZE;
    req.geometry.size = 8 * MiB;
    req.geometry.line_size = 64;
    g_assert_cmpint(vtopo_cache_resolve(&cpu, 3, &req, &out, &reason), ==, 1);
    g_assert_cmpuint(out.geometry.level, ==, 3);
    g_assert_cmpuint(out.geometry.partitions, ==, 1);
    g_assert_cmpuint(vtopo_cache_sets(&out.geometry), ==, 16384);
    /* ... shared as the model would share such a cache */
    g_assert_cmpint(out.sharing, ==, CPU_TOPOLOGY_LEVEL_DIE);
}

/*
 * What the target says smp-cache cannot give: a geometry it cannot set,
 * inclusiveness it does not describe, the sharing of a cache it lacks.
 */
static void test_cache_resolve_fixed(void)
{
    VTopoCpuCaches cpu = cpu_without_l3();
    VTopoCacheRequest req = {
        .geometry = { .level = 2, .type = VTOPO_CACHE_UNIFIED, .ways = 8 },
        .given = VTOPO_CACHE_FIELD_WAYS,
        .sharing = CPU_TOPOLOGY_LEVEL_DEFAULT,
    };
    VTopoSharedCache out;
    char *reason = NULL;

    cpu.fixed[2] = "the geometry is the host's";
    g_assert_cmpint(vtopo_cache_resolve(&cpu, 2, &req, &out, &reason), ==,
                    -1);
    g_assert_cmpstr(reason, ==, "the geometry is the host's");
    g_clear_pointer(&reason, g_free);
    /* ... the sharing alone can still be given */
    req.given = 0;
    req.sharing = CPU_TOPOLOGY_LEVEL_SOCKET;
    g_assert_cmpint(vtopo_cache_resolve(&cpu, 2, &req, &out, &reason), ==, 1);
    g_assert_cmpint(out.sharing, ==, CPU_TOPOLOGY_LEVEL_SOCKET);
    g_assert_cmpuint(out.given, ==, VTOPO_CACHE_FIELD_SHARING);

    cpu.inclusive_fixed = "no inclusive bit";
    req.given = VTOPO_CACHE_FIELD_INCLUSIVE;
    req.geometry.inclusive = true;
    g_assert_cmpint(vtopo_cache_resolve(&cpu, 1, &req, &out, &reason), ==,
                    -1);
    g_assert_cmpstr(reason, ==, "no inclusive bit");
    g_clear_pointer(&reason, g_free);

    /* The sharing of a cache the model lacks, where that needs one. */
    cpu.sharing_needs_cache = true;
    req.geometry = (VTopoCache) { .level = 3, .type = VTOPO_CACHE_UNIFIED };
    req.given = 0;
    g_assert_cmpint(vtopo_cache_resolve(&cpu, 3, &req, &out, &reason), ==,
                    -1);
    g_assert_cmpstr(reason, ==, "the CPU has no such cache; give its size, "
                    "ways and line-size");
    g_clear_pointer(&reason, g_free);
    cpu.fixed[3] = "the geometry is the host's";
    g_assert_cmpint(vtopo_cache_resolve(&cpu, 3, &req, &out, &reason), ==,
                    -1);
    g_assert_cmpstr(reason, ==, "the CPU describes no such cache");
    g_clear_pointer(&reason, g_free);
    req.sharing = CPU_TOPOLOGY_LEVEL_DEFAULT;
    g_assert_cmpint(vtopo_cache_resolve(&cpu, 3, &req, &out, &reason), ==, 0);
}

/* The instance of a shared cache each vCPU uses, and how many there are. */
static void test_cache_instances(void)
{
    VTopoShape s = x86_shape(2, 2, 1, 3, 2);
    g_autoptr(VTopo) topo = vtopo_new(&s, 0);
    const VTopoSharedCache caches[] = {
        {
            .geometry = { 2, VTOPO_CACHE_UNIFIED, 1 * MiB, 16, 64, 1 },
            .sharing = CPU_TOPOLOGY_LEVEL_CORE,
        }, {
            .geometry = { 3, VTOPO_CACHE_UNIFIED, 16 * MiB, 16, 64, 1 },
            .sharing = CPU_TOPOLOGY_LEVEL_DIE,
        },
    };
    const VTopoSharedCache *l2, *l3;

    vtopo_set_caches(topo, caches, G_N_ELEMENTS(caches));
    l2 = &topo->caches[0];
    l3 = vtopo_llc(topo);
    g_assert_true(l3 == &topo->caches[1]);
    g_assert_cmpint(vtopo_llc_level(topo), ==, CPU_TOPOLOGY_LEVEL_DIE);
    g_assert_cmpuint(vtopo_cache_instances(topo, l2), ==, 12);
    g_assert_cmpuint(vtopo_cache_instances(topo, l3), ==, 4);
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        g_assert_cmpint(vtopo_cache_instance(topo, l2, &topo->cpus[i]), ==,
                        i / 2);
        g_assert_cmpint(vtopo_cache_instance(topo, l3, &topo->cpus[i]), ==,
                        i / 6);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/vtopo/ids-follow-x86", test_ids_follow_x86);
    g_test_add_func("/vtopo/domains", test_domains);
    g_test_add_func("/vtopo/domain-out-of-range", test_domain_out_of_range);
    g_test_add_func("/vtopo/nodes-split", test_nodes_split);
    g_test_add_func("/vtopo/cache/sets", test_cache_sets);
    g_test_add_func("/vtopo/cache/check", test_cache_check);
    g_test_add_func("/vtopo/cache/resolve", test_cache_resolve);
    g_test_add_func("/vtopo/cache/resolve-fixed", test_cache_resolve_fixed);
    g_test_add_func("/vtopo/cache/instances", test_cache_instances);

    return g_test_run();
}
