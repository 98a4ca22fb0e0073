/*
 * Host tests only: gives userlib's C library names of its own, so that it
 * links beside the host's libc. Included first in every userlib file built
 * for the host tests, and in host_test.c after the host's headers.
 */
#define memcpy ul_memcpy
#define memmove ul_memmove
#define memset ul_memset
#define memcmp ul_memcmp
#define strlen ul_strlen
#define strcmp ul_strcmp
#define strncmp ul_strncmp
#define strcpy ul_strcpy
#define strncpy ul_strncpy
#define strlcpy ul_strlcpy
#define strchr ul_strchr
#define strtok_r ul_strtok_r
#define strtol ul_strtol
#define strtoul ul_strtoul
#define atoi ul_atoi
#define strerror ul_strerror
#define vsnprintf ul_vsnprintf
#define snprintf ul_snprintf
#define vprintf ul_vprintf
#define printf ul_printf
#define report_printf ul_report_printf
#define vdprintf ul_vdprintf
#define dprintf ul_dprintf
#define puts ul_puts
#define putchar ul_putchar
#define printf_flush ul_printf_flush
#define exit ul_exit
/* sys.h pastes the expanded name into its stub: keep that one sys_exit. */
#define sys_ul_exit sys_exit
#define malloc ul_malloc
#define free ul_free
#define calloc ul_calloc
#define realloc ul_realloc
#define malloc_check ul_malloc_check
#define readline ul_readline
