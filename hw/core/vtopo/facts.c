/*
 * vtopo: what the guest sees of a model, as a migration stream carries it
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/core/vtopo/facts.h"

/* The longest value a message quotes. */
#define VTOPO_FACTS_QUOTE 48

/* A cache's name in -machine smp-cache: l1d, l1i, l2, l3. */
static char *vtopo_facts_cache_name(const VTopoCache *c)
{
    return g_strdup_printf("l%u%s", c->level,
                           c->type == VTOPO_CACHE_DATA ? "d" :
                           c->type == VTOPO_CACHE_INSTRUCTION ? "i" : "");
}

/*
 * The vCPUs' architectural ids in cpu-index order, as runs of
 * consecutive ids: "0-2,4-6".
 */
static void vtopo_facts_arch_ids(GString *out, const VTopo *topo)
{
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        uint64_t first = topo->cpus[i].arch_id;

        while (i + 1 < topo->nr_cpus &&
               topo->cpus[i + 1].arch_id == topo->cpus[i].arch_id + 1) {
            i++;
        }
        g_string_append_printf(out, "%s%" PRIu64, out->len ? "," : "", first);
        if (topo->cpus[i].arch_id != first) {
            g_string_append_printf(out, "-%" PRIu64, topo->cpus[i].arch_id);
        }
    }
}

static void vtopo_facts_caches(GString *out, const VTopo *topo)
{
    g_string_append(out, "caches ");
    for (unsigned int i = 0; i < topo->nr_caches; i++) {
        g_autofree char *name =
            vtopo_facts_cache_name(&topo->caches[i].geometry);

        g_string_append_printf(out, "%s%s", i ? "," : "", name);
    }
    g_string_append(out, topo->nr_caches ? "\n" : "none\n");
    for (unsigned int i = 0; i < topo->nr_caches; i++) {
        const VTopoSharedCache *c = &topo->caches[i];
        g_autofree char *name = vtopo_facts_cache_name(&c->geometry);

        g_string_append_printf(out, "cache.%s.size %" PRIu64 "\n"
                               "cache.%s.ways %u\n"
                               "cache.%s.line-size %u\n"
                               "cache.%s.partitions %u\n"
                               "cache.%s.inclusive %s\n"
                               "cache.%s.topology %s\n"
                               "cache.%s.per-node %s\n",
                               name, c->geometry.size,
                               name, c->geometry.ways,
                               name, c->geometry.line_size,
                               name, c->geometry.partitions,
                               name, c->geometry.inclusive ? "yes" : "no",
                               name, vtopo_level_name(c->sharing),
                               name, c->per_node ? "yes" : "no");
    }
}

static void vtopo_facts_nodes(GString *out, const VTopo *topo)
{
    g_autofree unsigned int *cpus = g_new(unsigned int, topo->nr_cpus + 1);

    g_string_append_printf(out, "numa.nodes %u\n", topo->nr_nodes);
    for (unsigned int n = 0; n < topo->nr_nodes; n++) {
        const VTopoNode *node = &topo->nodes[n];
        unsigned int nr = 0;

        for (unsigned int i = 0; i < topo->nr_cpus; i++) {
            if (topo->cpus[i].node == (int)n) {
                cpus[nr++] = topo->cpus[i].index;
            }
        }
        g_string_append_printf(out, "node.%u.cpus ", n);
        if (nr) {
            vtopo_format_cpulist(out, cpus, nr);
        } else {
            g_string_append(out, "none");
        }
        g_string_append_printf(out, "\nnode.%u.memory %" PRIu64 "\n"
                               "node.%u.distances ", n, node->mem_size, n);
        /* A configured distance is never 0: the local one is 10. */
        if (!node->distance[n]) {
            g_string_append(out, "none");
        }
        for (unsigned int m = 0; node->distance[n] && m < topo->nr_nodes;
             m++) {
            g_string_append_printf(out, "%s%u", m ? "," : "",
                                   node->distance[m]);
        }
        g_string_append_c(out, '\n');
    }
}

char *vtopo_facts(const VTopo *topo)
{
    GString *out = g_string_new(NULL);
    g_autoptr(GString) ids = g_string_new(NULL);

    g_string_append_printf(out, "vtopo-facts %d\n", VTOPO_FACTS_VERSION);
    for (int l = VTOPO_LEVELS - 1; l >= 0; l--) {
        if (topo->shape.supported[l]) {
            /* -smp's option: the level's name, plural. */
            g_string_append_printf(out, "smp.%ss %u\n", vtopo_level_name(l),
                                   topo->shape.count[l]);
        }
    }
    g_string_append_printf(out, "smp.maxcpus %u\n", topo->nr_cpus);
    vtopo_facts_arch_ids(ids, topo);
    g_string_append_printf(out, "cpus.arch-ids %s\n", ids->str);
    vtopo_facts_caches(out, topo);
    vtopo_facts_nodes(out, topo);
    return g_string_free(out, false);
}

char *vtopo_facts_digest(const char *facts)
{
    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, facts, -1);
}

/* Whether @name is an option of -smp that the facts hold. */
static bool vtopo_facts_smp_option(const char *name)
{
    for (CpuTopologyLevel l = CPU_TOPOLOGY_LEVEL_THREAD; l < VTOPO_LEVELS;
         l++) {
        g_autofree char *option = g_strdup_printf("%ss",
                                                  vtopo_level_name(l));

        if (!strcmp(name, option)) {
            return true;
        }
    }
    return !strcmp(name, "maxcpus");
}

/* The option that sets the fact @key (the part before the space). */
static char *vtopo_facts_option(const char *key)
{
    g_auto(GStrv) part = g_strsplit(key, ".", 3);
    guint n = g_strv_length(part);

    if (n == 2 && !strcmp(part[0], "smp") &&
        vtopo_facts_smp_option(part[1])) {
        return g_strdup_printf("-smp %s=", part[1]);
    }
    if (!strcmp(key, "cpus.arch-ids")) {
        return g_strdup("-cpu");
    }
    if (!strcmp(key, "caches")) {
        return g_strdup("-cpu, -machine smp-cache");
    }
    if (n == 3 && !strcmp(part[0], "cache")) {
        if (!strcmp(part[2], "per-node")) {
            return g_strdup("-numa, -machine smp-cache.N.topology=");
        }
        if (!strcmp(part[2], "topology")) {
            return g_strdup("-machine smp-cache.N.topology=");
        }
        if (g_strv_contains((const char *const[]) { "size", "ways",
                                                    "line-size", "partitions",
                                                    "inclusive", NULL },
                            part[2])) {
            return g_strdup_printf("-cpu, -machine smp-cache.N.%s=",
                                   part[2]);
        }
    }
    if (!strcmp(key, "numa.nodes")) {
        return g_strdup("-numa node");
    }
    if (n == 3 && !strcmp(part[0], "node")) {
        if (!strcmp(part[2], "cpus")) {
            return g_strdup_printf("-numa node,nodeid=%s,cpus=, -numa cpu",
                                   part[1]);
        }
        if (!strcmp(part[2], "memory")) {
            return g_strdup_printf("-numa node,nodeid=%s,memdev=", part[1]);
        }
        if (!strcmp(part[2], "distances")) {
            return g_strdup_printf("-numa dist,src=%s", part[1]);
        }
    }
    /* A fact of another QEMU that this one does not know. */
    return g_strdup("the machine's options");
}

/* @value as a message quotes it: at most VTOPO_FACTS_QUOTE characters. */
static char *vtopo_facts_quote(const char *value)
{
    if (strlen(value) <= VTOPO_FACTS_QUOTE) {
        return g_strdup(value);
    }
    return g_strdup_printf("%.*s...", VTOPO_FACTS_QUOTE, value);
}

/*
 * Split @line, "key value", into its key and value (pointers into
 * @line, which it changes); false if it has no space.
 */
static bool vtopo_facts_split(char *line, char **key, char **value)
{
    char *space = strchr(line, ' ');

    if (!space || space == line) {
        return false;
    }
    *space = '\0';
    *key = line;
    *value = space + 1;
    return true;
}

/*
 * The lines of @theirs if they are facts (printable ASCII lines of
 * "key value", the first "vtopo-facts N"), the trailing empty string
 * removed; NULL with @error otherwise.
 */
static GStrv vtopo_facts_lines(const uint8_t *theirs, size_t len,
                               char **error)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    guint n;

    if (len > VTOPO_FACTS_MAX_SIZE) {
        *error = g_strdup_printf("the source's topology is %zu bytes, more "
                                 "than the %d a topology takes", len,
                                 VTOPO_FACTS_MAX_SIZE);
        return NULL;
    }
    for (size_t i = 0; i < len; i++) {
        if (theirs[i] != '\n' && (theirs[i] < 0x20 || theirs[i] > 0x7e)) {
            *error = g_strdup_printf("the source's topology is malformed: "
                                     "byte 0x%02x at offset %zu", theirs[i],
                                     i);
            return NULL;
        }
    }
    if (!len || theirs[len - 1] != '\n') {
        *error = g_strdup("the source's topology is malformed: it does not "
                          "end with a whole line");
        return NULL;
    }
    text = g_strndup((const char *)theirs, len - 1);
    lines = g_strsplit(text, "\n", -1);
    /* The version first: another one may have another grammar. */
    if (!lines[0] || !g_str_has_prefix(lines[0], "vtopo-facts ")) {
        *error = g_strdup("the source's topology is malformed: it does not "
                          "start with its version");
        return NULL;
    }
    if (strcmp(lines[0] + strlen("vtopo-facts "),
               G_STRINGIFY(VTOPO_FACTS_VERSION))) {
        g_autofree char *version = vtopo_facts_quote(lines[0] +
                                                     strlen("vtopo-facts "));

        *error = g_strdup_printf("the source's topology is version %s, "
                                 "this QEMU reads version %d", version,
                                 VTOPO_FACTS_VERSION);
        return NULL;
    }
    n = g_strv_length(lines);
    for (guint i = 1; i < n; i++) {
        char *space = strchr(lines[i], ' ');

        if (!space || space == lines[i]) {
            *error = g_strdup_printf("the source's topology is malformed: "
                                     "line %u is not a key and a value",
                                     i + 1);
            return NULL;
        }
    }
    return g_steal_pointer(&lines);
}

/* Whether @lines hold a fact with key @key. */
static bool vtopo_facts_has(GStrv lines, const char *key)
{
    size_t len = strlen(key);

    for (guint i = 0; lines[i]; i++) {
        if (!strncmp(lines[i], key, len) && lines[i][len] == ' ') {
            return true;
        }
    }
    return false;
}

/*
 * The message for fact @key, whose value is @theirs at the source and
 * @ours here (NULL where a side lacks it).
 */
static char *vtopo_facts_differ(const char *key, const char *theirs,
                                const char *ours)
{
    g_autofree char *quoted_key = vtopo_facts_quote(key);
    g_autofree char *quoted_theirs = theirs ? vtopo_facts_quote(theirs)
                                            : NULL;
    g_autofree char *quoted_ours = ours ? vtopo_facts_quote(ours) : NULL;
    g_autofree char *option = vtopo_facts_option(quoted_key);

    return g_strdup_printf("the topology differs from the migration "
                           "source's: %s: the source has %s, this QEMU %s "
                           "(%s)", quoted_key,
                           theirs ? quoted_theirs : "none",
                           ours ? quoted_ours : "none", option);
}

bool vtopo_facts_compare(const char *ours, const uint8_t *theirs,
                         size_t len, char **difference)
{
    g_auto(GStrv) their_lines = vtopo_facts_lines(theirs, len, difference);
    g_auto(GStrv) our_lines = NULL;
    guint i;

    if (!their_lines) {
        return false;
    }
    our_lines = g_strsplit(ours, "\n", -1);
    for (i = 0; our_lines[i] && *our_lines[i]; i++) {
        g_autofree char *ours_copy = g_strdup(our_lines[i]);
        g_autofree char *theirs_copy = NULL;
        char *our_key, *our_value, *their_key, *their_value;

        if (!vtopo_facts_split(ours_copy, &our_key, &our_value)) {
            g_assert_not_reached();     /* vtopo_facts() wrote it */
        }
        if (!their_lines[i]) {
            *difference = vtopo_facts_differ(our_key, NULL, our_value);
            return false;
        }
        theirs_copy = g_strdup(their_lines[i]);
        if (!vtopo_facts_split(theirs_copy, &their_key, &their_value)) {
            g_assert_not_reached();     /* vtopo_facts_lines() read it */
        }
        if (!strcmp(our_key, their_key)) {
            if (strcmp(our_value, their_value)) {
                *difference = vtopo_facts_differ(our_key, their_value,
                                                 our_value);
                return false;
            }
        } else if (!vtopo_facts_has(our_lines, their_key)) {
            *difference = vtopo_facts_differ(their_key, their_value, NULL);
            return false;
        } else {
            *difference = vtopo_facts_differ(our_key, NULL, our_value);
            return false;
        }
    }
    if (their_lines[i]) {
        g_autofree char *theirs_copy = g_strdup(their_lines[i]);
        char *their_key, *their_value;

        if (!vtopo_facts_split(theirs_copy, &their_key, &their_value)) {
            g_assert_not_reached();     /* vtopo_facts_lines() read it */
        }
        *difference = vtopo_facts_differ(their_key, their_value, NULL);
        return false;
    }
    return true;
}
