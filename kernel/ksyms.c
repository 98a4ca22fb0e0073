/* Look addresses up in the sorted table scripts/ksyms.sh generates. */
#include "ksyms.h"
#include "console.h"

extern const struct ksym __ksyms_start[], __ksyms_end[];

void ksym_describe(u64 addr, char *buf, size_t n)
{
	const struct ksym *lo = __ksyms_start, *hi = __ksyms_end, *best = 0;
	while (lo < hi) {
		const struct ksym *mid = lo + (hi - lo) / 2;
		if (mid->addr <= addr) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (best)
		snprintf(buf, n, "<%s+0x%lx>", best->name, addr - best->addr);
	else
		snprintf(buf, n, "<?>");
}
