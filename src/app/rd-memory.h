/* rd-memory.h — giving memory the app no longer uses back to the system (bench B4).
 *
 * The app mostly waits in the background; what building a window, a call's pop-up or the
 * start-up needed only for a moment should not stay resident. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* At the start of main(), before any thread: one malloc arena for the whole process. The app's
 * few threads (GDBus, GLib's pool) would otherwise each keep an arena of their own, with freed
 * memory no trim returns (about 0.6 MB in the demo). */
void   rd_memory_init            (void);
/* malloc_trim() and, on the main thread, rd_memory_release_stack(). */
void   rd_memory_release         (void);
/* The main thread's stack pages below the caller (less a margin) hold nothing live: give them
 * back. Parsing libadwaita's style sheet recurses about 700 KB deep once, and those pages would
 * stay resident for the life of the process. Does nothing off the main thread or off Linux.
 * Returns how many bytes of address range were released (0 if none). */
gsize  rd_memory_release_stack   (void);

G_END_DECLS
