/*
 * A multiboot kernel for scripts/bench: the boot vCPU executes CPUID
 * leaves 0BH (subleaves 0, 1), 1FH (0, 1) and 04H (3) in a loop, and
 * writes the TSC ticks the loop took to COM1 as 8 hex digits and a
 * newline, then leaves through isa-debug-exit.  Under TCG each CPUID is
 * one call of cpu_x86_cpuid(), and the TSC counts host time.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
        .text
        .align 4
        /* Multiboot header: magic, flags (none: an ELF image), checksum */
        .long 0x1BADB002
        .long 0
        .long -0x1BADB002

        .equ LOOPS, 200000
        .equ COM1, 0x3f8
        .equ DEBUG_EXIT, 0xf4

        .globl _start
_start:
        rdtsc
        mov %eax, %edi
        mov $LOOPS, %ebp
1:      mov $0xb, %eax
        xor %ecx, %ecx
        cpuid
        mov $0xb, %eax
        mov $1, %ecx
        cpuid
        mov $0x1f, %eax
        xor %ecx, %ecx
        cpuid
        mov $0x1f, %eax
        mov $1, %ecx
        cpuid
        mov $4, %eax
        mov $3, %ecx
        cpuid
        dec %ebp
        jnz 1b
        rdtsc
        sub %edi, %eax
        mov %eax, %ebx
        mov $8, %ecx
        mov $COM1, %dx
2:      rol $4, %ebx
        mov %ebx, %eax
        and $15, %eax
        movb hex(%eax), %al
        out %al, %dx
        loop 2b
        mov $'\n', %al
        out %al, %dx
        mov $0, %al
        out %al, $DEBUG_EXIT
3:      hlt
        jmp 3b

hex:    .ascii "0123456789abcdef"
