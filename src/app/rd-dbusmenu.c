/* rd-dbusmenu.c — com.canonical.dbusmenu over GDBus, from a GMenuModel + GActionGroup.
 *
 * Protocol notes (see the desktop spec §A): Version 3 with the *Group methods (libdbusmenu
 * clients read >= 3 as "EventGroup supported"), GetGroupProperties (Cinnamon draws an empty
 * menu without it), root item with children-display=submenu, act on "clicked" only.
 */
#include "config.h"

#include "rd-dbusmenu.h"

#define DBUSMENU_VERSION 3

struct _RdDbusmenu {
  GObject          parent_instance;

  GMenuModel      *model;
  GActionGroup    *actions;
  GDBusConnection *connection;
  char            *object_path;
  guint            registration_id;

  GVariant        *layout;      /* current full layout */
  GPtrArray       *items;       /* RdDbusmenuItem, index == id */
  guint            revision;
  guint            rebuild_id;
  GPtrArray       *watched;     /* GMenuModel we have "items-changed" handlers on */
};

G_DEFINE_FINAL_TYPE (RdDbusmenu, rd_dbusmenu, G_TYPE_OBJECT)

static const char introspection_xml[] =
  "<node>"
  " <interface name='com.canonical.dbusmenu'>"
  "  <property name='Version' type='u' access='read'/>"
  "  <property name='TextDirection' type='s' access='read'/>"
  "  <property name='Status' type='s' access='read'/>"
  "  <property name='IconThemePath' type='as' access='read'/>"
  "  <method name='GetLayout'>"
  "   <arg type='i' name='parentId' direction='in'/>"
  "   <arg type='i' name='recursionDepth' direction='in'/>"
  "   <arg type='as' name='propertyNames' direction='in'/>"
  "   <arg type='u' name='revision' direction='out'/>"
  "   <arg type='(ia{sv}av)' name='layout' direction='out'/>"
  "  </method>"
  "  <method name='GetGroupProperties'>"
  "   <arg type='ai' name='ids' direction='in'/>"
  "   <arg type='as' name='propertyNames' direction='in'/>"
  "   <arg type='a(ia{sv})' name='properties' direction='out'/>"
  "  </method>"
  "  <method name='GetProperty'>"
  "   <arg type='i' name='id' direction='in'/>"
  "   <arg type='s' name='name' direction='in'/>"
  "   <arg type='v' name='value' direction='out'/>"
  "  </method>"
  "  <method name='Event'>"
  "   <arg type='i' name='id' direction='in'/>"
  "   <arg type='s' name='eventId' direction='in'/>"
  "   <arg type='v' name='data' direction='in'/>"
  "   <arg type='u' name='timestamp' direction='in'/>"
  "  </method>"
  "  <method name='EventGroup'>"
  "   <arg type='a(isvu)' name='events' direction='in'/>"
  "   <arg type='ai' name='idErrors' direction='out'/>"
  "  </method>"
  "  <method name='AboutToShow'>"
  "   <arg type='i' name='id' direction='in'/>"
  "   <arg type='b' name='needUpdate' direction='out'/>"
  "  </method>"
  "  <method name='AboutToShowGroup'>"
  "   <arg type='ai' name='ids' direction='in'/>"
  "   <arg type='ai' name='updatesNeeded' direction='out'/>"
  "   <arg type='ai' name='idErrors' direction='out'/>"
  "  </method>"
  "  <signal name='ItemsPropertiesUpdated'>"
  "   <arg type='a(ia{sv})' name='updatedProps'/>"
  "   <arg type='a(ias)' name='removedProps'/>"
  "  </signal>"
  "  <signal name='LayoutUpdated'>"
  "   <arg type='u' name='revision'/>"
  "   <arg type='i' name='parent'/>"
  "  </signal>"
  "  <signal name='ItemActivationRequested'>"
  "   <arg type='i' name='id'/>"
  "   <arg type='u' name='timestamp'/>"
  "  </signal>"
  " </interface>"
  "</node>";

void
rd_dbusmenu_item_free (RdDbusmenuItem *item)
{
  if (item == NULL)
    return;
  g_free (item->action);
  g_clear_pointer (&item->target, g_variant_unref);
  g_clear_pointer (&item->props, g_variant_unref);
  g_free (item);
}

/* ---- pure conversion ------------------------------------------------------ */

typedef struct {
  GActionGroup *actions;
  GPtrArray    *items;
  GPtrArray    *models;   /* optional: every model visited (for change tracking) */
} Walk;

static gint
add_item (Walk *w, const char *action, GVariant *target, GVariant *props)
{
  RdDbusmenuItem *item = g_new0 (RdDbusmenuItem, 1);

  item->id = (gint) w->items->len;
  item->action = g_strdup (action);
  item->target = target ? g_variant_ref_sink (target) : NULL;
  item->props = g_variant_ref_sink (props);
  g_ptr_array_add (w->items, item);
  return item->id;
}

static GVariant *
make_node (gint id, GVariant *props, GPtrArray *children)
{
  GVariantBuilder kids;

  g_variant_builder_init (&kids, G_VARIANT_TYPE ("av"));
  for (guint i = 0; children && i < children->len; i++)
    g_variant_builder_add (&kids, "v", g_ptr_array_index (children, i));
  return g_variant_new ("(i@a{sv}av)", id, props, &kids);
}

static void walk_menu (Walk *w, GMenuModel *model, GPtrArray *out_nodes);

static GVariant *
separator_node (Walk *w)
{
  GVariantBuilder b;
  GVariant *props;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "type", g_variant_new_string ("separator"));
  props = g_variant_builder_end (&b);
  g_variant_ref_sink (props);
  gint id = add_item (w, NULL, NULL, props);
  GVariant *node = make_node (id, props, NULL);
  g_variant_unref (props);
  return node;
}

/* Properties for an item that activates "app.NAME"; FALSE when the item should be hidden. */
static gboolean
action_props (Walk *w, GVariantBuilder *b, const char *name, GVariant *target,
              const char *hidden_when)
{
  gboolean exists = FALSE, enabled = FALSE;
  const GVariantType *param_type = NULL;
  g_autoptr(GVariant) state = NULL;

  if (name && w->actions)
    exists = g_action_group_query_action (w->actions, name, &enabled, &param_type,
                                          NULL, NULL, &state);
  if (!exists)
    enabled = FALSE;

  if (g_strcmp0 (hidden_when, "action-missing") == 0 && !exists)
    return FALSE;
  if (g_strcmp0 (hidden_when, "action-disabled") == 0 && !enabled)
    return FALSE;

  if (!enabled)
    g_variant_builder_add (b, "{sv}", "enabled", g_variant_new_boolean (FALSE));

  if (state && target == NULL && g_variant_is_of_type (state, G_VARIANT_TYPE_BOOLEAN))
    {
      g_variant_builder_add (b, "{sv}", "toggle-type", g_variant_new_string ("checkmark"));
      g_variant_builder_add (b, "{sv}", "toggle-state",
                             g_variant_new_int32 (g_variant_get_boolean (state) ? 1 : 0));
    }
  else if (state && target && g_variant_type_equal (g_variant_get_type (state),
                                                    g_variant_get_type (target)))
    {
      g_variant_builder_add (b, "{sv}", "toggle-type", g_variant_new_string ("radio"));
      g_variant_builder_add (b, "{sv}", "toggle-state",
                             g_variant_new_int32 (g_variant_equal (state, target) ? 1 : 0));
    }
  return TRUE;
}

static GVariant *
item_node (Walk *w, GMenuModel *model, gint index)
{
  g_autofree char *label = NULL, *action = NULL, *hidden_when = NULL;
  g_autoptr(GVariant) target = NULL, icon_v = NULL;
  g_autoptr(GMenuModel) submenu = NULL;
  const char *name = NULL;
  GVariantBuilder b;

  g_menu_model_get_item_attribute (model, index, G_MENU_ATTRIBUTE_LABEL, "s", &label);
  g_menu_model_get_item_attribute (model, index, G_MENU_ATTRIBUTE_ACTION, "s", &action);
  g_menu_model_get_item_attribute (model, index, "hidden-when", "s", &hidden_when);
  target = g_menu_model_get_item_attribute_value (model, index, G_MENU_ATTRIBUTE_TARGET, NULL);
  icon_v = g_menu_model_get_item_attribute_value (model, index, G_MENU_ATTRIBUTE_ICON, NULL);
  submenu = g_menu_model_get_item_link (model, index, G_MENU_LINK_SUBMENU);

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "label", g_variant_new_string (label ? label : ""));

  if (icon_v)
    {
      g_autoptr(GIcon) icon = g_icon_deserialize (icon_v);
      if (icon && G_IS_THEMED_ICON (icon))
        {
          const char * const *names = g_themed_icon_get_names (G_THEMED_ICON (icon));
          if (names && names[0])
            g_variant_builder_add (&b, "{sv}", "icon-name", g_variant_new_string (names[0]));
        }
    }

  if (submenu)
    {
      g_autoptr(GPtrArray) kids = g_ptr_array_new ();
      GVariant *props;
      gint id;

      g_variant_builder_add (&b, "{sv}", "children-display", g_variant_new_string ("submenu"));
      props = g_variant_ref_sink (g_variant_builder_end (&b));
      id = add_item (w, NULL, NULL, props);
      walk_menu (w, submenu, kids);
      GVariant *node = make_node (id, props, kids);
      g_variant_unref (props);
      return node;
    }

  if (action && g_str_has_prefix (action, "app."))
    name = action + strlen ("app.");

  if (action == NULL)
    g_variant_builder_add (&b, "{sv}", "enabled", g_variant_new_boolean (FALSE));
  else if (!action_props (w, &b, name, target, hidden_when))
    {
      g_variant_builder_clear (&b);
      return NULL;
    }

  GVariant *props = g_variant_ref_sink (g_variant_builder_end (&b));
  gint id = add_item (w, name, target ? g_variant_ref (target) : NULL, props);
  GVariant *node = make_node (id, props, NULL);
  g_variant_unref (props);
  return node;
}

/* Moves @block to the end of @out, after a separator when @out already has items. */
static void
append_block (Walk *w, GPtrArray *out, GPtrArray *block)
{
  if (block->len == 0)
    return;
  if (out->len > 0)
    g_ptr_array_add (out, separator_node (w));
  for (guint k = 0; k < block->len; k++)
    g_ptr_array_add (out, g_ptr_array_index (block, k));
  g_ptr_array_set_size (block, 0);
}

/* Appends the nodes of @model to @out_nodes. Sections become blocks separated by
 * separators; empty sections leave no trace (no doubled or dangling separators). */
static void
walk_menu (Walk *w, GMenuModel *model, GPtrArray *out_nodes)
{
  g_autoptr(GPtrArray) plain = g_ptr_array_new ();
  gint n = g_menu_model_get_n_items (model);

  if (w->models)
    g_ptr_array_add (w->models, g_object_ref (model));

  for (gint i = 0; i < n; i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (model, i, G_MENU_LINK_SECTION);

      if (section)
        {
          g_autoptr(GPtrArray) nodes = g_ptr_array_new ();

          append_block (w, out_nodes, plain);
          walk_menu (w, section, nodes);
          append_block (w, out_nodes, nodes);
          continue;
        }

      GVariant *node = item_node (w, model, i);
      if (node)
        g_ptr_array_add (plain, node);
    }
  append_block (w, out_nodes, plain);
}

static GVariant *
layout_walk (GMenuModel *model, GActionGroup *actions, GPtrArray *items, GPtrArray *models)
{
  Walk w = { actions, items, models };
  g_autoptr(GPtrArray) kids = g_ptr_array_new ();
  GVariantBuilder b;
  GVariant *props;
  gint id;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "children-display", g_variant_new_string ("submenu"));
  props = g_variant_ref_sink (g_variant_builder_end (&b));
  id = add_item (&w, NULL, NULL, props);
  g_assert (id == 0);
  walk_menu (&w, model, kids);
  GVariant *root = g_variant_ref_sink (make_node (0, props, kids));
  g_variant_unref (props);
  return root;
}

GVariant *
rd_dbusmenu_layout_from_model (GMenuModel *model, GActionGroup *actions, GPtrArray *items)
{
  g_return_val_if_fail (G_IS_MENU_MODEL (model), NULL);
  g_return_val_if_fail (items != NULL, NULL);

  return layout_walk (model, actions, items, NULL);
}

static GVariant *
filter_props (GVariant *props, const char * const *names)
{
  GVariantBuilder b;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  if (names == NULL || names[0] == NULL)
    return g_variant_ref (props);

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_iter_init (&iter, props);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    if (g_strv_contains (names, key))
      g_variant_builder_add (&b, "{sv}", key, value);
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

static GVariant *
copy_cut (GVariant *node, gint depth, const char * const *names)
{
  gint id;
  g_autoptr(GVariant) props = NULL, kids = NULL, fprops = NULL;
  GVariantBuilder b;

  g_variant_get (node, "(i@a{sv}@av)", &id, &props, &kids);
  fprops = filter_props (props, names);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("av"));
  if (depth != 0)
    {
      for (gsize i = 0; i < g_variant_n_children (kids); i++)
        {
          g_autoptr(GVariant) boxed = g_variant_get_child_value (kids, i);
          g_autoptr(GVariant) child = g_variant_get_variant (boxed);
          g_variant_builder_add (&b, "v", copy_cut (child, depth < 0 ? -1 : depth - 1, names));
        }
    }
  return g_variant_new ("(i@a{sv}av)", id, fprops, &b);
}

static GVariant *
find_node (GVariant *node, gint wanted)
{
  gint id;
  g_autoptr(GVariant) kids = NULL;

  g_variant_get_child (node, 0, "i", &id);
  if (id == wanted)
    return g_variant_ref (node);
  kids = g_variant_get_child_value (node, 2);
  for (gsize i = 0; i < g_variant_n_children (kids); i++)
    {
      g_autoptr(GVariant) boxed = g_variant_get_child_value (kids, i);
      g_autoptr(GVariant) child = g_variant_get_variant (boxed);
      GVariant *found = find_node (child, wanted);
      if (found)
        return found;
    }
  return NULL;
}

GVariant *
rd_dbusmenu_layout_subtree (GVariant *layout, gint parent_id, gint depth, const char * const *props)
{
  g_autoptr(GVariant) node = NULL;

  g_return_val_if_fail (layout != NULL, NULL);

  node = find_node (layout, parent_id);
  if (node == NULL)
    return NULL;
  return g_variant_ref_sink (copy_cut (node, depth, props));
}

/* ---- the D-Bus object ------------------------------------------------------- */

static void schedule_rebuild (RdDbusmenu *self);

static void
on_model_changed (GMenuModel *model, gint position, gint removed, gint added, gpointer user_data)
{
  schedule_rebuild (RD_DBUSMENU (user_data));
}

static void
on_action_changed (RdDbusmenu *self)
{
  schedule_rebuild (self);
}

static void
unwatch_models (RdDbusmenu *self)
{
  for (guint i = 0; i < self->watched->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (self->watched, i),
                                          on_model_changed, self);
  g_ptr_array_set_size (self->watched, 0);
}

static void
rebuild (RdDbusmenu *self)
{
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func (g_object_unref);

  unwatch_models (self);
  g_ptr_array_set_size (self->items, 0);
  g_clear_pointer (&self->layout, g_variant_unref);
  self->layout = layout_walk (self->model, self->actions, self->items, models);
  for (guint i = 0; i < models->len; i++)
    {
      GMenuModel *m = g_ptr_array_index (models, i);
      if (g_ptr_array_find (self->watched, m, NULL))
        continue;
      g_signal_connect (m, "items-changed", G_CALLBACK (on_model_changed), self);
      g_ptr_array_add (self->watched, g_object_ref (m));
    }
  self->revision++;
}

static gboolean
rebuild_idle (gpointer user_data)
{
  RdDbusmenu *self = user_data;

  self->rebuild_id = 0;
  rebuild (self);
  if (self->connection && self->registration_id)
    g_dbus_connection_emit_signal (self->connection, NULL, self->object_path,
                                   "com.canonical.dbusmenu", "LayoutUpdated",
                                   g_variant_new ("(ui)", self->revision, 0), NULL);
  return G_SOURCE_REMOVE;
}

static void
schedule_rebuild (RdDbusmenu *self)
{
  if (self->rebuild_id == 0)
    self->rebuild_id = g_idle_add (rebuild_idle, self);
}

/* Runs any pending rebuild now so a method call never sees a stale layout. */
static void
flush (RdDbusmenu *self)
{
  if (self->rebuild_id)
    {
      g_clear_handle_id (&self->rebuild_id, g_source_remove);
      rebuild_idle (self);
    }
}

static RdDbusmenuItem *
lookup_item (RdDbusmenu *self, gint id)
{
  if (id < 0 || (guint) id >= self->items->len)
    return NULL;
  return g_ptr_array_index (self->items, id);
}

static gboolean
handle_event (RdDbusmenu *self, gint id, const char *event_id)
{
  RdDbusmenuItem *item = lookup_item (self, id);

  if (item == NULL)
    return FALSE;
  if (g_strcmp0 (event_id, "clicked") != 0 || item->action == NULL)
    return TRUE;
  if (!g_action_group_get_action_enabled (self->actions, item->action))
    return TRUE;
  g_debug ("menu item %d clicked: app.%s", id, item->action);
  g_action_group_activate_action (self->actions, item->action, item->target);
  return TRUE;
}

static void
method_call (GDBusConnection *connection, const char *sender, const char *object_path,
             const char *interface_name, const char *method_name, GVariant *parameters,
             GDBusMethodInvocation *invocation, gpointer user_data)
{
  RdDbusmenu *self = user_data;

  flush (self);

  if (g_str_equal (method_name, "GetLayout"))
    {
      gint parent, depth;
      g_autofree const char **names = NULL;
      g_autoptr(GVariant) sub = NULL;

      g_variant_get (parameters, "(ii^a&s)", &parent, &depth, &names);
      sub = rd_dbusmenu_layout_subtree (self->layout, parent, depth, names);
      if (sub == NULL)
        {
          g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                                 "No menu item with id %d", parent);
          return;
        }
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(u@(ia{sv}av))", self->revision, sub));
    }
  else if (g_str_equal (method_name, "GetGroupProperties"))
    {
      g_autoptr(GVariantIter) ids = NULL;
      g_autofree const char **names = NULL;
      GVariantBuilder b;
      gint id;

      g_variant_get (parameters, "(ai^a&s)", &ids, &names);
      g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ia{sv})"));
      /* An empty id list means "all items" in libdbusmenu. */
      if (g_variant_iter_n_children (ids) == 0)
        for (guint i = 0; i < self->items->len; i++)
          {
            RdDbusmenuItem *item = g_ptr_array_index (self->items, i);
            g_autoptr(GVariant) p = filter_props (item->props, names);
            g_variant_builder_add (&b, "(i@a{sv})", item->id, p);
          }
      while (g_variant_iter_next (ids, "i", &id))
        {
          RdDbusmenuItem *item = lookup_item (self, id);
          if (item)
            {
              g_autoptr(GVariant) p = filter_props (item->props, names);
              g_variant_builder_add (&b, "(i@a{sv})", id, p);
            }
        }
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a(ia{sv}))", &b));
    }
  else if (g_str_equal (method_name, "GetProperty"))
    {
      gint id;
      const char *name;
      RdDbusmenuItem *item;
      g_autoptr(GVariant) value = NULL;

      g_variant_get (parameters, "(i&s)", &id, &name);
      item = lookup_item (self, id);
      if (item)
        value = g_variant_lookup_value (item->props, name, NULL);
      if (value == NULL)
        {
          g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                                 "No property %s on item %d", name, id);
          return;
        }
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(v)", value));
    }
  else if (g_str_equal (method_name, "Event"))
    {
      gint id;
      const char *event_id;

      g_variant_get (parameters, "(i&svu)", &id, &event_id, NULL, NULL);
      if (!handle_event (self, id, event_id))
        {
          g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                                 "No menu item with id %d", id);
          return;
        }
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method_name, "EventGroup"))
    {
      g_autoptr(GVariantIter) events = NULL;
      GVariantBuilder errors;
      gint id;
      const char *event_id;
      GVariant *data;
      guint32 ts;

      g_variant_get (parameters, "(a(isvu))", &events);
      g_variant_builder_init (&errors, G_VARIANT_TYPE ("ai"));
      while (g_variant_iter_loop (events, "(i&svu)", &id, &event_id, &data, &ts))
        if (!handle_event (self, id, event_id))
          g_variant_builder_add (&errors, "i", id);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(ai)", &errors));
    }
  else if (g_str_equal (method_name, "AboutToShow"))
    {
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(b)", FALSE));
    }
  else if (g_str_equal (method_name, "AboutToShowGroup"))
    {
      g_autoptr(GVariantIter) ids = NULL;
      GVariantBuilder errors;
      gint id;

      g_variant_get (parameters, "(ai)", &ids);
      g_variant_builder_init (&errors, G_VARIANT_TYPE ("ai"));
      while (g_variant_iter_next (ids, "i", &id))
        if (lookup_item (self, id) == NULL)
          g_variant_builder_add (&errors, "i", id);
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(@aiai)", g_variant_new_array (G_VARIANT_TYPE_INT32, NULL, 0),
                                                            &errors));
    }
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "Unknown method %s", method_name);
}

static GVariant *
get_property (GDBusConnection *connection, const char *sender, const char *object_path,
              const char *interface_name, const char *property_name, GError **error,
              gpointer user_data)
{
  if (g_str_equal (property_name, "Version"))
    return g_variant_new_uint32 (DBUSMENU_VERSION);
  if (g_str_equal (property_name, "TextDirection"))
    return g_variant_new_string ("ltr");
  if (g_str_equal (property_name, "Status"))
    return g_variant_new_string ("normal");
  if (g_str_equal (property_name, "IconThemePath"))
    return g_variant_new_strv (NULL, 0);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", property_name);
  return NULL;
}

static const GDBusInterfaceVTable vtable = { method_call, get_property, NULL, { 0 } };

gboolean
rd_dbusmenu_export (RdDbusmenu *self, GDBusConnection *connection, const char *object_path,
                    GError **error)
{
  static GDBusNodeInfo *info;

  g_return_val_if_fail (RD_IS_DBUSMENU (self), FALSE);
  g_return_val_if_fail (self->registration_id == 0, FALSE);

  if (info == NULL)
    info = g_dbus_node_info_new_for_xml (introspection_xml, NULL);

  self->registration_id = g_dbus_connection_register_object (connection, object_path,
                                                             info->interfaces[0], &vtable,
                                                             self, NULL, error);
  if (self->registration_id == 0)
    return FALSE;
  g_set_object (&self->connection, connection);
  g_free (self->object_path);
  self->object_path = g_strdup (object_path);
  return TRUE;
}

void
rd_dbusmenu_unexport (RdDbusmenu *self)
{
  g_return_if_fail (RD_IS_DBUSMENU (self));

  if (self->registration_id)
    g_dbus_connection_unregister_object (self->connection, self->registration_id);
  self->registration_id = 0;
  g_clear_object (&self->connection);
}

static void
rd_dbusmenu_dispose (GObject *object)
{
  RdDbusmenu *self = RD_DBUSMENU (object);

  rd_dbusmenu_unexport (self);
  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  if (self->watched)
    unwatch_models (self);
  if (self->actions)
    g_signal_handlers_disconnect_by_data (self->actions, self);
  g_clear_object (&self->actions);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (rd_dbusmenu_parent_class)->dispose (object);
}

static void
rd_dbusmenu_finalize (GObject *object)
{
  RdDbusmenu *self = RD_DBUSMENU (object);

  g_clear_pointer (&self->layout, g_variant_unref);
  g_ptr_array_unref (self->items);
  g_ptr_array_unref (self->watched);
  g_free (self->object_path);
  G_OBJECT_CLASS (rd_dbusmenu_parent_class)->finalize (object);
}

static void
rd_dbusmenu_class_init (RdDbusmenuClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_dbusmenu_dispose;
  object_class->finalize = rd_dbusmenu_finalize;
}

static void
rd_dbusmenu_init (RdDbusmenu *self)
{
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_dbusmenu_item_free);
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
}

RdDbusmenu *
rd_dbusmenu_new (GMenuModel *model, GActionGroup *actions)
{
  RdDbusmenu *self;

  g_return_val_if_fail (G_IS_MENU_MODEL (model), NULL);
  g_return_val_if_fail (G_IS_ACTION_GROUP (actions), NULL);

  self = g_object_new (RD_TYPE_DBUSMENU, NULL);
  self->model = g_object_ref (model);
  self->actions = g_object_ref (actions);
  g_signal_connect_swapped (actions, "action-added", G_CALLBACK (on_action_changed), self);
  g_signal_connect_swapped (actions, "action-removed", G_CALLBACK (on_action_changed), self);
  g_signal_connect_swapped (actions, "action-enabled-changed", G_CALLBACK (on_action_changed), self);
  g_signal_connect_swapped (actions, "action-state-changed", G_CALLBACK (on_action_changed), self);
  rebuild (self);
  return self;
}
