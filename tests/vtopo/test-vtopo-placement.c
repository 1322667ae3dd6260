/*
 * Unit tests for the reader of the vCPU threads' placement in place
 * (accel/vtopo/placement.c) and for the placement checker on what it
 * reads (vtopo_placement_check(), accel/vtopo/plan.c).
 *
 * The /proc and cgroup trees are written here in the kernel's formats
 * (Documentation/filesystems/proc.rst: status, mountinfo, cgroup;
 * cgroup-v1/cpusets.rst and cgroup-v2.rst: the cpuset files); the
 * status and mountinfo lines of the v1 tree are this development
 * machine's own (Debian 12 host, cgroup v1 cpuset beside a cgroup2
 * mount), the v2 tree is laid out as libvirt's system instance makes it
 * under systemd (machine.slice/machine-qemu...scope/libvirt/vcpuN, the
 * vCPU cgroups threaded).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "accel/vtopo/placement.h"
#include "vtopo-check.h"

/* A file of a tree: path under the root, and its text. */
typedef struct TreeFile {
    const char *path;
    const char *text;
} TreeFile;

static char *tree_new(const TreeFile *files)
{
    g_autoptr(GError) err = NULL;
    char *root = g_dir_make_tmp("vtopo-placement-XXXXXX", &err);

    ck_assert_msg(root, "%s", err ? err->message : "");
    for (const TreeFile *f = files; f->path; f++) {
        g_autofree char *full = g_build_filename(root, f->path, NULL);
        g_autofree char *dir = g_path_get_dirname(full);

        ck_assert_int_eq(g_mkdir_with_parents(dir, 0700), 0);
        ck_assert_msg(g_file_set_contents(full, f->text, -1, &err), "%s",
                      err ? err->message : "");
    }
    return root;
}

static void tree_free(char *root)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", root);

    ck_assert_int_eq(system(cmd), 0);
    g_free(root);
}

static char *list_text(const GArray *cpus)
{
    g_autoptr(GString) s = g_string_new(NULL);

    vtopo_format_cpulist(s, (const unsigned int *)cpus->data, cpus->len);
    return g_string_free(g_steal_pointer(&s), false);
}

#define STATUS(cpus, mems) \
    "Name:\tCPU 0/TCG\nUmask:\t0022\nState:\tS (sleeping)\n" \
    "Tgid:\t4242\nPid:\t4243\n" \
    "Cpus_allowed:\t3\nCpus_allowed_list:\t" cpus "\n" \
    "Mems_allowed:\t00000000,00000001\nMems_allowed_list:\t" mems "\n" \
    "voluntary_ctxt_switches:\t12\n"

/* This machine's mountinfo: cpuset on cgroup v1, and a cgroup2 mount. */
#define MOUNTINFO_V1 \
    "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n" \
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n" \
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n" \
    "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup " \
    "rw,cpuset\n" \
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup " \
    "rw,name=systemd\n" \
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"

#define MOUNTINFO_V2 \
    "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n" \
    "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime " \
    "shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"

#define SCOPE "/machine.slice/machine-qemu\\x2d1\\x2dvm.scope"

START_TEST(test_read_v1)
{
    static const TreeFile files[] = {
        { "proc/4242/mountinfo", MOUNTINFO_V1 },
        { "proc/4242/task/4243/status", STATUS("2", "0") },
        { "proc/4242/task/4243/cgroup",
          "9:name=systemd:/\n3:cpuset:/machine/vm1/vcpu0\n1:cpu:/\n0::/\n" },
        { "sys/fs/cgroup/cpuset/machine/vm1/vcpu0/cpuset.effective_cpus",
          "2\n" },
        { "sys/devices/system/cpu/online", "0-3\n" },
        { "sys/devices/system/cpu/isolated", "\n" },
        { NULL },
    };
    char *root = tree_new(files);
    g_autofree char *error = NULL;
    g_autoptr(VTopoCgroupMounts) m = vtopo_cgroup_mounts_read(root, 4242,
                                                              &error);
    g_autoptr(VTopoThreadPlacement) tp = NULL;
    g_autoptr(GArray) unpinned = NULL;
    g_autofree char *cpus = NULL, *cpuset = NULL;

    ck_assert_msg(m, "%s", error);
    ck_assert_str_eq(m->v1_cpuset, "/sys/fs/cgroup/cpuset");
    ck_assert_str_eq(m->v2, "/sys/fs/cgroup/unified");
    tp = vtopo_thread_placement_read(root, 4242, 4243, m, 64, &error);
    ck_assert_msg(tp, "%s", error);
    cpus = list_text(tp->cpus);
    ck_assert_str_eq(cpus, "2");
    ck_assert_str_eq(tp->cpuset, "/machine/vm1/vcpu0");
    cpuset = list_text(tp->cpuset_cpus);
    ck_assert_str_eq(cpuset, "2");
    ck_assert_uint_eq(tp->mems->len, 1);
    unpinned = vtopo_unpinned_cpus_read(root, 64, &error);
    ck_assert_msg(unpinned, "%s", error);
    ck_assert(vtopo_cpus_pinned(tp->cpus, unpinned));
    tree_free(root);
}
END_TEST

/*
 * cgroup v2: the vCPU cgroup has cpuset.cpus.effective; a cgroup
 * without the controller takes its nearest ancestor's.
 */
START_TEST(test_read_v2)
{
    static const TreeFile files[] = {
        { "proc/7/mountinfo", MOUNTINFO_V2 },
        { "proc/7/task/8/status", STATUS("0,4", "0") },
        { "proc/7/task/8/cgroup", "0::" SCOPE "/libvirt/vcpu0\n" },
        { "proc/7/task/9/status", STATUS("0-7", "0-1") },
        { "proc/7/task/9/cgroup", "0::" SCOPE "/libvirt/emulator\n" },
        { "sys/fs/cgroup" SCOPE "/libvirt/vcpu0/cpuset.cpus.effective",
          "0,4\n" },
        { "sys/fs/cgroup" SCOPE "/libvirt/emulator/cgroup.procs", "7\n" },
        { "sys/fs/cgroup" SCOPE "/cpuset.cpus.effective", "0-7\n" },
        { NULL },
    };
    char *root = tree_new(files);
    g_autofree char *error = NULL;
    g_autoptr(VTopoCgroupMounts) m = vtopo_cgroup_mounts_read(root, 7,
                                                              &error);
    g_autoptr(VTopoThreadPlacement) vcpu = NULL;
    g_autoptr(VTopoThreadPlacement) emulator = NULL;
    g_autofree char *a = NULL, *b = NULL;

    ck_assert_msg(m, "%s", error);
    ck_assert_ptr_null(m->v1_cpuset);
    ck_assert_str_eq(m->v2, "/sys/fs/cgroup");
    vcpu = vtopo_thread_placement_read(root, 7, 8, m, 64, &error);
    ck_assert_msg(vcpu, "%s", error);
    ck_assert_str_eq(vcpu->cpuset, SCOPE "/libvirt/vcpu0");
    a = list_text(vcpu->cpuset_cpus);
    ck_assert_str_eq(a, "0,4");
    emulator = vtopo_thread_placement_read(root, 7, 9, m, 64, &error);
    ck_assert_msg(emulator, "%s", error);
    ck_assert_str_eq(emulator->cpuset, SCOPE);
    b = list_text(emulator->cpuset_cpus);
    ck_assert_str_eq(b, "0-7");
    ck_assert_uint_eq(emulator->mems->len, 2);
    tree_free(root);
}
END_TEST

/*
 * No cgroup hierarchy at all (a container without /sys/fs/cgroup), and
 * a kernel without cpusets, whose status has no Mems_allowed_list.
 */
START_TEST(test_read_none)
{
    static const TreeFile files[] = {
        { "proc/7/mountinfo",
          "22 1 254:1 / / rw,relatime - ext4 /dev/vda rw\n" },
        { "proc/7/task/8/status", STATUS("1", "0") },
        { "proc/7/task/9/status", "Name:\tCPU 1/TCG\nCpus_allowed:\t2\n"
          "Cpus_allowed_list:\t1\nvoluntary_ctxt_switches:\t3\n" },
        { NULL },
    };
    g_autoptr(VTopoThreadPlacement) no_cpusets = NULL;
    char *root = tree_new(files);
    g_autofree char *error = NULL;
    g_autoptr(VTopoCgroupMounts) m = vtopo_cgroup_mounts_read(root, 7,
                                                              &error);
    g_autoptr(VTopoThreadPlacement) tp = NULL;

    ck_assert_msg(m, "%s", error);
    tp = vtopo_thread_placement_read(root, 7, 8, m, 64, &error);
    ck_assert_msg(tp, "%s", error);
    ck_assert_ptr_null(tp->cpuset);
    ck_assert_ptr_null(tp->cpuset_cpus);
    no_cpusets = vtopo_thread_placement_read(root, 7, 9, m, 64, &error);
    ck_assert_msg(no_cpusets, "%s", error);
    ck_assert_uint_eq(no_cpusets->cpus->len, 1);
    ck_assert_uint_eq(no_cpusets->mems->len, 0);
    tree_free(root);
}
END_TEST

/*
 * Unpinned: every online CPU but the isolated ones, as libvirt sets a
 * vCPU without <vcpupin>; an offline CPU is not missed.
 */
START_TEST(test_unpinned)
{
    static const TreeFile files[] = {
        { "sys/devices/system/cpu/online", "0-2,4-7\n" },
        { "sys/devices/system/cpu/isolated", "6-7\n" },
        { NULL },
    };
    char *root = tree_new(files);
    g_autofree char *error = NULL;
    g_autoptr(GArray) unpinned = vtopo_unpinned_cpus_read(root, 64, &error);
    g_autofree char *text = NULL;
    g_autoptr(GArray) all = NULL, libvirt = NULL, one = NULL, init = NULL;

    ck_assert_msg(unpinned, "%s", error);
    text = list_text(unpinned);
    ck_assert_str_eq(text, "0-2,4-5");
    all = vtopo_cpulist_parse("0-7", 64, false, &error);
    libvirt = vtopo_cpulist_parse("0-2,4-5", 64, false, &error);
    one = vtopo_cpulist_parse("4", 64, false, &error);
    init = vtopo_cpulist_parse("4-5", 64, false, &error);
    ck_assert(!vtopo_cpus_pinned(all, unpinned));
    ck_assert(!vtopo_cpus_pinned(libvirt, unpinned));
    ck_assert(vtopo_cpus_pinned(one, unpinned));
    ck_assert_int_eq(vtopo_placement_source(libvirt, unpinned, 4, NULL),
                     VTOPO_SOURCE_UNPINNED);
    ck_assert_int_eq(vtopo_placement_source(one, unpinned, 4, NULL),
                     VTOPO_SOURCE_QEMU);
    ck_assert_int_eq(vtopo_placement_source(init, unpinned, VTOPO_PIN_NONE,
                                            init),
                     VTOPO_SOURCE_INHERITED);
    ck_assert_int_eq(vtopo_placement_source(one, unpinned, 5, init),
                     VTOPO_SOURCE_EXTERNAL);
    tree_free(root);
}
END_TEST

/* A kernel before 4.2 has no isolated file: nothing is isolated. */
START_TEST(test_unpinned_no_isolated)
{
    static const TreeFile files[] = {
        { "sys/devices/system/cpu/online", "0-3\n" },
        { NULL },
    };
    char *root = tree_new(files);
    g_autofree char *error = NULL;
    g_autoptr(GArray) unpinned = vtopo_unpinned_cpus_read(root, 64, &error);
    g_autofree char *text = NULL;

    ck_assert_msg(unpinned, "%s", error);
    text = list_text(unpinned);
    ck_assert_str_eq(text, "0-3");
    tree_free(root);
}
END_TEST

/* Each broken tree: the error names the file and says why. */
static const struct {
    const char *name;
    TreeFile files[4];
    const char *error;
} broken[] = {
    { "thread gone", {
        { "proc/7/task/9/status", STATUS("0", "0") },
      }, "proc/7/task/8/status" },
    { "malformed Cpus_allowed_list", {
        { "proc/7/task/8/status", STATUS("0-", "0") },
      }, "Cpus_allowed_list: the range '0-' has no end" },
    { "CPU past the limit", {
        { "proc/7/task/8/status", STATUS("0,99", "0") },
      }, "Cpus_allowed_list: CPU 99 does not exist (the last is 63)" },
    { "empty Cpus_allowed_list", {
        { "proc/7/task/8/status", STATUS("", "0") },
      }, "Cpus_allowed_list: the CPU list is empty" },
    { "malformed cpuset", {
        { "proc/7/task/8/status", STATUS("0", "0") },
        { "proc/7/task/8/cgroup", "3:cpuset:/vm\n" },
        { "sys/fs/cgroup/cpuset/vm/cpuset.effective_cpus", "zero\n" },
      }, "cpuset.effective_cpus: 'zero' is not a CPU number" },
    { "no cgroup file", {
        { "proc/7/task/8/status", STATUS("0", "0") },
      }, "proc/7/task/8/cgroup" },
    { "binary status", {
        { "proc/7/task/8/status", "" },
      }, "no Cpus_allowed_list" },
};

START_TEST(test_read_broken)
{
    TreeFile files[6] = { { NULL } };
    char *root;
    g_autofree char *error = NULL;
    g_autoptr(VTopoCgroupMounts) m = NULL;
    VTopoThreadPlacement *tp;

    memcpy(files, broken[_i].files, sizeof(broken[_i].files));
    root = tree_new(files);
    m = g_new0(VTopoCgroupMounts, 1);
    m->v1_cpuset = g_strdup("/sys/fs/cgroup/cpuset");
    m->v1_cpuset_root = g_strdup("/");
    tp = vtopo_thread_placement_read(root, 7, 8, m, 64, &error);
    ck_assert_msg(!tp, "%s: accepted", broken[_i].name);
    ck_assert_msg(error && strstr(error, broken[_i].error),
                  "%s: got '%s', expected '%s'", broken[_i].name, error,
                  broken[_i].error);
    ck_assert_msg(!strchr(error, '\n'), "%s", error);
    tree_free(root);
}
END_TEST

START_TEST(test_mountinfo_broken)
{
    static const TreeFile files[] = {
        { "proc/7/mountinfo", "30 22 0:27 / /sys/fs/cgroup rw\n" },
        { NULL },
    };
    char *root = tree_new(files);
    g_autofree char *error = NULL;
    VTopoCgroupMounts *m = vtopo_cgroup_mounts_read(root, 7, &error);

    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(error, "mountinfo: '30 22 0:27 / /sys/fs/cgroup "
                         "rw' is not a mount"), "%s", error);
    g_free(error);
    error = NULL;
    ck_assert_ptr_null(vtopo_cgroup_mounts_read(root, 8, &error));
    ck_assert_msg(strstr(error, "proc/8/mountinfo"), "%s", error);
    tree_free(root);
}
END_TEST

/*
 * The checker on placements as managers make them, on the fixture
 * hosts (tests/data/vtopo-host/describe-host): intel-2s-smt has 2
 * packages x 8 cores x 2 threads, CPU n and n + 16 siblings, one node
 * and one L3 per package (CPUs 0-7,16-23 and 8-15,24-31).  The rules
 * @lists (one CPU list per vCPU, NULL: unpinned) break.
 */
static char *rules_of(const VTopo *topo, const char *host_name,
                      const char *const *lists)
{
    g_autoptr(VTopoHost) host = vtopo_test_host(host_name);
    g_autoptr(VTopoPlacement) pl = vtopo_placement_new(topo->nr_cpus);
    g_autoptr(GString) got = g_string_new(NULL);
    /* core-sched=vm: the fixtures' SMT exposure is not the point here */
    VTopoPinInput in = {
        .topo = topo, .host = host, .core_sched = VTOPO_CORE_SCHED_VM,
    };
    GArray *findings;

    for (unsigned int v = 0; v < topo->nr_cpus; v++) {
        g_autofree char *error = NULL;

        if (lists[v]) {
            pl->cpus[v] = vtopo_cpulist_parse(lists[v], 64, false, &error);
            ck_assert_msg(pl->cpus[v], "%s", error);
        }
    }
    findings = vtopo_placement_check(&in, pl);
    for (guint i = 0; i < findings->len; i++) {
        VTopoFinding *f = &g_array_index(findings, VTopoFinding, i);

        g_string_append_printf(got, "%s%s: %s", i ? "\n" : "", f->rule,
                               f->message);
    }
    vtopo_findings_free(findings);
    return g_string_free(g_steal_pointer(&got), false);
}

/* One socket, 2 cores x 2 threads, an L3 per socket. */
static VTopo *topo_2c2t(void)
{
    VTopoShape shape = x86_shape(1, 1, 1, 2, 2);
    VTopo *topo = vtopo_new(&shape, 0);

    vtopo_test_set_llc(topo, CPU_TOPOLOGY_LEVEL_SOCKET);
    return topo;
}

START_TEST(test_check_read)
{
    g_autoptr(VTopo) topo = topo_2c2t();
    /* <vcpupin> on siblings, core by core: nothing to say. */
    static const char *const good[] = { "0", "16", "1", "17" };
    /* Nova's linear packing: guest siblings on two host cores. */
    static const char *const linear[] = { "0", "1", "2", "3" };
    /*
     * Every vCPU on a pool of both packages (a container's cpuset,
     * systemd's AllowedCPUs): floating, so pinned at no level.
     */
    static const char *const pool[] = { "0-31", "0-31", "0-31", "0-31" };
    /* One core's threads each float within one host core: fine. */
    static const char *const float_core[] = { "0,16", "0,16", "1,17",
                                              "1,17" };
    /*
     * vCPU 0 floats over two cores (not pinned to a core), vCPU 2 over
     * one core's siblings, vCPU 3 on one of them; vCPU 1 on another
     * core than vCPU 2, which is another virtual core: all fine.
     */
    static const char *const float_span[] = { "0-1", "1", "2,18", "18" };
    /* Offline CPUs in a mask are never run on: a kernel mask keeps them. */
    static const char *const offline[] = { "0,40", "16", "1", "17" };
    /* 'virsh vcpupin 3 0' at run time: two vCPUs on host CPU 0. */
    static const char *const moved[] = { "0", "16", "1", "0" };
    /* Unpinned: no finding, whatever the host. */
    static const char *const none[] = { NULL, NULL, NULL, NULL };
    /* One virtual L3 across both host packages. */
    static const char *const llc[] = { "0", "16", "8", "24" };
    g_autofree char *r_good = rules_of(topo, "intel-2s-smt", good);
    g_autofree char *r_linear = rules_of(topo, "intel-2s-smt", linear);
    g_autofree char *r_pool = rules_of(topo, "intel-2s-smt", pool);
    g_autofree char *r_float = rules_of(topo, "intel-2s-smt", float_core);
    g_autofree char *r_span = rules_of(topo, "intel-2s-smt", float_span);
    g_autofree char *r_offline = rules_of(topo, "intel-2s-smt", offline);
    g_autofree char *r_moved = rules_of(topo, "intel-2s-smt", moved);
    g_autofree char *r_none = rules_of(topo, "intel-2s-smt", none);
    g_autofree char *r_llc = rules_of(topo, "intel-2s-smt", llc);

    ck_assert_str_eq(r_good, "");
    ck_assert_str_eq(r_linear,
                     "pin-smt-siblings: vCPUs 0 and 1 are threads of one "
                     "virtual core, but their host CPUs 0 and 1 are not SMT "
                     "siblings (and 1 more)");
    ck_assert_str_eq(r_pool, "");
    ck_assert_str_eq(r_float, "");
    ck_assert_str_eq(r_span, "");
    ck_assert_str_eq(r_offline, "");
    ck_assert_str_eq(r_moved,
                     "pin-shared-cpu: vCPUs 0 and 3 are both pinned to host "
                     "CPU 0\n"
                     "pin-smt-siblings: vCPUs 2 and 3 are threads of one "
                     "virtual core, but their host CPUs 1 and 0 are not SMT "
                     "siblings\n"
                     "pin-core-shared: vCPUs 0 and 3 are in different "
                     "virtual cores but run on one host core (host CPUs 0 "
                     "and 0)");
    ck_assert_str_eq(r_none, "");
    ck_assert_str_eq(r_llc,
                     "pin-llc-span: vCPUs 0 and 2 share a virtual last-level "
                     "cache (socket 0), but their host CPUs 0 and 8 do not "
                     "share one");
}
END_TEST

/*
 * A vCPU whose CPUs the host description lacks (a fixture host smaller
 * than the real one) is a finding, not a crash.
 */
START_TEST(test_check_unknown_cpu)
{
    g_autoptr(VTopo) topo = topo_2c2t();
    static const char *const lists[] = { "0", "16", "1", "40-41" };
    g_autofree char *r = rules_of(topo, "intel-2s-smt", lists);

    ck_assert_str_eq(r, "pin-allowed: vCPU 3 may run on host CPUs 40-41 "
                     "only, which are offline or not the host's");
}
END_TEST

/*
 * A user thread's status: VmSize marks a thread with an address space,
 * which kernel threads (STATUS above) have not.
 */
#define USER_STATUS(cpus) \
    "Name:\tCPU 1/KVM\nUmask:\t0022\nState:\tS (sleeping)\n" \
    "Tgid:\t200\nPid:\t201\nVmPeak:\t 4524444 kB\nVmSize:\t 4458908 kB\n" \
    "Cpus_allowed:\t4\nCpus_allowed_list:\t" cpus "\n" \
    "Mems_allowed:\t00000000,00000001\nMems_allowed_list:\t0\n"

/*
 * Other processes' threads pinned to one CPU each, as libvirt pins
 * another VM's vCPUs: QEMU itself (pid 100), kernel threads, threads
 * that float, that cannot be read or that have gone are left out; of
 * two processes on one CPU the lower pid is named.
 */
START_TEST(test_taken_read)
{
    static const TreeFile files[] = {
        { "proc/100/comm", "qemu-system-x86\n" },
        { "proc/100/task/100/status", USER_STATUS("0") },
        { "proc/2/comm", "kthreadd\n" },
        { "proc/2/task/2/status", STATUS("1", "0") },
        { "proc/200/comm", "qemu-system-x86\n" },
        { "proc/200/task/200/status", USER_STATUS("0-3") },
        { "proc/200/task/201/status", USER_STATUS("2") },
        { "proc/200/task/202/status", USER_STATUS("3") },
        { "proc/300/comm", "qemu-kvm\n" },
        { "proc/300/task/301/status", USER_STATUS("2") },
        { "proc/400/comm", "broken\n" },
        { "proc/400/task/400/status", USER_STATUS("x") },
        { "proc/500/comm", "gone\n" },
        { "proc/self/comm", "not a pid\n" },
        { NULL },
    };
    char *root = tree_new(files);
    g_autofree char *error = NULL;
    g_autofree char *text = NULL, *free_text = NULL;
    g_autoptr(GArray) all = vtopo_cpulist_parse("0-3", 64, false, &error);
    g_autoptr(GArray) untaken = NULL;
    GArray *taken = vtopo_taken_cpus_read(root, 100, 64, &error);
    VTopoTakenCpu *t;

    ck_assert_msg(taken, "%s", error);
    ck_assert_uint_eq(taken->len, 2);
    t = &g_array_index(taken, VTopoTakenCpu, 0);
    ck_assert_uint_eq(t->cpu, 2);
    ck_assert_int_eq(t->pid, 200);
    ck_assert_int_eq(t->tid, 201);
    ck_assert_str_eq(t->comm, "qemu-system-x86");
    t = &g_array_index(taken, VTopoTakenCpu, 1);
    ck_assert_uint_eq(t->cpu, 3);
    ck_assert_int_eq(t->tid, 202);
    untaken = vtopo_cpus_untaken(all, taken);
    free_text = list_text(untaken);
    ck_assert_str_eq(free_text, "0-1");
    text = vtopo_taken_text(taken);
    ck_assert_str_eq(text, "host CPUs 2-3 are taken: a thread of another "
                     "process is pinned to each alone (to 2: thread 201 of "
                     "process 200, qemu-system-x86)");
    vtopo_taken_cpus_free(taken);
    tree_free(root);

    ck_assert_ptr_null(vtopo_taken_cpus_read("/nonexistent/vtopo", 1, 64,
                                             &error));
    ck_assert_msg(strstr(error, "/nonexistent/vtopo/proc"), "%s", error);
}
END_TEST

/* pin-taken: a vCPU on a host CPU another VM's vCPU is pinned to. */
START_TEST(test_check_taken)
{
    g_autoptr(VTopo) topo = topo_2c2t();
    g_autoptr(VTopoHost) host = vtopo_test_host("intel-2s-smt");
    g_autoptr(VTopoPlacement) pl = vtopo_placement_new(topo->nr_cpus);
    g_autoptr(GArray) taken = g_array_new(false, false,
                                          sizeof(VTopoTakenCpu));
    static const unsigned int on[] = { 0, 16, 1, 17 };
    VTopoTakenCpu other = { .cpu = 1, .pid = 200, .tid = 201,
                            .comm = (char *)"qemu-system-x86" };
    VTopoPinInput in = {
        .topo = topo, .host = host, .core_sched = VTOPO_CORE_SCHED_VM,
        .taken = taken,
    };
    GArray *findings;
    VTopoFinding *f;

    for (unsigned int v = 0; v < topo->nr_cpus; v++) {
        pl->cpus[v] = g_array_new(false, false, sizeof(unsigned int));
        g_array_append_val(pl->cpus[v], on[v]);
    }
    g_array_append_val(taken, other);
    findings = vtopo_placement_check(&in, pl);
    ck_assert_uint_eq(findings->len, 1);
    f = &g_array_index(findings, VTopoFinding, 0);
    ck_assert_str_eq(f->rule, "pin-taken");
    ck_assert_int_eq(f->severity, VTOPO_SEVERITY_WARNING);
    ck_assert_str_eq(f->message, "vCPU 2 is pinned to host CPU 1, which "
                     "thread 201 of process 200 (qemu-system-x86) is pinned "
                     "to as well");
    vtopo_findings_free(findings);
    /* Not read (the live query): not judged. */
    in.taken = NULL;
    findings = vtopo_placement_check(&in, pl);
    ck_assert_uint_eq(findings->len, 0);
    vtopo_findings_free(findings);
}
END_TEST

static Suite *placement_suite(void)
{
    Suite *s = suite_create("vtopo-placement");
    TCase *tc = tcase_create("read");

    tcase_add_test(tc, test_read_v1);
    tcase_add_test(tc, test_read_v2);
    tcase_add_test(tc, test_read_none);
    tcase_add_test(tc, test_unpinned);
    tcase_add_test(tc, test_unpinned_no_isolated);
    tcase_add_loop_test(tc, test_read_broken, 0, G_N_ELEMENTS(broken));
    tcase_add_test(tc, test_mountinfo_broken);
    suite_add_tcase(s, tc);
    tc = tcase_create("check");
    tcase_add_test(tc, test_check_read);
    tcase_add_test(tc, test_check_unknown_cpu);
    tcase_add_test(tc, test_taken_read);
    tcase_add_test(tc, test_check_taken);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return vtopo_check_run(placement_suite());
}
