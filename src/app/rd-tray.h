/* rd-tray.h — a StatusNotifierItem with a com.canonical.dbusmenu menu, over GDBus.
 *
 * Registers /StatusNotifierItem with org.kde.StatusNotifierWatcher whenever a watcher
 * appears (and again after a watcher restart). "available" is TRUE while a watcher with a
 * registered host exists: only then may the app hide its window to the tray.
 * Signals: "activate" () — the user clicked the icon.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RD_TRAY_ITEM_PATH "/StatusNotifierItem"
#define RD_TRAY_MENU_PATH "/StatusNotifierItem/Menu"

#define RD_TYPE_TRAY (rd_tray_get_type ())
G_DECLARE_FINAL_TYPE (RdTray, rd_tray, RD, TRAY, GObject)

RdTray     *rd_tray_new                 (GDBusConnection *connection,
                                         GMenuModel      *menu,
                                         GActionGroup    *actions);
gboolean    rd_tray_start               (RdTray          *self,
                                         GError         **error);
gboolean    rd_tray_get_available       (RdTray          *self);
/* Tooltip / title text (e.g. the connection status). */
void        rd_tray_set_tooltip         (RdTray          *self,
                                         const char      *title,
                                         const char      *description);
/* Missed calls waiting: NeedsAttention with the attention icon. */
void        rd_tray_set_attention       (RdTray          *self,
                                         gboolean         attention);
/* Pop-ups paused: the paused icon (a pause sign instead of the waves). */
void        rd_tray_set_paused          (RdTray          *self,
                                         gboolean         paused);
/* FALSE hides the icon (Status=Passive) without leaving the bus. */
void        rd_tray_set_visible         (RdTray          *self,
                                         gboolean         visible);
/* The XDG activation token the host gave with the last activation (Plasma 6), or NULL. */
char       *rd_tray_take_activation_token (RdTray        *self);

G_END_DECLS
