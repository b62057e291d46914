/* GMenuModel → dbusmenu layout conversion (pure) and the D-Bus object on a private bus. */
#include "config.h"

#include <gio/gio.h>

#include "rd-dbusmenu.h"

static int activated_dial;
static char *last_dial_target;

static void
on_dial (GSimpleAction *action, GVariant *param, gpointer data)
{
  activated_dial++;
  g_free (last_dial_target);
  last_dial_target = g_variant_dup_string (param, NULL);
}

static void
on_quit (GSimpleAction *action, GVariant *param, gpointer data)
{
}

static GSimpleActionGroup *
make_actions (void)
{
  static const GActionEntry entries[] = {
    { "dial", on_dial, "s", NULL, NULL, { 0 } },
    { "quit", on_quit, NULL, NULL, NULL, { 0 } },
    { "paused", NULL, NULL, "false", NULL, { 0 } },
    { "mode", NULL, "s", "'ring'", NULL, { 0 } },
    { "off", on_quit, NULL, NULL, NULL, { 0 } },
  };
  GSimpleActionGroup *group = g_simple_action_group_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (group), entries, G_N_ELEMENTS (entries), NULL);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (group), "off")), FALSE);
  return group;
}

/* status line | section(pause, dial 123) | empty section | submenu(mode ring/answer) | section(quit, off-hidden) */
static GMenu *
make_menu (void)
{
  GMenu *menu = g_menu_new ();
  g_autoptr(GMenu) s1 = g_menu_new (), empty = g_menu_new (), sub = g_menu_new (), s2 = g_menu_new ();
  g_autoptr(GMenuItem) hidden = NULL;

  g_menu_append (menu, "Connected", NULL);
  g_menu_append (s1, "_Pause pop-ups", "app.paused");
  g_menu_append (s1, "Dial 123", "app.dial::123");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (s1));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (empty));
  g_menu_append (sub, "On ring", "app.mode::ring");
  g_menu_append (sub, "On answer", "app.mode::answer");
  g_menu_append_submenu (menu, "Pop-up", G_MENU_MODEL (sub));
  g_menu_append (s2, "Quit", "app.quit");
  hidden = g_menu_item_new ("Hidden", "app.off");
  g_menu_item_set_attribute (hidden, "hidden-when", "s", "action-disabled");
  g_menu_append_item (s2, hidden);
  g_menu_append (s2, "Other namespace", "win.close");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (s2));
  return menu;
}

static GVariant *
child (GVariant *node, gsize i)
{
  g_autoptr(GVariant) kids = g_variant_get_child_value (node, 2);
  g_autoptr(GVariant) boxed = g_variant_get_child_value (kids, i);
  return g_variant_get_variant (boxed);
}

static gsize
n_children (GVariant *node)
{
  g_autoptr(GVariant) kids = g_variant_get_child_value (node, 2);
  return g_variant_n_children (kids);
}

static char *
prop_string (GVariant *node, const char *name)
{
  g_autoptr(GVariant) props = g_variant_get_child_value (node, 1);
  char *s = NULL;
  g_variant_lookup (props, name, "s", &s);
  return s;
}

static gboolean
prop_bool (GVariant *node, const char *name, gboolean dflt)
{
  g_autoptr(GVariant) props = g_variant_get_child_value (node, 1);
  gboolean b = dflt;
  g_variant_lookup (props, name, "b", &b);
  return b;
}

static gint
prop_int (GVariant *node, const char *name)
{
  g_autoptr(GVariant) props = g_variant_get_child_value (node, 1);
  gint v = -1;
  g_variant_lookup (props, name, "i", &v);
  return v;
}

static gint
node_id (GVariant *node)
{
  gint id;
  g_variant_get_child (node, 0, "i", &id);
  return id;
}

static void
test_layout_conversion (void)
{
  g_autoptr(GSimpleActionGroup) actions = make_actions ();
  g_autoptr(GMenu) menu = make_menu ();
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_dbusmenu_item_free);
  g_autoptr(GVariant) layout = rd_dbusmenu_layout_from_model (G_MENU_MODEL (menu), G_ACTION_GROUP (actions), items);
  g_autofree char *s = NULL;

  g_assert_true (g_variant_is_of_type (layout, G_VARIANT_TYPE ("(ia{sv}av)")));
  g_assert_cmpint (node_id (layout), ==, 0);
  s = prop_string (layout, "children-display");
  g_assert_cmpstr (s, ==, "submenu");
  g_clear_pointer (&s, g_free);

  /* Connected | sep | Pause | Dial | sep | Pop-up> | sep | Quit | Other  (empty section and hidden item gone) */
  g_assert_cmpuint (n_children (layout), ==, 9);
  {
    g_autoptr(GVariant) status = child (layout, 0);
    s = prop_string (status, "label");
    g_assert_cmpstr (s, ==, "Connected");
    g_clear_pointer (&s, g_free);
    g_assert_false (prop_bool (status, "enabled", TRUE));
  }
  for (guint i = 1; i <= 6; i += 3)
    {
      g_autoptr(GVariant) sep = child (layout, i);
      s = prop_string (sep, "type");
      g_assert_cmpstr (s, ==, "separator");
      g_clear_pointer (&s, g_free);
    }
  {
    g_autoptr(GVariant) pause = child (layout, 2);
    s = prop_string (pause, "toggle-type");
    g_assert_cmpstr (s, ==, "checkmark");
    g_clear_pointer (&s, g_free);
    g_assert_cmpint (prop_int (pause, "toggle-state"), ==, 0);
    s = prop_string (pause, "label");
    g_assert_cmpstr (s, ==, "_Pause pop-ups");
    g_clear_pointer (&s, g_free);
    g_assert_true (prop_bool (pause, "enabled", TRUE));
  }
  {
    g_autoptr(GVariant) dial = child (layout, 3);
    RdDbusmenuItem *item = g_ptr_array_index (items, node_id (dial));
    g_assert_cmpstr (item->action, ==, "dial");
    g_assert_cmpstr (g_variant_get_string (item->target, NULL), ==, "123");
  }
  {
    g_autoptr(GVariant) sub = child (layout, 5);
    g_autoptr(GVariant) ring = NULL, answer = NULL;
    s = prop_string (sub, "children-display");
    g_assert_cmpstr (s, ==, "submenu");
    g_clear_pointer (&s, g_free);
    g_assert_cmpuint (n_children (sub), ==, 2);
    ring = child (sub, 0);
    answer = child (sub, 1);
    s = prop_string (ring, "toggle-type");
    g_assert_cmpstr (s, ==, "radio");
    g_clear_pointer (&s, g_free);
    g_assert_cmpint (prop_int (ring, "toggle-state"), ==, 1);
    g_assert_cmpint (prop_int (answer, "toggle-state"), ==, 0);
  }
  {
    g_autoptr(GVariant) other = child (layout, 8);
    g_assert_false (prop_bool (other, "enabled", TRUE));
  }
  /* Every id in the layout has an item entry with the same properties. */
  for (guint i = 0; i < items->len; i++)
    g_assert_cmpint (((RdDbusmenuItem *) g_ptr_array_index (items, i))->id, ==, (gint) i);
}

static void
test_layout_subtree (void)
{
  g_autoptr(GSimpleActionGroup) actions = make_actions ();
  g_autoptr(GMenu) menu = make_menu ();
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_dbusmenu_item_free);
  g_autoptr(GVariant) layout = rd_dbusmenu_layout_from_model (G_MENU_MODEL (menu), G_ACTION_GROUP (actions), items);
  g_autoptr(GVariant) shallow = NULL, sub = NULL, filtered = NULL, missing = NULL, subnode = NULL;
  const char *only_label[] = { "label", NULL };
  gint sub_id;

  shallow = rd_dbusmenu_layout_subtree (layout, 0, 0, NULL);
  g_assert_cmpuint (n_children (shallow), ==, 0);

  subnode = child (layout, 5);
  sub_id = node_id (subnode);
  sub = rd_dbusmenu_layout_subtree (layout, sub_id, -1, NULL);
  g_assert_cmpint (node_id (sub), ==, sub_id);
  g_assert_cmpuint (n_children (sub), ==, 2);

  filtered = rd_dbusmenu_layout_subtree (layout, 0, 1, only_label);
  g_assert_cmpuint (n_children (filtered), ==, 9);
  {
    g_autoptr(GVariant) pause = child (filtered, 2);
    g_autoptr(GVariant) props = g_variant_get_child_value (pause, 1);
    g_autoptr(GVariant) subf = child (filtered, 5);
    g_assert_cmpuint (g_variant_n_children (props), ==, 1);
    g_assert_cmpuint (n_children (subf), ==, 0);   /* depth 1 stops below the submenu item */
  }

  missing = rd_dbusmenu_layout_subtree (layout, 9999, -1, NULL);
  g_assert_null (missing);
}

/* ---- over D-Bus --------------------------------------------------------------- */

static void
on_call_done (GObject *source, GAsyncResult *res, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (res);
}

static GDBusConnection *client;   /* a second connection: the server side must keep running */
static const char * const no_props[] = { NULL };

static GVariant *
call_sync (GDBusConnection *c, const char *method, GVariant *params, const char *reply_type, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  GAsyncResult *res = NULL;

  g_dbus_connection_call (client, g_dbus_connection_get_unique_name (c), "/Menu",
                          "com.canonical.dbusmenu", method, params,
                          reply_type ? G_VARIANT_TYPE (reply_type) : NULL,
                          G_DBUS_CALL_FLAGS_NONE, 5000, NULL, on_call_done, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  reply = g_dbus_connection_call_finish (client, res, error);
  g_object_unref (res);
  return g_steal_pointer (&reply);
}


static void
on_layout_updated (GDBusConnection *c, const char *sender, const char *path, const char *iface,
                   const char *signal, GVariant *params, gpointer data)
{
  g_variant_get (params, "(ui)", (guint *) data, NULL);
}

static void
test_dbus_object (void)
{
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GDBusConnection) c = NULL;
  g_autoptr(GSimpleActionGroup) actions = make_actions ();
  g_autoptr(GMenu) menu = make_menu ();
  g_autoptr(RdDbusmenu) dm = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL, layout = NULL, version = NULL;
  guint rev, updated_rev = 0;
  gint dial_id = -1;

  g_test_dbus_up (bus);
  c = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  client = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);

  dm = rd_dbusmenu_new (G_MENU_MODEL (menu), G_ACTION_GROUP (actions));
  g_assert_true (rd_dbusmenu_export (dm, c, "/Menu", &error));
  g_assert_no_error (error);
  g_dbus_connection_signal_subscribe (c, NULL, "com.canonical.dbusmenu", "LayoutUpdated", "/Menu",
                                      NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_layout_updated, &updated_rev, NULL);

  {
    GAsyncResult *res = NULL;
    g_dbus_connection_call (client, g_dbus_connection_get_unique_name (c), "/Menu",
                            "org.freedesktop.DBus.Properties", "Get",
                            g_variant_new ("(ss)", "com.canonical.dbusmenu", "Version"),
                            G_VARIANT_TYPE ("(v)"), 0, 5000, NULL, on_call_done, &res);
    while (res == NULL)
      g_main_context_iteration (NULL, TRUE);
    version = g_dbus_connection_call_finish (client, res, &error);
    g_object_unref (res);
  }
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) v = NULL;
    g_variant_get (version, "(v)", &v);
    g_assert_cmpuint (g_variant_get_uint32 (v), ==, 3);
  }

  reply = call_sync (c, "GetLayout", g_variant_new ("(ii^as)", 0, -1, no_props), "(u(ia{sv}av))", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u@(ia{sv}av))", &rev, &layout);
  {
    g_autoptr(GVariant) dial = child (layout, 3);
    dial_id = node_id (dial);
  }
  g_clear_pointer (&reply, g_variant_unref);

  /* GetGroupProperties answers for the requested ids (Cinnamon needs it). */
  reply = call_sync (c, "GetGroupProperties", g_variant_new_parsed ("([%i], @as [])", dial_id),
                     "(a(ia{sv}))", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) arr = g_variant_get_child_value (reply, 0);
    g_assert_cmpuint (g_variant_n_children (arr), ==, 1);
  }
  g_clear_pointer (&reply, g_variant_unref);

  /* "opened" is ignored; "clicked" activates app.dial("123"). */
  reply = call_sync (c, "Event", g_variant_new ("(isvu)", dial_id, "opened", g_variant_new_int32 (0), 0), NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  g_assert_cmpint (activated_dial, ==, 0);
  reply = call_sync (c, "Event", g_variant_new ("(isvu)", dial_id, "clicked", g_variant_new_int32 (0), 0), NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&reply, g_variant_unref);
  g_assert_cmpint (activated_dial, ==, 1);
  g_assert_cmpstr (last_dial_target, ==, "123");

  /* Unknown ids are errors, for Event and in EventGroup's idErrors. */
  reply = call_sync (c, "Event", g_variant_new ("(isvu)", 4242, "clicked", g_variant_new_int32 (0), 0), NULL, &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  reply = call_sync (c, "EventGroup", g_variant_new_parsed ("([(%i, 'clicked', <0>, @u 0), (4242, 'clicked', <0>, @u 0)],)", dial_id),
                     "(ai)", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) errs = g_variant_get_child_value (reply, 0);
    g_assert_cmpuint (g_variant_n_children (errs), ==, 1);
  }
  g_clear_pointer (&reply, g_variant_unref);
  g_assert_cmpint (activated_dial, ==, 2);

  /* A state change bumps the revision and announces it. */
  g_action_group_change_action_state (G_ACTION_GROUP (actions), "paused", g_variant_new_boolean (TRUE));
  while (updated_rev == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (updated_rev, >, rev);
  reply = call_sync (c, "GetLayout", g_variant_new ("(ii^as)", 0, -1, no_props), "(u(ia{sv}av))", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) l = g_variant_get_child_value (reply, 1);
    g_autoptr(GVariant) pause = child (l, 2);
    g_assert_cmpint (prop_int (pause, "toggle-state"), ==, 1);
  }
  g_clear_pointer (&reply, g_variant_unref);

  /* A model change too: a new item appears. */
  updated_rev = 0;
  g_menu_append (menu, "Recent calls", "app.quit");
  while (updated_rev == 0)
    g_main_context_iteration (NULL, TRUE);
  reply = call_sync (c, "GetLayout", g_variant_new ("(ii^as)", 0, 1, no_props), "(u(ia{sv}av))", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) l = g_variant_get_child_value (reply, 1);
    g_assert_cmpuint (n_children (l), ==, 11);   /* + separator + item */
  }
  g_clear_pointer (&reply, g_variant_unref);

  rd_dbusmenu_unexport (dm);
  g_clear_object (&dm);
  g_clear_object (&c);
  g_dbus_connection_close_sync (client, NULL, NULL);
  g_clear_object (&client);
  g_test_dbus_down (bus);
  g_free (last_dial_target);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/app/dbusmenu/layout", test_layout_conversion);
  g_test_add_func ("/app/dbusmenu/subtree", test_layout_subtree);
  g_test_add_func ("/app/dbusmenu/dbus", test_dbus_object);
  return g_test_run ();
}
