/* Bringing up the other CPUs, and per-CPU setup. */
#ifndef SMP_H
#define SMP_H
void cpu_setup(int id);      /* GDT, TSS, IDT, LAPIC, syscall MSRs of this CPU */
void smp_boot_aps(void);     /* start every AP the MADT lists */
void sysentry_init_cpu(void); /* syscall/sysenter MSRs, TSC_AUX */
extern bool sysenter_ok;     /* sysenter/sysexit usable in long mode */
extern char cpu_vendor[13], cpu_model[49];
void cpu_identify(void);
#endif
