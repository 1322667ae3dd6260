/*
 * vtopo-plan: print a virtual machine that mirrors a slice of the host
 *
 * The same planner as QEMU's -machine mirror-host=on, printed
 * as QEMU options (one argument per line, for xargs), libvirt domain
 * XML or JSON, so that a plan can be read, kept and changed.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "accel/vtopo/mirror.h"
#include "accel/vtopo/placement.h"
#include "target/i386/vtopo/cpuid.h"

static const char usage[] =
    "Usage: vtopo-plan --vcpus N [--maxcpus N] [--memory SIZE]\n"
    "                  [--host-sysfs DIR] [--exclude LIST]\n"
    "                  [--smt auto|on|off] [--max-nodes N] [--prefer nodes|llc]\n"
    "                  [--core-sched off|vm|core]\n"
    "                  [--arch x86_64|aarch64] [--accel NAME]\n"
    "                  [--format qemu|libvirt|json]\n"
    "Plan a VM of N vCPUs (and SIZE of memory, default 1G) on whole host\n"
    "cores of the CPUs this process may use (all online CPUs of DIR with\n"
    "--host-sysfs), with the topology, caches and NUMA nodes of that\n"
    "slice of the host.\n";

typedef struct PlanArgs {
    unsigned int vcpus;
    unsigned int maxcpus;
    uint64_t memory;
    const char *host_sysfs;
    const char *exclude;
    VTopoMirrorSmt smt;
    unsigned int max_nodes;
    bool llc_first;
    bool has_core_sched;
    VTopoCoreSched core_sched;
    const char *arch;
    const char *accel;
    const char *format;
} PlanArgs;

static void G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN fail(const char *fmt, ...)
{
    va_list ap;

    fputs("vtopo-plan: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static unsigned int parse_count(const char *option, const char *text)
{
    guint64 value;

    if (!g_ascii_string_to_unsigned(text, 10, 1, VTOPO_HOST_MAX_CPUS * 16,
                                    &value, NULL)) {
        fail("%s: '%s' is not a positive number", option, text);
    }
    return value;
}

/* A size as QEMU's -m takes it: a number of MiB, or with a suffix. */
static uint64_t parse_size(const char *option, const char *text)
{
    static const char suffixes[] = "KMGT";
    g_autofree char *digits = g_strdup(text);
    size_t len = strlen(digits);
    unsigned int shift = 20;
    const char *s;
    guint64 value;

    if (len && (s = strchr(suffixes, g_ascii_toupper(digits[len - 1])))) {
        shift = 10 * (s - suffixes + 1);
        digits[len - 1] = '\0';
    }
    if (!g_ascii_string_to_unsigned(digits, 10, 1, UINT64_MAX >> shift,
                                    &value, NULL)) {
        fail("%s: '%s' is not a size", option, text);
    }
    return value << shift;
}

static void parse_args(int argc, char **argv, PlanArgs *a)
{
    *a = (PlanArgs) {
        .memory = UINT64_C(1) << 30, .arch = "x86_64", .accel = "kvm",
        .format = "qemu",
    };
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char *val;

        if (g_str_equal(opt, "-h") || g_str_equal(opt, "--help")) {
            fputs(usage, stdout);
            exit(0);
        }
        if (i + 1 >= argc) {
            fail("%s: needs a value (see --help)", opt);
        }
        val = argv[++i];
        if (g_str_equal(opt, "--vcpus")) {
            a->vcpus = parse_count(opt, val);
        } else if (g_str_equal(opt, "--maxcpus")) {
            a->maxcpus = parse_count(opt, val);
        } else if (g_str_equal(opt, "--memory")) {
            a->memory = parse_size(opt, val);
        } else if (g_str_equal(opt, "--host-sysfs")) {
            a->host_sysfs = val;
        } else if (g_str_equal(opt, "--exclude")) {
            a->exclude = val;
        } else if (g_str_equal(opt, "--max-nodes")) {
            a->max_nodes = parse_count(opt, val);
        } else if (g_str_equal(opt, "--accel")) {
            a->accel = val;
        } else if (g_str_equal(opt, "--smt")) {
            if (g_str_equal(val, "auto")) {
                a->smt = VTOPO_MIRROR_SMT_AUTO;
            } else if (g_str_equal(val, "on")) {
                a->smt = VTOPO_MIRROR_SMT_ON;
            } else if (g_str_equal(val, "off")) {
                a->smt = VTOPO_MIRROR_SMT_OFF;
            } else {
                fail("--smt: '%s' is not auto, on or off", val);
            }
        } else if (g_str_equal(opt, "--prefer")) {
            if (!g_str_equal(val, "nodes") && !g_str_equal(val, "llc")) {
                fail("--prefer: '%s' is not nodes or llc", val);
            }
            a->llc_first = g_str_equal(val, "llc");
        } else if (g_str_equal(opt, "--core-sched")) {
            if (g_str_equal(val, "off")) {
                a->core_sched = VTOPO_CORE_SCHED_OFF;
            } else if (g_str_equal(val, "vm")) {
                a->core_sched = VTOPO_CORE_SCHED_VM;
            } else if (g_str_equal(val, "core")) {
                a->core_sched = VTOPO_CORE_SCHED_CORE;
            } else {
                fail("--core-sched: '%s' is not off, vm or core", val);
            }
            a->has_core_sched = true;
        } else if (g_str_equal(opt, "--arch")) {
            if (!g_str_equal(val, "x86_64") && !g_str_equal(val, "aarch64")) {
                fail("--arch: '%s' is not x86_64 or aarch64", val);
            }
            a->arch = val;
        } else if (g_str_equal(opt, "--format")) {
            if (!g_str_equal(val, "qemu") && !g_str_equal(val, "libvirt") &&
                !g_str_equal(val, "json")) {
                fail("--format: '%s' is not qemu, libvirt or json", val);
            }
            a->format = val;
        } else {
            fail("unknown option '%s' (see --help)", opt);
        }
    }
    if (!a->vcpus) {
        fail("--vcpus: missing (see --help)");
    }
    if (!a->maxcpus) {
        a->maxcpus = a->vcpus;
    }
}

static void print_qemu(const VTopoMirror *m, const PlanArgs *a)
{
    GArray *options = vtopo_mirror_qemu_options(m);

    for (guint i = 0; i < options->len; i++) {
        VTopoMirrorOption *o = &g_array_index(options, VTopoMirrorOption, i);

        printf("-%s\n%s\n", o->option, o->value);
    }
    if (a->host_sysfs) {
        printf("-machine\nx-host-sysfs=%s\n", a->host_sysfs);
    }
    printf("-accel\n%s\n", a->accel);
    vtopo_mirror_options_free(options);
}

int main(int argc, char **argv)
{
    PlanArgs a;
    g_autoptr(VTopoHost) host = NULL;
    g_autoptr(GArray) allowed = NULL;
    g_autoptr(GArray) untaken = NULL;
    g_autoptr(GArray) exclude = NULL;
    g_autofree char *taken_text = NULL;
    GArray *taken;
    g_autoptr(VTopoMirror) m = NULL;
    g_autofree char *error = NULL;
    const char *why;
    VTopoMirrorRequest req;

    parse_args(argc, argv, &a);
    host = vtopo_host_read(a.host_sysfs ?: "/sys", &error);
    if (!host) {
        fail("%s: cannot read the host topology: %s",
             a.host_sysfs ? "--host-sysfs" : "/sys", error);
    }
    if (a.exclude) {
        exclude = vtopo_cpulist_parse(a.exclude, host->nr_cpus, false,
                                      &error);
        if (!exclude) {
            fail("--exclude: %s", error);
        }
    }
    allowed = vtopo_host_allowed_cpus(host, a.host_sysfs != NULL, &error);
    if (!allowed) {
        fail("%s", error);
    }
    /* As QEMU does: other processes' pinned threads keep their CPUs. */
    taken = vtopo_taken_cpus_read("/", getpid(), VTOPO_HOST_MAX_CPUS, &error);
    if (!taken) {
        fail("/proc: %s", error);
    }
    untaken = vtopo_cpus_untaken(allowed, taken);
    taken_text = vtopo_taken_text(taken);
    vtopo_taken_cpus_free(taken);
    req = (VTopoMirrorRequest) {
        .vcpus = a.vcpus,
        .max_vcpus = a.maxcpus,
        .mem_size = a.memory,
        .allowed = untaken,
        .exclude = exclude,
        .smt = a.smt,
        .max_nodes = a.max_nodes,
        .llc_first = a.llc_first,
        .core_sched = vtopo_host_core_sched(host, a.host_sysfs != NULL, &why),
        .has_core_sched_mode = a.has_core_sched,
        .core_sched_mode = a.core_sched,
    };
    if (g_str_equal(a.arch, "aarch64")) {
        req.supported[CPU_TOPOLOGY_LEVEL_CLUSTER] = true;
    } else {
        req.supported[CPU_TOPOLOGY_LEVEL_DIE] = true;
        req.supported[CPU_TOPOLOGY_LEVEL_MODULE] = true;
        req.cache_fit = vtopo_x86_cache_fit;
    }
    m = vtopo_mirror_plan(host, &req, &error);
    if (!m) {
        fail("%s%s%s", error, taken_text ? "; " : "", taken_text ?: "");
    }
    if (taken_text) {
        g_ptr_array_add(m->notes, g_strdup_printf("%s: left out",
                                                  taken_text));
    }
    for (guint i = 0; i < m->notes->len; i++) {
        fprintf(stderr, "vtopo-plan: note: %s\n",
                (char *)g_ptr_array_index(m->notes, i));
    }
    if (g_str_equal(a.format, "qemu")) {
        print_qemu(m, &a);
    } else {
        g_autofree char *text = g_str_equal(a.format, "json")
            ? vtopo_mirror_json(m) : vtopo_mirror_libvirt_xml(m, a.arch);

        fputs(text, stdout);
    }
    return 0;
}
