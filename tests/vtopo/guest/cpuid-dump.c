/*
 * cpuid-dump: in the test guest, run CPUID on every online CPU (pinned
 * there with sched_setaffinity) and print every leaf and subleaf, one
 * record per line:
 *
 *   cpuid cpu=N leaf=0x... sub=0x... eax=0x... ebx=0x... ecx=0x... edx=0x...
 *
 * Subleaves: enumerated until the leaf says there are no more (leaf 4 and
 * 0x8000001D: cache type 0; 0xB and 0x1F: level type 0), 0..63 for leaf
 * 0xD, the count in EAX of subleaf 0 for leaves 7, 0x14, 0x17, 0x18, 0x1D,
 * 0x20, 0x24, and 0 for the others.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define _GNU_SOURCE
#include <cpuid.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void dump(int cpu, unsigned int leaf, unsigned int sub)
{
    unsigned int eax, ebx, ecx, edx;

    __cpuid_count(leaf, sub, eax, ebx, ecx, edx);
    printf("cpuid cpu=%d leaf=0x%x sub=0x%x eax=0x%08x ebx=0x%08x "
           "ecx=0x%08x edx=0x%08x\n", cpu, leaf, sub, eax, ebx, ecx, edx);
}

static unsigned int subleaves(unsigned int leaf, unsigned int sub)
{
    unsigned int eax, ebx, ecx, edx;

    __cpuid_count(leaf, sub, eax, ebx, ecx, edx);
    switch (leaf) {
    case 0x4:
    case 0x8000001d:
        return (eax & 0x1f) != 0;           /* EAX[4:0] cache type */
    case 0xb:
    case 0x1f:
        return ((ecx >> 8) & 0xff) != 0;    /* ECX[15:8] level type */
    default:
        return 0;
    }
}

static void dump_leaf(int cpu, unsigned int leaf)
{
    unsigned int eax, ebx, ecx, edx, last = 0;

    switch (leaf) {
    case 0x4:
    case 0xb:
    case 0x1f:
    case 0x8000001d:
        for (unsigned int sub = 0; sub < 64; sub++) {
            dump(cpu, leaf, sub);
            if (!subleaves(leaf, sub)) {
                break;
            }
        }
        return;
    case 0xd:
        last = 63;
        break;
    case 0x7:
    case 0x14:
    case 0x17:
    case 0x18:
    case 0x1d:
    case 0x20:
    case 0x24:
        __cpuid_count(leaf, 0, eax, ebx, ecx, edx);
        last = eax < 64 ? eax : 63;
        break;
    }
    for (unsigned int sub = 0; sub <= last; sub++) {
        dump(cpu, leaf, sub);
    }
}

int main(void)
{
    long ncpus = sysconf(_SC_NPROCESSORS_CONF);

    for (int cpu = 0; cpu < ncpus; cpu++) {
        unsigned int max, eax, ebx, ecx, edx;
        cpu_set_t set;

        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set)) {
            continue;                       /* offline */
        }
        __cpuid(0, max, ebx, ecx, edx);
        for (unsigned int leaf = 0; leaf <= max && leaf < 0x100; leaf++) {
            dump_leaf(cpu, leaf);
        }
        __cpuid(0x80000000, max, ebx, ecx, edx);
        for (unsigned int leaf = 0x80000000; leaf <= max &&
             leaf < 0x80000100; leaf++) {
            dump_leaf(cpu, leaf);
        }
        (void)eax;
    }
    return 0;
}
