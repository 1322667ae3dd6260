/*
 * cpuid-walk: run in the test guest as an unprivileged process, execute
 * CPUID for every subleaf 0..64 of the leaves that enumerate subleaves
 * (4, 0xB, 0x1F, 0x8000001D), and a leaf above the basic maximum with a
 * large ECX, as any guest user can.  QEMU must answer each (invalid
 * subleaves with the invalid encoding), never abort.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
    static const unsigned int leaves[] = { 0x4, 0xb, 0x1f, 0x8000001d };
    unsigned int eax, ebx, ecx, edx;

    if (setgid(65534) || setuid(65534)) {
        perror("cpuid-walk: cannot drop privileges");
        return 1;
    }
    for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
        for (unsigned int sub = 0; sub <= 64; sub++) {
            __cpuid_count(leaves[i], sub, eax, ebx, ecx, edx);
        }
        printf("cpuid-walk leaf=0x%x subleaves=0-64 uid=%d\n", leaves[i],
               (int)getuid());
    }
    /* Above the basic maximum: mapped to the last basic leaf, ECX kept. */
    __cpuid_count(0x40000100, 7, eax, ebx, ecx, edx);
    __cpuid_count(0x0fffffff, 0xffffffff, eax, ebx, ecx, edx);
    printf("cpuid-walk leaf=above-max uid=%d\n", (int)getuid());
    (void)eax; (void)ebx; (void)ecx; (void)edx;
    return 0;
}
