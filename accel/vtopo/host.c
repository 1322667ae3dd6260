/*
 * vtopo: the host's CPU topology, caches and NUMA nodes from sysfs
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <fcntl.h>
#include <unistd.h>
#ifdef CONFIG_LINUX
#include <sched.h>
#include <sys/prctl.h>
#endif
#include "accel/vtopo/host.h"

/* Longest sysfs file read: a distance row of VTOPO_HOST_MAX_NODES. */
#define VTOPO_HOST_MAX_FILE (64 * 1024)

GArray *vtopo_cpulist_parse(const char *text, unsigned int limit,
                            bool allow_empty, char **error)
{
    g_autoptr(GArray) cpus = g_array_new(false, false, sizeof(unsigned int));
    g_autofree bool *seen = g_new0(bool, limit ? limit : 1);
    g_auto(GStrv) ranges = NULL;

    if (!*text) {
        if (allow_empty) {
            return g_steal_pointer(&cpus);
        }
        *error = g_strdup("the CPU list is empty");
        return NULL;
    }
    ranges = g_strsplit(text, ",", -1);
    for (char **r = ranges; *r; r++) {
        g_auto(GStrv) ends = g_strsplit(*r, "-", 3);
        guint64 first, last;

        if (!**r) {
            *error = g_strdup("the list has an empty entry");
            return NULL;
        }
        if (!ends[0] || (ends[1] && ends[2])) {
            *error = g_strdup_printf("'%s' is not a CPU or a range of CPUs",
                                     *r);
            return NULL;
        }
        if (!g_ascii_string_to_unsigned(ends[0], 10, 0, G_MAXUINT, &first,
                                        NULL)) {
            *error = g_strdup_printf("'%s' is not a CPU number",
                                     *ends[0] ? ends[0] : *r);
            return NULL;
        }
        last = first;
        if (ends[1] && !g_ascii_string_to_unsigned(ends[1], 10, 0, G_MAXUINT,
                                                   &last, NULL)) {
            *error = g_strdup_printf(*ends[1] ? "'%s' is not a CPU number"
                                     : "the range '%s' has no end",
                                     *ends[1] ? ends[1] : *r);
            return NULL;
        }
        if (last < first) {
            *error = g_strdup_printf("the range '%s' ends before it starts",
                                     *r);
            return NULL;
        }
        if (last >= limit) {
            *error = g_strdup_printf("CPU %" G_GUINT64_FORMAT " does not "
                                     "exist (the last is %u)", last,
                                     limit - 1);
            return NULL;
        }
        for (unsigned int cpu = first; cpu <= last; cpu++) {
            if (seen[cpu]) {
                *error = g_strdup_printf("CPU %u is listed twice", cpu);
                return NULL;
            }
            seen[cpu] = true;
        }
    }
    for (unsigned int cpu = 0; cpu < limit; cpu++) {
        if (seen[cpu]) {
            g_array_append_val(cpus, cpu);
        }
    }
    return g_steal_pointer(&cpus);
}

/*
 * Read sysfs file @root/@path, without its trailing newline.  Returns
 * NULL with *@error set, except that a missing file is not an error
 * when @optional.
 */
static char *vtopo_host_file(const char *root, const char *path,
                             bool optional, char **error)
{
    g_autofree char *full = g_build_filename(root, path, NULL);
    char text[VTOPO_HOST_MAX_FILE + 1];
    ssize_t len;
    int fd;

    fd = open(full, O_RDONLY);
    if (fd < 0) {
        if (!(optional && errno == ENOENT)) {
            *error = g_strdup_printf("%s: %s", full, g_strerror(errno));
        }
        return NULL;
    }
    len = read(fd, text, VTOPO_HOST_MAX_FILE + 1);
    close(fd);
    if (len < 0) {
        *error = g_strdup_printf("%s: %s", full, g_strerror(errno));
        return NULL;
    }
    if (len > VTOPO_HOST_MAX_FILE || memchr(text, '\0', len)) {
        *error = g_strdup_printf("%s: not a sysfs attribute", full);
        return NULL;
    }
    text[len] = '\0';
    return g_strchomp(g_strndup(text, len));
}

static char *vtopo_host_path_error(const char *root, const char *path,
                                   const char *fmt, const char *detail)
{
    g_autofree char *full = g_build_filename(root, path, NULL);
    g_autofree char *reason = g_strdup_printf(fmt, detail);

    return g_strdup_printf("%s: %s", full, reason);
}

/* A decimal number from sysfs file @path, or -1 if @optional and absent. */
static bool vtopo_host_number(const char *root, const char *path,
                              bool optional, gint64 *value, char **error)
{
    g_autofree char *text = vtopo_host_file(root, path, optional, error);
    guint64 number;

    if (!text) {
        *value = -1;
        return !*error;
    }
    if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXINT, &number, NULL)) {
        *error = vtopo_host_path_error(root, path, "'%s' is not a number",
                                       text);
        return false;
    }
    *value = number;
    return true;
}

static GArray *vtopo_host_cpulist(const char *root, const char *path,
                                  unsigned int limit, bool allow_empty,
                                  char **error)
{
    g_autofree char *text = vtopo_host_file(root, path, false, error);
    g_autofree char *reason = NULL;
    GArray *cpus;

    if (!text) {
        return NULL;
    }
    cpus = vtopo_cpulist_parse(text, limit, allow_empty, &reason);
    if (!cpus) {
        *error = vtopo_host_path_error(root, path, "%s", reason);
    }
    return cpus;
}

static bool vtopo_cpus_contain(const GArray *cpus, unsigned int cpu)
{
    for (guint i = 0; i < cpus->len; i++) {
        if (g_array_index(cpus, unsigned int, i) == cpu) {
            return true;
        }
    }
    return false;
}

/* The key of a CPU set in the hash tables of shared domains. */
static char *vtopo_cpus_key(const char *prefix, const GArray *cpus)
{
    g_autoptr(GString) key = g_string_new(prefix);

    vtopo_format_cpulist(key, (const unsigned int *)cpus->data, cpus->len);
    return g_string_free(g_steal_pointer(&key), false);
}

static bool vtopo_host_cache_type(const char *text, VTopoCacheType *type)
{
    static const char *const names[] = {
        [VTOPO_CACHE_DATA] = "Data",
        [VTOPO_CACHE_INSTRUCTION] = "Instruction",
        [VTOPO_CACHE_UNIFIED] = "Unified",
    };

    for (unsigned int t = 0; t < G_N_ELEMENTS(names); t++) {
        if (g_str_equal(text, names[t])) {
            *type = t;
            return true;
        }
    }
    return false;
}

/* cache/indexN/size: a number of bytes with a K, M or G suffix. */
static bool vtopo_host_cache_size(const char *text, uint64_t *size)
{
    g_autofree char *digits = g_strdup(text);
    size_t len = strlen(digits);
    unsigned int shift = 0;
    guint64 number;

    if (len && strchr("KMG", digits[len - 1])) {
        shift = digits[len - 1] == 'K' ? 10 : digits[len - 1] == 'M' ? 20 : 30;
        digits[len - 1] = '\0';
    }
    if (!g_ascii_string_to_unsigned(digits, 10, 1, UINT64_MAX >> 30,
                                    &number, NULL)) {
        return false;
    }
    *size = number << shift;
    return true;
}

static void vtopo_host_cache_clear(gpointer data)
{
    VTopoHostCache *cache = data;

    g_array_unref(cache->cpus);
}

static void vtopo_host_node_clear(gpointer data)
{
    VTopoHostNode *node = data;

    g_array_unref(node->cpus);
    g_array_unref(node->distance);
}

/*
 * One cache/indexN directory @dir of @cpu into @cache, its sysfs type
 * name in @type.  Returns 1, 0 when there is no such index, -1 with
 * @error when the directory is broken.
 */
static int vtopo_host_read_cache(const VTopoHost *host, const char *root,
                                 const char *dir, unsigned int cpu,
                                 VTopoHostCache *cache, char **type,
                                 char **error)
{
    g_autofree char *p_level = g_build_filename(dir, "level", NULL);
    g_autofree char *p_type = g_build_filename(dir, "type", NULL);
    g_autofree char *p_size = g_build_filename(dir, "size", NULL);
    g_autofree char *p_ways = g_build_filename(dir, "ways_of_associativity",
                                               NULL);
    g_autofree char *p_line = g_build_filename(dir, "coherency_line_size",
                                               NULL);
    g_autofree char *p_sets = g_build_filename(dir, "number_of_sets", NULL);
    g_autofree char *p_shared = g_build_filename(dir, "shared_cpu_list",
                                                 NULL);
    g_autofree char *size = NULL;
    gint64 level, ways, line, sets;

    if (!vtopo_host_number(root, p_level, true, &level, error)) {
        return -1;
    }
    if (level < 0) {
        return 0;
    }
    *type = vtopo_host_file(root, p_type, false, error);
    size = *type ? vtopo_host_file(root, p_size, false, error) : NULL;
    if (!size ||
        !vtopo_host_number(root, p_ways, false, &ways, error) ||
        !vtopo_host_number(root, p_line, false, &line, error) ||
        !vtopo_host_number(root, p_sets, true, &sets, error)) {
        return -1;
    }
    *cache = (VTopoHostCache) {
        .level = level, .ways = ways, .line_size = line,
    };
    if (!vtopo_host_cache_type(*type, &cache->type)) {
        *error = vtopo_host_path_error(root, p_type,
                                       "unknown cache type '%s'", *type);
        return -1;
    }
    if (!vtopo_host_cache_size(size, &cache->size)) {
        *error = vtopo_host_path_error(root, p_size,
                                       "'%s' is not a cache size", size);
        return -1;
    }
    if (cache->level == 0 || cache->ways == 0 || cache->line_size == 0) {
        *error = vtopo_host_path_error(root, dir, "%s", "a cache with level, "
                                       "ways or line size 0");
        return -1;
    }
    cache->sets = sets >= 0 ? (uint64_t)sets
                  : cache->size / ((uint64_t)cache->ways * cache->line_size);
    cache->cpus = vtopo_host_cpulist(root, p_shared, host->nr_cpus, false,
                                     error);
    if (!cache->cpus) {
        return -1;
    }
    if (!vtopo_cpus_contain(cache->cpus, cpu)) {
        *error = vtopo_host_path_error(root, p_shared, "%s",
                                       "does not list its own CPU");
        g_array_unref(cache->cpus);
        return -1;
    }
    return 1;
}

/* Read cpuN/cache/index*: add the instances not seen yet. */
static bool vtopo_host_read_caches(VTopoHost *host, const char *root,
                                   unsigned int cpu, GHashTable *instances,
                                   char **error)
{
    VTopoHostCpu *c = &host->cpus[cpu];
    unsigned int best_level = 0;

    for (unsigned int index = 0;; index++) {
        g_autofree char *dir = g_strdup_printf("devices/system/cpu/cpu%u/"
                                               "cache/index%u", cpu, index);
        g_autofree char *type = NULL, *prefix = NULL, *key = NULL;
        VTopoHostCache cache;
        gpointer found;
        int ret = vtopo_host_read_cache(host, root, dir, cpu, &cache, &type,
                                        error);

        if (ret <= 0) {
            return ret == 0;
        }
        prefix = g_strdup_printf("L%u %s ", cache.level, type);
        key = vtopo_cpus_key(prefix, cache.cpus);
        if (g_hash_table_lookup_extended(instances, key, NULL, &found)) {
            g_array_unref(cache.cpus);
        } else {
            found = GUINT_TO_POINTER(host->caches->len);
            g_array_append_val(host->caches, cache);
            g_hash_table_insert(instances, g_steal_pointer(&key), found);
        }
        if (c->nr_caches == VTOPO_HOST_MAX_CPU_CACHES) {
            *error = vtopo_host_path_error(root, dir, "%s",
                                           "more caches than a CPU has");
            return false;
        }
        c->caches[c->nr_caches++] = GPOINTER_TO_UINT(found);
        if (cache.type != VTOPO_CACHE_INSTRUCTION &&
            cache.level > best_level) {
            best_level = cache.level;
            c->llc = GPOINTER_TO_UINT(found);
        }
    }
}

static bool vtopo_host_read_cpu(VTopoHost *host, const char *root,
                                unsigned int cpu, GHashTable *cores,
                                GHashTable *caches, char **error)
{
    VTopoHostCpu *c = &host->cpus[cpu];
    g_autofree char *topo = g_strdup_printf("devices/system/cpu/cpu%u/"
                                            "topology", cpu);
    g_autofree char *p_package = g_build_filename(topo, "physical_package_id",
                                                  NULL);
    g_autofree char *p_die = g_build_filename(topo, "die_id", NULL);
    g_autofree char *p_cluster = g_build_filename(topo, "cluster_id", NULL);
    g_autofree char *p_core = g_build_filename(topo, "core_id", NULL);
    g_autofree char *p_siblings = g_build_filename(topo,
                                                   "thread_siblings_list",
                                                   NULL);
    g_autoptr(GArray) siblings = NULL;
    g_autofree char *key = NULL;
    gint64 package, die, cluster, core;
    gpointer domain;

    if (!vtopo_host_number(root, p_package, false, &package, error) ||
        !vtopo_host_number(root, p_die, true, &die, error) ||
        !vtopo_host_number(root, p_cluster, true, &cluster, error) ||
        !vtopo_host_number(root, p_core, false, &core, error)) {
        return false;
    }
    siblings = vtopo_host_cpulist(root, p_siblings, host->nr_cpus, false,
                                  error);
    if (!siblings) {
        return false;
    }
    if (!vtopo_cpus_contain(siblings, cpu)) {
        *error = vtopo_host_path_error(root, p_siblings, "%s",
                                       "does not list its own CPU");
        return false;
    }
    c->package = package;
    c->die = die;
    c->cluster = cluster;
    c->core = core;
    key = vtopo_cpus_key("", siblings);
    if (!g_hash_table_lookup_extended(cores, key, NULL, &domain)) {
        domain = GUINT_TO_POINTER(host->nr_cores++);
        g_hash_table_insert(cores, g_steal_pointer(&key), domain);
    }
    c->core_domain = GPOINTER_TO_UINT(domain);
    host->threads_per_core = MAX(host->threads_per_core, siblings->len);
    return vtopo_host_read_caches(host, root, cpu, caches, error);
}

/* A kernel without NUMA: one node with every online CPU. */
static void vtopo_host_one_node(VTopoHost *host, const GArray *online)
{
    VTopoHostNode node = {
        .cpus = g_array_copy((GArray *)online),
        .distance = g_array_new(false, false, sizeof(unsigned int)),
    };
    unsigned int local = 10;

    g_array_append_val(node.distance, local);
    g_array_append_val(host->nodes, node);
    for (guint i = 0; i < online->len; i++) {
        host->cpus[g_array_index(online, unsigned int, i)].node = 0;
    }
}

/* nodeN/distance: one distance (1-255) per online node. */
static bool vtopo_host_read_distances(VTopoHostNode *node, const char *root,
                                      const char *path, unsigned int nr_nodes,
                                      char **error)
{
    g_autofree char *text = vtopo_host_file(root, path, false, error);
    g_auto(GStrv) row = NULL;

    if (!text) {
        return false;
    }
    row = g_strsplit(text, " ", -1);
    for (char **d = row; *d; d++) {
        guint64 value;
        unsigned int distance;

        if (!g_ascii_string_to_unsigned(*d, 10, 1, 255, &value, NULL)) {
            *error = vtopo_host_path_error(root, path,
                                           "'%s' is not a distance", *d);
            return false;
        }
        distance = value;
        g_array_append_val(node->distance, distance);
    }
    if (node->distance->len != nr_nodes) {
        *error = vtopo_host_path_error(root, path, "%s",
                                       "not one distance per node");
        return false;
    }
    return true;
}

/* nodeN/meminfo's MemTotal, if the file is there. */
static bool vtopo_host_read_node_memory(VTopoHostNode *node, const char *root,
                                        const char *path, char **error)
{
    g_autofree char *meminfo = vtopo_host_file(root, path, true, error);
    g_auto(GStrv) words = NULL;
    char *total, **w;
    guint64 kib;

    if (*error) {
        return false;
    }
    total = meminfo ? strstr(meminfo, "MemTotal:") : NULL;
    if (!total) {
        return true;
    }
    words = g_strsplit_set(total + strlen("MemTotal:"), "\n ", -1);
    w = words;
    while (*w && !**w) {
        w++;
    }
    if (!*w || !g_ascii_string_to_unsigned(*w, 10, 0, UINT64_MAX >> 10, &kib,
                                           NULL)) {
        *error = vtopo_host_path_error(root, path, "%s",
                                       "MemTotal is not a number");
        return false;
    }
    node->mem_size = kib << 10;
    return true;
}

/* Online node @id of @nr_nodes: its CPUs, distances and memory. */
static bool vtopo_host_read_node(VTopoHost *host, const char *root,
                                 unsigned int id, unsigned int nr_nodes,
                                 char **error)
{
    g_autofree char *p_cpus = g_strdup_printf("devices/system/node/node%u/"
                                              "cpulist", id);
    g_autofree char *p_dist = g_strdup_printf("devices/system/node/node%u/"
                                              "distance", id);
    g_autofree char *p_mem = g_strdup_printf("devices/system/node/node%u/"
                                             "meminfo", id);
    VTopoHostNode fresh = { .id = id };
    VTopoHostNode *node;

    fresh.cpus = vtopo_host_cpulist(root, p_cpus, host->nr_cpus, true, error);
    if (!fresh.cpus) {
        return false;
    }
    fresh.distance = g_array_new(false, false, sizeof(unsigned int));
    /* The host owns the node from here, whatever fails below */
    g_array_append_val(host->nodes, fresh);
    node = &g_array_index(host->nodes, VTopoHostNode, host->nodes->len - 1);
    for (guint j = 0; j < node->cpus->len; j++) {
        unsigned int cpu = g_array_index(node->cpus, unsigned int, j);

        if (!host->cpus[cpu].online || host->cpus[cpu].node >= 0) {
            g_autofree char *which = g_strdup_printf("%u", cpu);

            *error = vtopo_host_path_error(root, p_cpus, "CPU %s is offline "
                                           "or in another node", which);
            return false;
        }
        host->cpus[cpu].node = id;
    }
    return vtopo_host_read_distances(node, root, p_dist, nr_nodes, error) &&
           vtopo_host_read_node_memory(node, root, p_mem, error);
}

static bool vtopo_host_read_nodes(VTopoHost *host, const char *root,
                                  const GArray *online, char **error)
{
    g_autofree char *text = NULL;
    g_autoptr(GArray) ids = NULL;

    text = vtopo_host_file(root, "devices/system/node/online", true, error);
    if (!text) {
        if (*error) {
            return false;
        }
        vtopo_host_one_node(host, online);
        return true;
    }
    ids = vtopo_host_cpulist(root, "devices/system/node/online",
                             VTOPO_HOST_MAX_NODES, false, error);
    if (!ids) {
        return false;
    }
    for (guint i = 0; i < ids->len; i++) {
        if (!vtopo_host_read_node(host, root,
                                  g_array_index(ids, unsigned int, i),
                                  ids->len, error)) {
            return false;
        }
    }
    return true;
}

static int vtopo_name_compare(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Which vulnerabilities/ file, if any, says SMT siblings leak. */
static bool vtopo_host_read_exposure(VTopoHost *host, const char *root,
                                     char **error)
{
    static const char *const cross_thread[] = {
        "l1tf", "mds", "tsx_async_abort", "mmio_stale_data",
    };
    g_autofree char *dir = g_build_filename(root, "devices/system/cpu/"
                                            "vulnerabilities", NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (!d) {
        return true;
    }
    while ((name = g_dir_read_name(d))) {
        g_ptr_array_add(names, g_strdup(name));
    }
    g_dir_close(d);
    g_ptr_array_sort(names, vtopo_name_compare);
    for (guint i = 0; i < names->len && !host->smt_exposure; i++) {
        g_autofree char *path = g_build_filename("devices/system/cpu/"
                                                 "vulnerabilities",
                                                 names->pdata[i], NULL);
        g_autofree char *text = vtopo_host_file(root, path, false, error);
        bool cross = false;

        if (!text) {
            return false;
        }
        for (unsigned int c = 0; c < G_N_ELEMENTS(cross_thread); c++) {
            cross |= g_str_equal(names->pdata[i], cross_thread[c]);
        }
        if (strstr(text, "SMT vulnerable") ||
            (cross && g_str_has_prefix(text, "Vulnerable"))) {
            host->smt_exposure = g_strdup(names->pdata[i]);
        }
    }
    return true;
}

VTopoHost *vtopo_host_read(const char *sysfs, char **error)
{
    g_autoptr(VTopoHost) host = g_new0(VTopoHost, 1);
    g_autoptr(GArray) possible = NULL, online = NULL;
    g_autoptr(GHashTable) cores = g_hash_table_new_full(g_str_hash,
                                                        g_str_equal,
                                                        g_free, NULL);
    g_autoptr(GHashTable) caches = g_hash_table_new_full(g_str_hash,
                                                         g_str_equal,
                                                         g_free, NULL);
    g_autofree char *smt = NULL;
    gint64 active;

    *error = NULL;
    host->caches = g_array_new(false, true, sizeof(VTopoHostCache));
    g_array_set_clear_func(host->caches, vtopo_host_cache_clear);
    host->nodes = g_array_new(false, true, sizeof(VTopoHostNode));
    g_array_set_clear_func(host->nodes, vtopo_host_node_clear);

    possible = vtopo_host_cpulist(sysfs, "devices/system/cpu/possible",
                                  VTOPO_HOST_MAX_CPUS, false, error);
    if (!possible) {
        return NULL;
    }
    host->nr_cpus = g_array_index(possible, unsigned int, possible->len - 1)
                    + 1;
    host->cpus = g_new0(VTopoHostCpu, host->nr_cpus);
    for (unsigned int cpu = 0; cpu < host->nr_cpus; cpu++) {
        host->cpus[cpu] = (VTopoHostCpu) {
            .package = -1, .die = -1, .cluster = -1, .core = -1,
            .core_domain = -1, .llc = -1, .node = -1,
        };
    }
    online = vtopo_host_cpulist(sysfs, "devices/system/cpu/online",
                                host->nr_cpus, false, error);
    if (!online) {
        return NULL;
    }
    for (guint i = 0; i < online->len; i++) {
        unsigned int cpu = g_array_index(online, unsigned int, i);

        host->cpus[cpu].online = true;
        if (!vtopo_host_read_cpu(host, sysfs, cpu, cores, caches, error)) {
            return NULL;
        }
    }
    if (!vtopo_host_read_nodes(host, sysfs, online, error)) {
        return NULL;
    }
    if (!vtopo_host_number(sysfs, "devices/system/cpu/smt/active", true,
                           &active, error)) {
        return NULL;
    }
    host->smt = active >= 0 ? active : host->threads_per_core > 1;
    if (!vtopo_host_read_exposure(host, sysfs, error)) {
        return NULL;
    }
    return g_steal_pointer(&host);
}

void vtopo_host_free(VTopoHost *host)
{
    if (host) {
        g_array_unref(host->caches);
        g_array_unref(host->nodes);
        g_free(host->cpus);
        g_free(host->smt_exposure);
        g_free(host);
    }
}

int vtopo_host_node_index(const VTopoHost *host, unsigned int id)
{
    for (guint i = 0; i < host->nodes->len; i++) {
        if (g_array_index(host->nodes, VTopoHostNode, i).id == id) {
            return i;
        }
    }
    return -1;
}

const VTopoHostCache *vtopo_host_cpu_cache(const VTopoHost *host,
                                           unsigned int cpu,
                                           unsigned int level,
                                           VTopoCacheType type)
{
    const VTopoHostCpu *c = &host->cpus[cpu];

    for (unsigned int i = 0; i < c->nr_caches; i++) {
        const VTopoHostCache *cache = &g_array_index(host->caches,
                                                     VTopoHostCache,
                                                     c->caches[i]);

        if (cache->level == level && cache->type == type) {
            return cache;
        }
    }
    return NULL;
}

GArray *vtopo_host_allowed_cpus(const VTopoHost *host, bool simulated,
                                char **error)
{
    g_autoptr(GArray) allowed = g_array_new(false, false,
                                            sizeof(unsigned int));
#ifdef CONFIG_LINUX
    /* A set as large as the host's CPUs: cpu_set_t holds 1024. */
    size_t set_size = CPU_ALLOC_SIZE(MAX(host->nr_cpus, 1));
    g_autofree cpu_set_t *set = g_malloc0(set_size);

    if (!simulated && sched_getaffinity(0, set_size, set)) {
        *error = g_strdup_printf("cannot read the CPUs QEMU may run on: %s",
                                 g_strerror(errno));
        return NULL;
    }
#endif
    for (unsigned int cpu = 0; cpu < host->nr_cpus; cpu++) {
        if (!host->cpus[cpu].online) {
            continue;
        }
#ifdef CONFIG_LINUX
        if (!simulated && !CPU_ISSET_S(cpu, set_size, set)) {
            continue;
        }
#endif
        g_array_append_val(allowed, cpu);
    }
    return g_steal_pointer(&allowed);
}

bool vtopo_host_core_sched(const VTopoHost *host, bool simulated,
                           const char **why)
{
    static const char no_smt[] = "core scheduling needs SMT, which the "
                                 "host does not have";

    if (simulated) {
        *why = no_smt;
        return host->smt;
    }
#if defined(CONFIG_LINUX) && defined(PR_SCHED_CORE)
    {
        unsigned long cookie;

        if (!prctl(PR_SCHED_CORE, PR_SCHED_CORE_GET, 0,
                   PR_SCHED_CORE_SCOPE_THREAD, (unsigned long)&cookie)) {
            return true;
        }
        *why = errno == ENODEV ? no_smt
               : "the host kernel has no core scheduling (Linux 5.14 or "
                 "later, built with CONFIG_SCHED_CORE)";
        return false;
    }
#else
    *why = "core scheduling needs Linux 5.14 or later";
    return false;
#endif
}
