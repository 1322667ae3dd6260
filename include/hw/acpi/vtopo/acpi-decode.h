/*
 * vtopo: decode the ACPI tables that describe the topology
 *
 * MADT, SRAT, SLIT, PPTT and HMAT bytes back to what they say about
 * processors, proximity domains, distances, the processor hierarchy and
 * caches.  The bytes are untrusted (QEMU's own tables, or a guest's):
 * every length, count and reference is checked, and a malformed table is
 * an error with the reason, never an out-of-bounds read.  Depends on
 * glib and libc only.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_ACPI_VTOPO_ACPI_DECODE_H
#define HW_ACPI_VTOPO_ACPI_DECODE_H

/* The MADT structure a processor came from (ACPI 6.5, 5.2.12) */
typedef enum VTopoAcpiProcessorType {
    VTOPO_ACPI_LOCAL_APIC,
    VTOPO_ACPI_LOCAL_X2APIC,
    VTOPO_ACPI_GICC,
} VTopoAcpiProcessorType;

/* A MADT processor: @arch_id is the (x2)APIC ID or the GICC MPIDR. */
typedef struct VTopoAcpiProcessor {
    VTopoAcpiProcessorType type;
    uint32_t uid;
    uint64_t arch_id;
    bool enabled;
} VTopoAcpiProcessor;

/*
 * A SRAT processor affinity: by (x2)APIC ID, or by ACPI Processor UID
 * for a GICC affinity structure (@by_uid).
 */
typedef struct VTopoAcpiCpuAffinity {
    bool by_uid;
    uint64_t id;
    uint32_t domain;
    bool enabled;
} VTopoAcpiCpuAffinity;

/* A SRAT memory affinity structure */
typedef struct VTopoAcpiMemAffinity {
    uint32_t domain;
    uint64_t base;
    uint64_t length;
    uint32_t flags;
} VTopoAcpiMemAffinity;

#define VTOPO_ACPI_MEM_ENABLED          (1u << 0)

/*
 * A PPTT processor hierarchy node; @offset is its offset in the table
 * (what Parent and Next Level of Cache refer to).  Its private
 * resources are resources[first_resource .. + nr_resources).
 */
typedef struct VTopoAcpiPpttNode {
    uint32_t offset;
    uint32_t flags;
    uint32_t parent;
    uint32_t id;
    uint32_t first_resource;
    uint32_t nr_resources;
} VTopoAcpiPpttNode;

/* PPTT Processor Structure Flags (ACPI 6.5, Table 5.160) */
#define VTOPO_ACPI_PPTT_PHYSICAL_PACKAGE    (1u << 0)
#define VTOPO_ACPI_PPTT_ID_VALID            (1u << 1)
#define VTOPO_ACPI_PPTT_THREAD              (1u << 2)
#define VTOPO_ACPI_PPTT_LEAF                (1u << 3)

/*
 * A PPTT cache type structure; @cache_type is the Cache Type of its
 * Attributes, @cache_id is -1 before revision 3.
 */
typedef struct VTopoAcpiPpttCache {
    uint32_t offset;
    uint32_t flags;
    uint32_t next_level;
    uint32_t size;
    uint32_t sets;
    uint8_t ways;
    uint8_t attributes;
    uint8_t cache_type;
    uint16_t line_size;
    int64_t cache_id;
} VTopoAcpiPpttCache;

/* Cache Type of the PPTT Cache Type Structure Attributes (Table 5.161) */
#define VTOPO_ACPI_PPTT_CACHE_DATA          0
#define VTOPO_ACPI_PPTT_CACHE_INSTRUCTION   1
#define VTOPO_ACPI_PPTT_CACHE_UNIFIED       2
#define VTOPO_ACPI_PPTT_CACHE_UNIFIED_ALT   3

/*
 * HMAT (ACPI 6.5, 5.2.28): a Memory Proximity Domain Attributes
 * structure, with @initiator (-1 when its Initiator Valid flag is clear)
 * and @memory proximity domains; a System Locality Latency and Bandwidth
 * Information structure's initiator and target domains go to
 * hmat_initiators and hmat_targets.
 */
typedef struct VTopoAcpiHmatDomain {
    int64_t initiator;
    uint32_t memory;
} VTopoAcpiHmatDomain;

/*
 * VTopoAcpiTables: what the decoded tables say.  has_* record the
 * tables seen; each array holds the structures of its type in table
 * order (so PPTT structures are sorted by offset).
 */
typedef struct VTopoAcpiTables {
    bool has_madt, has_srat, has_slit, has_pptt, has_hmat;
    GArray *processors;         /* VTopoAcpiProcessor */
    GArray *cpu_affinity;       /* VTopoAcpiCpuAffinity */
    GArray *mem_affinity;       /* VTopoAcpiMemAffinity */
    GArray *initiator_domains;  /* uint32_t, of Generic Initiators */
    uint32_t slit_localities;
    uint8_t *slit;              /* localities x localities */
    GArray *pptt_nodes;         /* VTopoAcpiPpttNode */
    GArray *pptt_caches;        /* VTopoAcpiPpttCache */
    GArray *pptt_resources;     /* uint32_t offsets */
    GArray *hmat_domains;       /* VTopoAcpiHmatDomain */
    GArray *hmat_initiators;    /* uint32_t proximity domains */
    GArray *hmat_targets;       /* uint32_t proximity domains */
} VTopoAcpiTables;

VTopoAcpiTables *vtopo_acpi_tables_new(void);
void vtopo_acpi_tables_free(VTopoAcpiTables *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VTopoAcpiTables, vtopo_acpi_tables_free)

/*
 * vtopo_acpi_decode_table: add what the table in @buf (@len bytes,
 * header included, checksum verified) says to @t.  A table with another
 * signature is an error, as is a second table of one signature.  On
 * failure returns false, sets *@err to the reason and leaves @t as it
 * was.
 */
bool vtopo_acpi_decode_table(VTopoAcpiTables *t, const uint8_t *buf,
                             size_t len, char **err);

/* The PPTT structure at @offset, or NULL if there is none. */
const VTopoAcpiPpttNode *vtopo_acpi_pptt_node(const VTopoAcpiTables *t,
                                              uint32_t offset);
const VTopoAcpiPpttCache *vtopo_acpi_pptt_cache(const VTopoAcpiTables *t,
                                                uint32_t offset);

#endif
