/* rd-dbusmenu.h — a com.canonical.dbusmenu server driven by a GMenuModel and a GActionGroup.
 *
 * The tray host (Plasma, XFCE, the GNOME AppIndicator extension, Cinnamon, Waybar) draws the
 * menu from this object; the same GMenuModel drives the main window's menu, so there is
 * exactly one menu. Menu items refer to actions as "app.NAME" (other namespaces are shown
 * disabled). Sections are flattened with separators, submenus become children-display=submenu.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What a dbusmenu item id stands for in one revision of the layout. */
typedef struct {
  gint      id;
  char     *action;   /* action name without "app.", or NULL (label, separator, submenu) */
  GVariant *target;   /* action target, may be NULL */
  GVariant *props;    /* a{sv}: the item's dbusmenu properties */
} RdDbusmenuItem;

void      rd_dbusmenu_item_free            (RdDbusmenuItem *item);

/* Pure conversion: the full layout (ia{sv}av) of @model rooted at id 0. @items (element type
 * RdDbusmenuItem, index == id) receives one entry per id, the root included. */
GVariant *rd_dbusmenu_layout_from_model    (GMenuModel   *model,
                                            GActionGroup *actions,
                                            GPtrArray    *items);

/* The part of a full layout under @parent_id, cut at @depth (-1 = all) with only @props
 * (NULL or empty = all). Returns NULL when @parent_id is not in the layout. */
GVariant *rd_dbusmenu_layout_subtree       (GVariant            *layout,
                                            gint                 parent_id,
                                            gint                 depth,
                                            const char * const  *props);

#define RD_TYPE_DBUSMENU (rd_dbusmenu_get_type ())
G_DECLARE_FINAL_TYPE (RdDbusmenu, rd_dbusmenu, RD, DBUSMENU, GObject)

RdDbusmenu *rd_dbusmenu_new          (GMenuModel      *model,
                                      GActionGroup    *actions);
gboolean    rd_dbusmenu_export       (RdDbusmenu      *self,
                                      GDBusConnection *connection,
                                      const char      *object_path,
                                      GError         **error);
void        rd_dbusmenu_unexport     (RdDbusmenu      *self);

G_END_DECLS
