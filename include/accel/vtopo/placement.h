/*
 * vtopo: where the kernel lets the vCPU threads run, whoever pinned them
 *
 * VM managers place the vCPU threads themselves: libvirt writes each
 * vCPU thread's affinity and cpuset cgroup after machine init and
 * before its first 'cont', 'virsh vcpupin' rewrites them at run time,
 * and Proxmox runs QEMU under 'taskset'.  This reads the placement in
 * place, from a /proc and /sys root ("/" or a captured tree for tests):
 *
 * - /proc/PID/task/TID/status: Cpus_allowed_list and Mems_allowed_list
 *   (Documentation/filesystems/proc.rst, 1.1), which the kernel keeps
 *   narrowed to the thread's cpuset;
 * - /proc/PID/task/TID/cgroup and /proc/PID/mountinfo: the thread's
 *   cpuset cgroup, and its cpuset.effective_cpus (cgroup v1,
 *   Documentation/admin-guide/cgroup-v1/cpusets.rst) or
 *   cpuset.cpus.effective (cgroup v2, Documentation/admin-guide/
 *   cgroup-v2.rst, "Cpuset Interface Files");
 * - /sys/devices/system/cpu/online and isolated: the CPUs an unpinned
 *   thread may run on (libvirt gives a vCPU without <vcpupin> every
 *   online CPU but the isolated ones).
 *
 * glib and libc only.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef ACCEL_VTOPO_PLACEMENT_H
#define ACCEL_VTOPO_PLACEMENT_H

#include "accel/vtopo/plan.h"

/*
 * VTopoCgroupMounts: where the cgroup hierarchies that can hold a
 * cpuset are mounted (from /proc/PID/mountinfo).
 * @v1_cpuset, @v1_cpuset_root: the mount point of the cgroup v1
 *     hierarchy with the cpuset controller and the cgroup it shows as
 *     its root (mountinfo's root field); NULL if there is none.
 * @v2, @v2_root: the same for the cgroup v2 hierarchy.
 */
typedef struct VTopoCgroupMounts {
    char *v1_cpuset;
    char *v1_cpuset_root;
    char *v2;
    char *v2_root;
} VTopoCgroupMounts;

/*
 * Read the cgroup mounts of process @pid under @root.  A process that
 * sees no cgroup hierarchy has none (all NULL); only an unreadable or
 * malformed mountinfo is an error: NULL, and *@error says why.
 */
VTopoCgroupMounts *vtopo_cgroup_mounts_read(const char *root, int pid,
                                            char **error);
void vtopo_cgroup_mounts_free(VTopoCgroupMounts *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VTopoCgroupMounts, vtopo_cgroup_mounts_free)

/*
 * VTopoThreadPlacement: where one thread may run now.
 * @cpus: Cpus_allowed_list (unsigned int, ascending).
 * @mems: Mems_allowed_list, the host nodes it may allocate from; empty
 *     on a kernel without cpusets, which does not restrict them.
 * @cpuset: its cpuset cgroup ("/machine.slice/.../vcpu0"), NULL when
 *     the cpuset controller is not mounted or not enabled for it.
 * @cpuset_cpus: the effective CPUs of @cpuset, NULL without it.
 */
typedef struct VTopoThreadPlacement {
    GArray *cpus;
    GArray *mems;
    char *cpuset;
    GArray *cpuset_cpus;
} VTopoThreadPlacement;

/*
 * Read thread @tid of process @pid under @root; @mounts from
 * vtopo_cgroup_mounts_read().  CPU and node numbers must be below
 * @limit.  A thread that has gone, or a file that is missing or
 * malformed, is an error: NULL, and *@error names the file and why.
 */
VTopoThreadPlacement *vtopo_thread_placement_read(const char *root, int pid,
                                                  int tid,
                                                  const VTopoCgroupMounts *m,
                                                  unsigned int limit,
                                                  char **error);
void vtopo_thread_placement_free(VTopoThreadPlacement *tp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VTopoThreadPlacement,
                              vtopo_thread_placement_free)

/*
 * The CPUs a thread nobody pinned may run on: the online CPUs but the
 * isolated ones (/sys/devices/system/cpu/online and isolated under
 * @root), ascending.  On error NULL, and *@error says why.
 */
GArray *vtopo_unpinned_cpus_read(const char *root, unsigned int limit,
                                 char **error);

/*
 * The host CPUs that threads of processes other than @self are pinned
 * to alone (a Cpus_allowed_list of one CPU), as a manager pins another
 * VM's vCPU threads: VTopoTakenCpu, one per CPU (its lowest process and
 * thread), ascending; free with vtopo_taken_cpus_free().  Kernel
 * threads, and threads that end or cannot be read while @root/proc is
 * walked, are left out.  NULL if @root/proc cannot be listed, and
 * *@error says why.
 */
GArray *vtopo_taken_cpus_read(const char *root, int self,
                              unsigned int limit, char **error);
void vtopo_taken_cpus_free(GArray *taken);

/* The CPUs of @taken (VTopoTakenCpu), ascending. */
GArray *vtopo_taken_cpu_list(const GArray *taken);

/* The CPUs of ascending list @cpus that are not in @taken. */
GArray *vtopo_cpus_untaken(const GArray *cpus, const GArray *taken);

/*
 * One sentence that names the CPUs of @taken and the first thread, for
 * plans that leave them out; NULL when @taken is NULL or empty.
 */
char *vtopo_taken_text(const GArray *taken);

/*
 * Whether a thread that may run on @cpus is pinned: whether it misses
 * one of the CPUs of @unpinned (vtopo_unpinned_cpus_read()).
 */
bool vtopo_cpus_pinned(const GArray *cpus, const GArray *unpinned);

/* Whether two ascending CPU lists are the same. */
bool vtopo_cpus_equal(const GArray *a, const GArray *b);

/*
 * Where a vCPU thread's placement came from.
 * @VTOPO_SOURCE_UNPINNED: it may run on every CPU of a thread nobody
 *     pinned.
 * @VTOPO_SOURCE_QEMU: QEMU pinned it (vcpu-affinity) and it is still so.
 * @VTOPO_SOURCE_INHERITED: as at machine init, when it inherited the
 *     process's affinity and cgroup (taskset, systemd AllowedCPUs).
 * @VTOPO_SOURCE_EXTERNAL: set from outside after machine init (libvirt,
 *     'virsh vcpupin', a cgroup change).
 */
typedef enum VTopoPlacementSource {
    VTOPO_SOURCE_UNPINNED,
    VTOPO_SOURCE_QEMU,
    VTOPO_SOURCE_INHERITED,
    VTOPO_SOURCE_EXTERNAL,
} VTopoPlacementSource;

/*
 * The source of placement @now of a vCPU thread: @unpinned as for
 * vtopo_cpus_pinned(), @planned the host CPU QEMU pinned it to
 * (VTOPO_PIN_NONE if QEMU did not), @at_init the thread's CPUs at
 * machine init (NULL for a vCPU plugged later).
 */
VTopoPlacementSource vtopo_placement_source(const GArray *now,
                                            const GArray *unpinned,
                                            int planned,
                                            const GArray *at_init);

#endif
