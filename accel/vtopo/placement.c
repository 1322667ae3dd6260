/*
 * vtopo: where the kernel lets the vCPU threads run, from /proc and the
 * cpuset cgroups
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "accel/vtopo/placement.h"

/* Read @root/@path whole; NULL with *@error naming the file and why. */
static char *vtopo_proc_file(const char *root, const char *path,
                             char **error)
{
    g_autofree char *full = g_build_filename(root, path, NULL);
    g_autoptr(GError) err = NULL;
    char *text = NULL;
    gsize len;

    if (!g_file_get_contents(full, &text, &len, &err)) {
        *error = g_strdup(err->message);
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        *error = g_strdup_printf("%s: not a text file", full);
        g_free(text);
        return NULL;
    }
    return text;
}

/* Whether @option is one of the comma-separated options of @list. */
static bool vtopo_has_option(const char *list, const char *option)
{
    g_auto(GStrv) options = g_strsplit(list, ",", -1);

    return g_strv_contains((const char * const *)options, option);
}

/*
 * One line of mountinfo (Documentation/filesystems/proc.rst, 3.5):
 * "ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [TAGS...] - TYPE SOURCE
 * SUPER-OPTIONS".  Sets the mount of the cpuset hierarchies it is.
 */
static bool vtopo_mountinfo_line(const char *line, VTopoCgroupMounts *m)
{
    g_auto(GStrv) f = g_strsplit(line, " ", -1);
    guint n = g_strv_length(f), sep;

    for (sep = 6; sep < n && strcmp(f[sep], "-"); sep++) {
        /* the optional tags */
    }
    if (n < 10 || sep + 3 >= n) {
        return false;
    }
    if (!strcmp(f[sep + 1], "cgroup2") && !m->v2) {
        m->v2 = g_strcompress(f[4]);
        m->v2_root = g_strcompress(f[3]);
    } else if (!strcmp(f[sep + 1], "cgroup") && !m->v1_cpuset &&
               vtopo_has_option(f[sep + 3], "cpuset")) {
        m->v1_cpuset = g_strcompress(f[4]);
        m->v1_cpuset_root = g_strcompress(f[3]);
    }
    return true;
}

VTopoCgroupMounts *vtopo_cgroup_mounts_read(const char *root, int pid,
                                            char **error)
{
    g_autofree char *path = g_strdup_printf("proc/%d/mountinfo", pid);
    g_autofree char *text = vtopo_proc_file(root, path, error);
    g_autoptr(VTopoCgroupMounts) m = g_new0(VTopoCgroupMounts, 1);
    g_auto(GStrv) lines = NULL;

    if (!text) {
        return NULL;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        if (**l && !vtopo_mountinfo_line(*l, m)) {
            g_autofree char *full = g_build_filename(root, path, NULL);

            *error = g_strdup_printf("%s: '%s' is not a mount", full, *l);
            return NULL;
        }
    }
    return g_steal_pointer(&m);
}

void vtopo_cgroup_mounts_free(VTopoCgroupMounts *m)
{
    if (m) {
        g_free(m->v1_cpuset);
        g_free(m->v1_cpuset_root);
        g_free(m->v2);
        g_free(m->v2_root);
        g_free(m);
    }
}

void vtopo_thread_placement_free(VTopoThreadPlacement *tp)
{
    if (tp) {
        if (tp->cpus) {
            g_array_unref(tp->cpus);
        }
        if (tp->mems) {
            g_array_unref(tp->mems);
        }
        g_free(tp->cpuset);
        if (tp->cpuset_cpus) {
            g_array_unref(tp->cpuset_cpus);
        }
        g_free(tp);
    }
}

/* The list of "@key:\tLIST" in a status file, parsed. */
static GArray *vtopo_status_list(const char *path, char **lines,
                                 const char *key, unsigned int limit,
                                 char **error)
{
    size_t len = strlen(key);

    for (char **l = lines; *l; l++) {
        g_autofree char *reason = NULL;
        GArray *list;

        if (strncmp(*l, key, len) || (*l)[len] != ':') {
            continue;
        }
        list = vtopo_cpulist_parse(g_strstrip(*l + len + 1), limit, false,
                                   &reason);
        if (!list) {
            *error = g_strdup_printf("%s: %s: %s", path, key, reason);
        }
        return list;
    }
    *error = g_strdup_printf("%s: no %s", path, key);
    return NULL;
}

/*
 * The cgroup of hierarchy @id (or of cgroup v2, @id "0" with no
 * controllers) in a /proc/PID/task/TID/cgroup file: "ID:CONTROLLERS:
 * PATH" per line.  NULL if the thread is in no cgroup of it.
 */
static char *vtopo_cgroup_of(char **lines, bool v2)
{
    for (char **l = lines; *l; l++) {
        g_auto(GStrv) f = g_strsplit(*l, ":", 3);

        if (g_strv_length(f) != 3) {
            continue;
        }
        if (v2 ? !strcmp(f[0], "0") && !*f[1]
               : vtopo_has_option(f[1], "cpuset")) {
            return g_strdup(f[2]);
        }
    }
    return NULL;
}

/*
 * The effective CPUs of cgroup @cgroup in the hierarchy mounted at
 * @mount, whose mount shows cgroup @mount_root: cgroup v2 has
 * cpuset.cpus.effective only where the controller is enabled, so look
 * up to the mount's root.  Sets tp->cpuset and tp->cpuset_cpus, or
 * leaves them NULL.
 */
static bool vtopo_cpuset_read(const char *root, const char *mount,
                              const char *mount_root, const char *cgroup,
                              bool v2, unsigned int limit,
                              VTopoThreadPlacement *tp, char **error)
{
    const char *file = v2 ? "cpuset.cpus.effective" : "cpuset.effective_cpus";
    size_t rlen = strlen(mount_root);
    g_autofree char *rel = NULL;

    if (strcmp(mount_root, "/") &&
        (strncmp(cgroup, mount_root, rlen) ||
         (cgroup[rlen] && cgroup[rlen] != '/'))) {
        return true;        /* outside what this mount shows */
    }
    rel = g_strdup(strcmp(mount_root, "/") ? cgroup + rlen : cgroup);
    for (;;) {
        g_autofree char *path = g_build_filename(mount, rel, file, NULL);
        g_autofree char *full = g_build_filename(root, path, NULL);
        g_autofree char *text = NULL;
        g_autofree char *reason = NULL;
        char *slash;

        if (g_file_test(full, G_FILE_TEST_EXISTS)) {
            text = vtopo_proc_file(root, path, error);
            if (!text) {
                return false;
            }
            tp->cpuset_cpus = vtopo_cpulist_parse(g_strstrip(text), limit,
                                                  false, &reason);
            if (!tp->cpuset_cpus) {
                *error = g_strdup_printf("%s: %s", full, reason);
                return false;
            }
            tp->cpuset = g_strdup(*rel ? rel : "/");
            return true;
        }
        if (!v2 || !strcmp(rel, "/") || !*rel) {
            return true;
        }
        slash = strrchr(rel, '/');
        *slash = '\0';
        if (!*rel) {
            rel[0] = '/';
            rel[1] = '\0';
        }
    }
}

VTopoThreadPlacement *vtopo_thread_placement_read(const char *root, int pid,
                                                  int tid,
                                                  const VTopoCgroupMounts *m,
                                                  unsigned int limit,
                                                  char **error)
{
    g_autoptr(VTopoThreadPlacement) tp = g_new0(VTopoThreadPlacement, 1);
    g_autofree char *status_path =
        g_strdup_printf("proc/%d/task/%d/status", pid, tid);
    g_autofree char *cgroup_path =
        g_strdup_printf("proc/%d/task/%d/cgroup", pid, tid);
    g_autofree char *full = g_build_filename(root, status_path, NULL);
    g_autofree char *status = vtopo_proc_file(root, status_path, error);
    g_autofree char *cgroups = NULL;
    g_auto(GStrv) lines = NULL;
    g_autofree char *cgroup = NULL;

    if (!status) {
        return NULL;
    }
    lines = g_strsplit(status, "\n", -1);
    tp->cpus = vtopo_status_list(full, lines, "Cpus_allowed_list", limit,
                                 error);
    if (!tp->cpus) {
        return NULL;
    }
    /* A kernel without cpusets has no Mems_allowed_list: no restriction. */
    if (g_strstr_len(status, -1, "\nMems_allowed_list:")) {
        tp->mems = vtopo_status_list(full, lines, "Mems_allowed_list", limit,
                                     error);
        if (!tp->mems) {
            return NULL;
        }
    } else {
        tp->mems = g_array_new(false, false, sizeof(unsigned int));
    }
    if (!m->v1_cpuset && !m->v2) {
        return g_steal_pointer(&tp);
    }
    cgroups = vtopo_proc_file(root, cgroup_path, error);
    if (!cgroups) {
        return NULL;
    }
    g_strfreev(lines);
    lines = g_strsplit(cgroups, "\n", -1);
    /* A v1 cpuset takes the controller from v2. */
    if (m->v1_cpuset) {
        cgroup = vtopo_cgroup_of(lines, false);
        if (cgroup &&
            !vtopo_cpuset_read(root, m->v1_cpuset, m->v1_cpuset_root,
                               cgroup, false, limit, tp, error)) {
            return NULL;
        }
    }
    if (!tp->cpuset && m->v2) {
        g_free(cgroup);
        cgroup = vtopo_cgroup_of(lines, true);
        if (cgroup &&
            !vtopo_cpuset_read(root, m->v2, m->v2_root, cgroup, true, limit,
                               tp, error)) {
            return NULL;
        }
    }
    return g_steal_pointer(&tp);
}

/* @a minus @b, both ascending. */
static GArray *vtopo_cpus_minus(const GArray *a, const GArray *b)
{
    GArray *out = g_array_new(false, false, sizeof(unsigned int));
    guint j = 0;

    for (guint i = 0; i < a->len; i++) {
        unsigned int cpu = g_array_index(a, unsigned int, i);

        while (j < b->len && g_array_index(b, unsigned int, j) < cpu) {
            j++;
        }
        if (j >= b->len || g_array_index(b, unsigned int, j) != cpu) {
            g_array_append_val(out, cpu);
        }
    }
    return out;
}

GArray *vtopo_unpinned_cpus_read(const char *root, unsigned int limit,
                                 char **error)
{
    static const char online_path[] = "sys/devices/system/cpu/online";
    static const char isolated_path[] = "sys/devices/system/cpu/isolated";
    g_autofree char *online_text = vtopo_proc_file(root, online_path, error);
    g_autofree char *isolated_text = NULL;
    g_autoptr(GArray) online = NULL;
    g_autoptr(GArray) isolated = NULL;
    g_autofree char *reason = NULL;
    g_autofree char *full = NULL;

    if (!online_text) {
        return NULL;
    }
    online = vtopo_cpulist_parse(g_strstrip(online_text), limit, false,
                                 &reason);
    if (!online) {
        full = g_build_filename(root, online_path, NULL);
        *error = g_strdup_printf("%s: %s", full, reason);
        return NULL;
    }
    /* Kernels before 4.2 have no isolated file: nothing is isolated. */
    full = g_build_filename(root, isolated_path, NULL);
    if (!g_file_test(full, G_FILE_TEST_EXISTS)) {
        return g_steal_pointer(&online);
    }
    isolated_text = vtopo_proc_file(root, isolated_path, error);
    if (!isolated_text) {
        return NULL;
    }
    isolated = vtopo_cpulist_parse(g_strstrip(isolated_text), limit, true,
                                   &reason);
    if (!isolated) {
        *error = g_strdup_printf("%s: %s", full, reason);
        return NULL;
    }
    return vtopo_cpus_minus(online, isolated);
}

/*
 * The one CPU thread @tid of process @pid is pinned to, or -1: not
 * pinned to one, a kernel thread (its status has no VmSize: it has no
 * address space), or gone or unreadable (another process's files are
 * not ours to judge).
 */
static int vtopo_thread_pinned_cpu(const char *root, const char *pid,
                                   const char *tid, unsigned int limit)
{
    g_autofree char *path = g_strdup_printf("proc/%s/task/%s/status", pid,
                                            tid);
    g_autofree char *error = NULL;
    g_autofree char *status = vtopo_proc_file(root, path, &error);
    g_auto(GStrv) lines = NULL;
    g_autoptr(GArray) cpus = NULL;

    if (!status || !g_strstr_len(status, -1, "\nVmSize:")) {
        return -1;
    }
    lines = g_strsplit(status, "\n", -1);
    cpus = vtopo_status_list(path, lines, "Cpus_allowed_list", limit, &error);
    return cpus && cpus->len == 1 ? (int)g_array_index(cpus, unsigned int, 0)
                                 : -1;
}

/* Record that thread @tid of process @pid is pinned to @cpu alone. */
static void vtopo_taken_add(GArray *by_cpu, const char *root, int pid,
                            int tid, unsigned int cpu)
{
    VTopoTakenCpu *t = &g_array_index(by_cpu, VTopoTakenCpu, cpu);
    g_autofree char *path = NULL;
    g_autofree char *error = NULL;
    char *comm;

    if (t->pid && (t->pid < pid || (t->pid == pid && t->tid < tid))) {
        return;
    }
    path = g_strdup_printf("proc/%d/comm", pid);
    comm = vtopo_proc_file(root, path, &error);
    g_free(t->comm);
    *t = (VTopoTakenCpu) {
        .cpu = cpu, .pid = pid, .tid = tid,
        .comm = comm ? g_strstrip(comm) : g_strdup("?"),
    };
}

GArray *vtopo_taken_cpus_read(const char *root, int self,
                              unsigned int limit, char **error)
{
    g_autofree char *proc = g_build_filename(root, "proc", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) dir = g_dir_open(proc, 0, &err);
    g_autoptr(GArray) by_cpu = NULL;
    GArray *taken;
    const char *pid;

    if (!dir) {
        *error = g_strdup(err->message);
        return NULL;
    }
    by_cpu = g_array_sized_new(false, true, sizeof(VTopoTakenCpu), limit);
    g_array_set_size(by_cpu, limit);
    while ((pid = g_dir_read_name(dir))) {
        g_autofree char *tasks = NULL;
        g_autoptr(GDir) tdir = NULL;
        const char *tid;
        guint64 id;

        if (!g_ascii_string_to_unsigned(pid, 10, 1, INT_MAX, &id, NULL) ||
            id == (guint64)self) {
            continue;
        }
        tasks = g_build_filename(proc, pid, "task", NULL);
        tdir = g_dir_open(tasks, 0, NULL);
        while (tdir && (tid = g_dir_read_name(tdir))) {
            guint64 tid_id;
            int cpu;

            if (!g_ascii_string_to_unsigned(tid, 10, 1, INT_MAX, &tid_id,
                                            NULL)) {
                continue;
            }
            cpu = vtopo_thread_pinned_cpu(root, pid, tid, limit);
            if (cpu >= 0) {
                vtopo_taken_add(by_cpu, root, id, tid_id, cpu);
            }
        }
    }
    taken = g_array_new(false, false, sizeof(VTopoTakenCpu));
    for (unsigned int c = 0; c < limit; c++) {
        VTopoTakenCpu *t = &g_array_index(by_cpu, VTopoTakenCpu, c);

        if (t->pid) {
            g_array_append_val(taken, *t);
        }
    }
    return taken;
}

void vtopo_taken_cpus_free(GArray *taken)
{
    for (guint i = 0; taken && i < taken->len; i++) {
        g_free(g_array_index(taken, VTopoTakenCpu, i).comm);
    }
    if (taken) {
        g_array_unref(taken);
    }
}

GArray *vtopo_taken_cpu_list(const GArray *taken)
{
    GArray *cpus = g_array_new(false, false, sizeof(unsigned int));

    for (guint i = 0; taken && i < taken->len; i++) {
        g_array_append_val(cpus, g_array_index(taken, VTopoTakenCpu, i).cpu);
    }
    return cpus;
}

GArray *vtopo_cpus_untaken(const GArray *cpus, const GArray *taken)
{
    g_autoptr(GArray) taken_cpus = vtopo_taken_cpu_list(taken);

    return vtopo_cpus_minus(cpus, taken_cpus);
}

char *vtopo_taken_text(const GArray *taken)
{
    const VTopoTakenCpu *t;
    g_autoptr(GArray) cpus = NULL;
    g_autoptr(GString) text = NULL;

    if (!taken || !taken->len) {
        return NULL;
    }
    t = &g_array_index(taken, VTopoTakenCpu, 0);
    cpus = vtopo_taken_cpu_list(taken);
    text = g_string_new(NULL);
    vtopo_format_cpulist(text, (const unsigned int *)cpus->data, cpus->len);
    if (taken->len == 1) {
        return g_strdup_printf("host CPU %s is taken: thread %d of process "
                               "%d (%s) is pinned to it alone", text->str,
                               t->tid, t->pid, t->comm);
    }
    return g_strdup_printf("host CPUs %s are taken: a thread of another "
                           "process is pinned to each alone (to %u: thread "
                           "%d of process %d, %s)", text->str, t->cpu,
                           t->tid, t->pid, t->comm);
}

bool vtopo_cpus_pinned(const GArray *cpus, const GArray *unpinned)
{
    g_autoptr(GArray) missing = vtopo_cpus_minus(unpinned, cpus);

    return missing->len != 0;
}

bool vtopo_cpus_equal(const GArray *a, const GArray *b)
{
    return a->len == b->len &&
           !memcmp(a->data, b->data, a->len * sizeof(unsigned int));
}

VTopoPlacementSource vtopo_placement_source(const GArray *now,
                                            const GArray *unpinned,
                                            int planned,
                                            const GArray *at_init)
{
    if (!vtopo_cpus_pinned(now, unpinned)) {
        return VTOPO_SOURCE_UNPINNED;
    }
    if (planned != VTOPO_PIN_NONE && now->len == 1 &&
        g_array_index(now, unsigned int, 0) == (unsigned int)planned) {
        return VTOPO_SOURCE_QEMU;
    }
    if (at_init && vtopo_cpus_equal(now, at_init)) {
        return VTOPO_SOURCE_INHERITED;
    }
    return VTOPO_SOURCE_EXTERNAL;
}
