/*
 * Benchmark (not a test) of the vCPU placement code on a fixture host:
 * the time to read the host, to plan automatically and to check a
 * placement, and to plan a VM that mirrors the host (mirror-host), per
 * vCPU.
 *
 *   bench-pin SYSFS-ROOT
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "accel/vtopo/plan.h"
#include "accel/vtopo/mirror.h"
#include "vtopo-check.h"

#define REPS 20

static VTopo *topo_new(unsigned int sockets, unsigned int dies,
                       unsigned int cores, unsigned int threads,
                       unsigned int nodes)
{
    VTopoShape shape = x86_shape(sockets, dies, 1, cores, threads);
    VTopo *topo = vtopo_new(&shape, nodes);

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        topo->cpus[i].node = i / (topo->nr_cpus / nodes);
    }
    vtopo_test_set_llc(topo, CPU_TOPOLOGY_LEVEL_DIE);
    return topo;
}

static double now(void)
{
    return g_get_monotonic_time() / 1e6;
}

int main(int argc, char **argv)
{
    g_autofree char *error = NULL;
    g_autoptr(VTopoHost) host = NULL;
    g_autoptr(GArray) allowed = g_array_new(false, false,
                                            sizeof(unsigned int));
    g_autoptr(VTopo) fits = topo_new(2, 8, 8, 2, 2);
    g_autoptr(VTopo) big = topo_new(2, 8, 32, 2, 2);
    double t;

    if (argc != 2) {
        fprintf(stderr, "usage: bench-pin SYSFS-ROOT\n");
        return 1;
    }
    t = now();
    for (int r = 0; r < REPS; r++) {
        vtopo_host_free(host);
        host = vtopo_host_read(argv[1], &error);
        if (!host) {
            fprintf(stderr, "bench-pin: %s\n", error);
            return 1;
        }
    }
    printf("host read (%u CPUs): %.3f ms\n", host->nr_cpus,
           (now() - t) / REPS * 1e3);
    for (unsigned int c = 0; c < host->nr_cpus; c++) {
        g_array_append_val(allowed, c);
    }

    {
        VTopoPinInput in = { .topo = fits, .host = host, .allowed = allowed };
        t = now();
        for (int r = 0; r < REPS; r++) {
            g_autofree int *plan = vtopo_pin_plan_auto(&in, &error);

            if (!plan) {
                fprintf(stderr, "bench-pin: %s\n", error);
                return 1;
            }
            vtopo_findings_free(vtopo_pin_check(&in, plan));
        }
        printf("auto, %u vCPUs: plan + check %.3f us per vCPU\n",
               fits->nr_cpus, (now() - t) / REPS / fits->nr_cpus * 1e6);
    }
    {
        VTopoPinInput in = { .topo = big, .host = host, .allowed = allowed };
        g_autofree VTopoPinEntry *entries = g_new(VTopoPinEntry,
                                                  big->nr_cpus);

        for (unsigned int v = 0; v < big->nr_cpus; v++) {
            entries[v] = (VTopoPinEntry) { .vcpu = v, .host_cpu = v % 256 };
        }
        t = now();
        for (int r = 0; r < REPS; r++) {
            g_autofree int *plan = vtopo_pin_plan_manual(&in, entries,
                                                         big->nr_cpus,
                                                         &error);

            if (!plan) {
                fprintf(stderr, "bench-pin: %s\n", error);
                return 1;
            }
            vtopo_findings_free(vtopo_pin_check(&in, plan));
        }
        printf("manual, %u vCPUs on %u host CPUs: plan + check %.3f us per "
               "vCPU\n", big->nr_cpus, host->nr_cpus,
               (now() - t) / REPS / big->nr_cpus * 1e6);
    }
    /*
     * mirror-host: the whole host, half of it, and more vCPUs than it
     * has (the failure searches for the largest fit).
     */
    for (unsigned int vcpus = host->nr_cpus / 2; vcpus <= 4 * host->nr_cpus;
         vcpus *= 2) {
        VTopoMirrorRequest req = {
            .vcpus = vcpus, .max_vcpus = vcpus,
            .mem_size = UINT64_C(2) << 30, .allowed = allowed,
            .core_sched = true,
        };
        bool fits = true;

        req.supported[CPU_TOPOLOGY_LEVEL_DIE] = true;
        t = now();
        for (int r = 0; r < REPS; r++) {
            g_autofree char *why = NULL;
            g_autoptr(VTopoMirror) m = vtopo_mirror_plan(host, &req, &why);
            GArray *options;

            fits = m != NULL;
            if (m) {
                options = vtopo_mirror_qemu_options(m);
                vtopo_mirror_options_free(options);
            }
        }
        printf("mirror-host, %u vCPUs%s: plan + options %.3f us per vCPU\n",
               vcpus, fits ? "" : " (does not fit)",
               (now() - t) / REPS / vcpus * 1e6);
        if (vcpus == host->nr_cpus) {
            vcpus *= 2;     /* then 4x: 1024 on the 256-CPU host */
        }
    }
    return 0;
}
