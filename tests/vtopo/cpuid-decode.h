/*
 * cpuid-decode: decode a CPUID dump into topology and caches
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TESTS_VTOPO_CPUID_DECODE_H
#define TESTS_VTOPO_CPUID_DECODE_H

#include "target/i386/vtopo/cpuid.h"

#define VTOPO_CPUID_MAX_CPUS 65536

typedef struct VTopoCpuidRecord {
    unsigned int cpu;
    uint32_t leaf, sub;
    VTopoCpuidRegs regs;
} VTopoCpuidRecord;

typedef struct VTopoCpuidDump {
    GHashTable *regs;       /* (cpu, leaf, sub) -> VTopoCpuidRegs */
    unsigned int nr_cpus;
} VTopoCpuidDump;

/* One "cpuid ..." line; false if it is malformed. */
bool vtopo_cpuid_parse_line(const char *line, VTopoCpuidRecord *rec);

VTopoCpuidDump *vtopo_cpuid_dump_new(void);
void vtopo_cpuid_dump_free(VTopoCpuidDump *d);
void vtopo_cpuid_dump_add(VTopoCpuidDump *d, const VTopoCpuidRecord *rec);
const VTopoCpuidRegs *vtopo_cpuid_dump_get(const VTopoCpuidDump *d,
                                           unsigned int cpu, uint32_t leaf,
                                           uint32_t sub);

/* Append the "topo" / "cache" records of @cpu to @out. */
void vtopo_cpuid_decode_topology(const VTopoCpuidDump *d, unsigned int cpu,
                                 GString *out);
/*
 * Append the "amd" record of @cpu (leaf 01H EBX, Fn8000_0008 ECX and
 * Fn8000_001E EBX) to @out; nothing for other vendors.
 */
void vtopo_cpuid_decode_amd(const VTopoCpuidDump *d, unsigned int cpu,
                            GString *out);
void vtopo_cpuid_decode_caches(const VTopoCpuidDump *d, unsigned int cpu,
                               GString *out);

#endif
