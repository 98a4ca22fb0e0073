/*
 * GDT layout, fixed by what sysret and sysexit load:
 *   sysret  (STAR[63:48] = GDT_UCODE32): SS = +8 (GDT_UDATA), CS = +16 (GDT_UCODE)
 *   sysexit (SYSENTER_CS = GDT_KCODE):   CS = +32 (GDT_UCODE), SS = +40 (GDT_UDATA_SYSEXIT)
 *   syscall/sysenter load CS = GDT_KCODE, SS = GDT_KDATA.
 * sysret to 64-bit mode never reads the descriptors (it loads fixed
 * attributes), so GDT_UCODE32 is a null slot: a far jump or far return to it
 * #GPs and 32-bit compatibility mode is out of reach for user code.
 */
#ifndef ARCH_SEGMENTS_H
#define ARCH_SEGMENTS_H

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UCODE32 0x18
#define GDT_UDATA 0x20
#define GDT_UCODE 0x28
#define GDT_UDATA_SYSEXIT 0x30
#define GDT_TSS 0x38
#define USER_CS (GDT_UCODE | 3)
#define USER_SS (GDT_UDATA | 3)

#endif
