/*
 * acpi-decode: MADT, SRAT, SLIT, PPTT and HMAT bytes to text records,
 * through QEMU's decoder (hw/acpi/vtopo/acpi-decode.c).
 *
 * Usage of the tool: acpi-decode TABLE-FILE...
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/acpi/vtopo/acpi-decode.h"
#include "acpi-decode.h"

static void print_madt(GString *out, const VTopoAcpiTables *t)
{
    for (guint i = 0; i < t->processors->len; i++) {
        const VTopoAcpiProcessor *p =
            &g_array_index(t->processors, VTopoAcpiProcessor, i);

        g_string_append_printf(out, p->type == VTOPO_ACPI_GICC ?
                               "madt-cpu uid=%u id=0x%" PRIx64 " enabled=%d\n" :
                               "madt-cpu uid=%u id=%" PRIu64 " enabled=%d\n",
                               p->uid, p->arch_id, p->enabled);
    }
}

static void print_srat(GString *out, const VTopoAcpiTables *t)
{
    for (guint i = 0; i < t->cpu_affinity->len; i++) {
        const VTopoAcpiCpuAffinity *a =
            &g_array_index(t->cpu_affinity, VTopoAcpiCpuAffinity, i);

        g_string_append_printf(out, a->by_uid ?
                               "srat-gicc uid=%" PRIu64 " node=%u enabled=%d\n" :
                               "srat-cpu id=%" PRIu64 " node=%u enabled=%d\n",
                               a->id, a->domain, a->enabled);
    }
    for (guint i = 0; i < t->mem_affinity->len; i++) {
        const VTopoAcpiMemAffinity *m =
            &g_array_index(t->mem_affinity, VTopoAcpiMemAffinity, i);

        g_string_append_printf(out, "srat-mem node=%u base=0x%" PRIx64
                               " length=0x%" PRIx64 " flags=0x%x\n",
                               m->domain, m->base, m->length, m->flags);
    }
    for (guint i = 0; i < t->initiator_domains->len; i++) {
        g_string_append_printf(out, "srat-initiator node=%u\n",
                               g_array_index(t->initiator_domains, uint32_t,
                                             i));
    }
}

static void print_slit(GString *out, const VTopoAcpiTables *t)
{
    uint32_t n = t->slit_localities;

    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < n; j++) {
            g_string_append_printf(out, "slit from=%u to=%u distance=%u\n",
                                   i, j, t->slit[i * n + j]);
        }
    }
}

static void print_pptt(GString *out, const VTopoAcpiTables *t)
{
    guint c = 0;

    /* Nodes and caches in table order */
    for (guint i = 0; i < t->pptt_nodes->len || c < t->pptt_caches->len;) {
        const VTopoAcpiPpttNode *n = i < t->pptt_nodes->len ?
            &g_array_index(t->pptt_nodes, VTopoAcpiPpttNode, i) : NULL;
        const VTopoAcpiPpttCache *k = c < t->pptt_caches->len ?
            &g_array_index(t->pptt_caches, VTopoAcpiPpttCache, c) : NULL;

        if (n && (!k || n->offset < k->offset)) {
            g_string_append_printf(out, "pptt-node offset=0x%x flags=0x%x "
                                   "parent=0x%x id=%u resources=", n->offset,
                                   n->flags, n->parent, n->id);
            for (uint32_t r = 0; r < n->nr_resources; r++) {
                g_string_append_printf(out, "%s0x%x", r ? "," : "",
                                       g_array_index(t->pptt_resources,
                                                     uint32_t,
                                                     n->first_resource + r));
            }
            g_string_append_c(out, '\n');
            i++;
        } else {
            g_string_append_printf(out, "pptt-cache offset=0x%x flags=0x%x "
                                   "next=0x%x size=%u sets=%u ways=%u "
                                   "attributes=0x%x line=%u id=", k->offset,
                                   k->flags, k->next_level, k->size, k->sets,
                                   k->ways, k->attributes, k->line_size);
            if (k->cache_id >= 0) {
                g_string_append_printf(out, "%" PRId64 "\n", k->cache_id);
            } else {
                g_string_append(out, "-\n");
            }
            c++;
        }
    }
}

static void print_hmat(GString *out, const VTopoAcpiTables *t)
{
    for (guint i = 0; i < t->hmat_domains->len; i++) {
        const VTopoAcpiHmatDomain *d =
            &g_array_index(t->hmat_domains, VTopoAcpiHmatDomain, i);

        if (d->initiator >= 0) {
            g_string_append_printf(out, "hmat-domain initiator=%" PRId64
                                   " memory=%u\n", d->initiator, d->memory);
        } else {
            g_string_append_printf(out, "hmat-domain initiator=- memory=%u\n",
                                   d->memory);
        }
    }
    for (guint i = 0; i < t->hmat_initiators->len; i++) {
        g_string_append_printf(out, "hmat-initiator node=%u\n",
                               g_array_index(t->hmat_initiators, uint32_t, i));
    }
    for (guint i = 0; i < t->hmat_targets->len; i++) {
        g_string_append_printf(out, "hmat-target node=%u\n",
                               g_array_index(t->hmat_targets, uint32_t, i));
    }
}

bool acpi_decode_records(const uint8_t *buf, size_t len, GString *out,
                         char **err)
{
    g_autoptr(VTopoAcpiTables) t = vtopo_acpi_tables_new();

    if (!vtopo_acpi_decode_table(t, buf, len, err)) {
        return false;
    }
    print_madt(out, t);
    print_srat(out, t);
    print_slit(out, t);
    print_pptt(out, t);
    print_hmat(out, t);
    return true;
}

#ifndef VTOPO_ACPI_DECODE_NO_MAIN
int main(int argc, char **argv)
{
    g_autoptr(GString) out = g_string_new("");

    for (int i = 1; i < argc; i++) {
        g_autofree char *data = NULL;
        g_autofree char *err = NULL;
        gsize len;

        if (!g_file_get_contents(argv[i], &data, &len, NULL)) {
            fprintf(stderr, "acpi-decode: %s: cannot read\n", argv[i]);
            return 1;
        }
        if (!acpi_decode_records((const uint8_t *)data, len, out, &err)) {
            fprintf(stderr, "acpi-decode: %s: %s\n", argv[i], err);
            return 1;
        }
    }
    fputs(out->str, stdout);
    return 0;
}
#endif
