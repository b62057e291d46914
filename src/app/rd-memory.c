/* rd-memory.c — see rd-memory.h. */
#include "config.h"

#include "rd-memory.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* Left alone below the caller: the functions it still calls (madvise itself, a signal handler)
 * run there. */
#define STACK_MARGIN (64 * 1024)

void
rd_memory_init (void)
{
#ifdef M_ARENA_MAX
  mallopt (M_ARENA_MAX, 1);
#endif
}

#ifdef __linux__
/* The lowest address of the main thread's stack mapping, from /proc/self/maps (read with
 * stdio into a fixed buffer: no allocation while looking). */
static uintptr_t
stack_mapping_start (void)
{
  FILE *maps = fopen ("/proc/self/maps", "re");
  char line[512];
  uintptr_t start = 0;

  if (maps == NULL)
    return 0;
  while (fgets (line, sizeof line, maps))
    {
      unsigned long lo, hi;

      if (strstr (line, "[stack]") && sscanf (line, "%lx-%lx", &lo, &hi) == 2)
        {
          start = lo;
          break;
        }
    }
  fclose (maps);
  return start;
}
#endif

gsize
rd_memory_release_stack (void)
{
#ifdef __linux__
  volatile char here = 0;
  uintptr_t page = (uintptr_t) sysconf (_SC_PAGESIZE);
  uintptr_t start, end;

  if ((pid_t) syscall (SYS_gettid) != getpid ())
    return 0;
  start = stack_mapping_start ();
  if (start == 0 || (uintptr_t) &here < start + STACK_MARGIN)
    return 0;
  end = ((uintptr_t) &here - STACK_MARGIN) & ~(page - 1);
  if (end <= start)
    return 0;
  if (madvise ((void *) start, end - start, MADV_DONTNEED) != 0)
    return 0;
  return end - start;
#else
  return 0;
#endif
}

void
rd_memory_release (void)
{
  malloc_trim (0);
  rd_memory_release_stack ();
}
