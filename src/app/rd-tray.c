/* rd-tray.c — StatusNotifierItem (KDE/freedesktop tray protocol) over GDBus.
 *
 * Quirks handled (desktop spec §A3): ItemIsMenu=false set explicitly (XFCE defaults it to
 * TRUE), icons by app-id-prefixed theme name plus IconPixmap (the host resolves names in
 * its own theme), re-registration when the watcher reappears, Status=Passive to hide.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "rd-dbusmenu.h"
#include "rd-tray.h"

#define WATCHER_NAME "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH "/StatusNotifierWatcher"
#define ITEM_IFACE   "org.kde.StatusNotifierItem"

#define ICON_NAME           APP_ID "-symbolic"
#define PAUSED_ICON_NAME    APP_ID "-paused-symbolic"
#define ATTENTION_ICON_NAME APP_ID "-attention-symbolic"

struct _RdTray {
  GObject          parent_instance;

  GDBusConnection *connection;
  RdDbusmenu      *menu;
  guint            registration_id;
  guint            watch_id;
  guint            host_signal_id;
  GCancellable    *cancellable;

  char            *title;
  char            *description;
  char            *activation_token;
  GVariant        *pixmap;            /* a(iiay) */
  GVariant        *attention_pixmap;  /* a(iiay) */
  GVariant        *paused_pixmap;     /* a(iiay) */
  guint            watcher_present : 1;
  guint            host_registered : 1;
  guint            attention : 1;
  guint            paused : 1;
  guint            visible : 1;
};

G_DEFINE_FINAL_TYPE (RdTray, rd_tray, G_TYPE_OBJECT)

enum { PROP_0, PROP_AVAILABLE, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_ACTIVATE, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char item_xml[] =
  "<node>"
  " <interface name='org.kde.StatusNotifierItem'>"
  "  <property name='Category' type='s' access='read'/>"
  "  <property name='Id' type='s' access='read'/>"
  "  <property name='Title' type='s' access='read'/>"
  "  <property name='Status' type='s' access='read'/>"
  "  <property name='WindowId' type='i' access='read'/>"
  "  <property name='IconName' type='s' access='read'/>"
  "  <property name='IconPixmap' type='a(iiay)' access='read'/>"
  "  <property name='OverlayIconName' type='s' access='read'/>"
  "  <property name='OverlayIconPixmap' type='a(iiay)' access='read'/>"
  "  <property name='AttentionIconName' type='s' access='read'/>"
  "  <property name='AttentionIconPixmap' type='a(iiay)' access='read'/>"
  "  <property name='AttentionMovieName' type='s' access='read'/>"
  "  <property name='IconThemePath' type='s' access='read'/>"
  "  <property name='ToolTip' type='(sa(iiay)ss)' access='read'/>"
  "  <property name='ItemIsMenu' type='b' access='read'/>"
  "  <property name='Menu' type='o' access='read'/>"
  "  <method name='ContextMenu'><arg name='x' type='i' direction='in'/><arg name='y' type='i' direction='in'/></method>"
  "  <method name='Activate'><arg name='x' type='i' direction='in'/><arg name='y' type='i' direction='in'/></method>"
  "  <method name='SecondaryActivate'><arg name='x' type='i' direction='in'/><arg name='y' type='i' direction='in'/></method>"
  "  <method name='Scroll'><arg name='delta' type='i' direction='in'/><arg name='orientation' type='s' direction='in'/></method>"
  "  <method name='ProvideXdgActivationToken'><arg name='token' type='s' direction='in'/></method>"
  "  <signal name='NewTitle'/>"
  "  <signal name='NewIcon'/>"
  "  <signal name='NewAttentionIcon'/>"
  "  <signal name='NewOverlayIcon'/>"
  "  <signal name='NewToolTip'/>"
  "  <signal name='NewStatus'><arg name='status' type='s'/></signal>"
  " </interface>"
  "</node>";

/* ARGB32 in network byte order, straight alpha, from a PNG in our resources. */
static GVariant *
pixmap_from_resources (const char * const *paths)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(iiay)"));
  for (guint i = 0; paths[i]; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      g_autofree guchar *data = NULL;
      int w, h;

      if (!g_resources_get_info (paths[i], 0, NULL, NULL, NULL))
        continue;
      texture = gdk_texture_new_from_resource (paths[i]);
      w = gdk_texture_get_width (texture);
      h = gdk_texture_get_height (texture);
      data = g_malloc ((gsize) w * h * 4);
      gdk_texture_download (texture, data, (gsize) w * 4);   /* native-endian premultiplied ARGB32 */
      for (int p = 0; p < w * h; p++)
        {
          guint32 v = ((guint32 *) data)[p];
          guint a = v >> 24, r = (v >> 16) & 0xff, g = (v >> 8) & 0xff, bl = v & 0xff;
          if (a > 0 && a < 255)
            {
              r = MIN (255u, r * 255 / a);
              g = MIN (255u, g * 255 / a);
              bl = MIN (255u, bl * 255 / a);
            }
          data[p * 4 + 0] = a;
          data[p * 4 + 1] = r;
          data[p * 4 + 2] = g;
          data[p * 4 + 3] = bl;
        }
      g_variant_builder_add (&b, "(ii@ay)", w, h,
                             g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, (gsize) w * h * 4, 1));
    }
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

static const char *
status_string (RdTray *self)
{
  if (!self->visible)
    return "Passive";
  return self->attention ? "NeedsAttention" : "Active";
}

static GVariant *
item_get_property (GDBusConnection *connection, const char *sender, const char *object_path,
                   const char *interface_name, const char *name, GError **error, gpointer user_data)
{
  RdTray *self = user_data;

  if (g_str_equal (name, "Category"))
    return g_variant_new_string ("Communications");
  if (g_str_equal (name, "Id"))
    return g_variant_new_string (APP_ID);
  if (g_str_equal (name, "Title"))
    return g_variant_new_string (self->title ? self->title : "Ringdesk");
  if (g_str_equal (name, "Status"))
    return g_variant_new_string (status_string (self));
  if (g_str_equal (name, "WindowId"))
    return g_variant_new_int32 (0);
  if (g_str_equal (name, "IconName"))
    return g_variant_new_string (self->paused ? PAUSED_ICON_NAME : ICON_NAME);
  if (g_str_equal (name, "IconPixmap"))
    return g_variant_ref (self->paused ? self->paused_pixmap : self->pixmap);
  if (g_str_equal (name, "AttentionIconName"))
    return g_variant_new_string (ATTENTION_ICON_NAME);
  if (g_str_equal (name, "AttentionIconPixmap"))
    return g_variant_ref (self->attention_pixmap);
  if (g_str_equal (name, "OverlayIconName") || g_str_equal (name, "AttentionMovieName") ||
      g_str_equal (name, "IconThemePath"))
    return g_variant_new_string ("");
  if (g_str_equal (name, "OverlayIconPixmap"))
    return g_variant_new_array (G_VARIANT_TYPE ("(iiay)"), NULL, 0);
  if (g_str_equal (name, "ToolTip"))
    return g_variant_new ("(s@a(iiay)ss)", self->paused ? PAUSED_ICON_NAME : ICON_NAME,
                          g_variant_new_array (G_VARIANT_TYPE ("(iiay)"), NULL, 0),
                          self->title ? self->title : "Ringdesk",
                          self->description ? self->description : "");
  if (g_str_equal (name, "ItemIsMenu"))
    return g_variant_new_boolean (FALSE);
  if (g_str_equal (name, "Menu"))
    return g_variant_new_object_path (RD_TRAY_MENU_PATH);

  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "No property %s", name);
  return NULL;
}

static void
item_method_call (GDBusConnection *connection, const char *sender, const char *object_path,
                  const char *interface_name, const char *method_name, GVariant *parameters,
                  GDBusMethodInvocation *invocation, gpointer user_data)
{
  RdTray *self = user_data;

  if (g_str_equal (method_name, "Activate") || g_str_equal (method_name, "SecondaryActivate"))
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
      g_signal_emit (self, signals[SIGNAL_ACTIVATE], 0);
    }
  else if (g_str_equal (method_name, "ProvideXdgActivationToken"))
    {
      g_free (self->activation_token);
      g_variant_get (parameters, "(s)", &self->activation_token);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method_name, "ContextMenu") || g_str_equal (method_name, "Scroll"))
    g_dbus_method_invocation_return_value (invocation, NULL);   /* the host shows Menu itself */
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "Unknown method %s", method_name);
}

static const GDBusInterfaceVTable item_vtable = { item_method_call, item_get_property, NULL, { 0 } };

static void
emit_item_signal (RdTray *self, const char *signal, GVariant *params)
{
  if (self->registration_id == 0)
    {
      if (params)
        g_variant_unref (g_variant_ref_sink (params));
      return;
    }
  g_dbus_connection_emit_signal (self->connection, NULL, RD_TRAY_ITEM_PATH, ITEM_IFACE,
                                 signal, params, NULL);
}

static void
set_available (RdTray *self, gboolean present, gboolean host)
{
  gboolean before = rd_tray_get_available (self);

  self->watcher_present = present;
  self->host_registered = host;
  if (before != rd_tray_get_available (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AVAILABLE]);
}

static void
on_host_property (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdTray) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);
  g_autoptr(GVariant) value = NULL;
  gboolean host = TRUE;   /* a watcher without the property: assume a host, as most do */

  if (reply)
    {
      g_variant_get (reply, "(v)", &value);
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        host = g_variant_get_boolean (value);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (self->watcher_present)
    set_available (self, TRUE, host);
}

static void
on_registered (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr(RdTray) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);

  if (reply == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not register the tray icon: %s", error->message);
      return;
    }
  g_debug ("tray icon registered");
  g_dbus_connection_call (self->connection, WATCHER_NAME, WATCHER_PATH,
                          "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", WATCHER_NAME, "IsStatusNotifierHostRegistered"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, 5000, self->cancellable,
                          on_host_property, g_object_ref (self));
}

static void
on_watcher_appeared (GDBusConnection *connection, const char *name, const char *owner,
                     gpointer user_data)
{
  RdTray *self = user_data;

  self->watcher_present = TRUE;
  /* The host takes our unique name when the argument is an object path. */
  g_dbus_connection_call (connection, WATCHER_NAME, WATCHER_PATH, WATCHER_NAME,
                          "RegisterStatusNotifierItem", g_variant_new ("(s)", RD_TRAY_ITEM_PATH),
                          NULL, G_DBUS_CALL_FLAGS_NONE, 5000, self->cancellable,
                          on_registered, g_object_ref (self));
}

static void
on_watcher_vanished (GDBusConnection *connection, const char *name, gpointer user_data)
{
  set_available (RD_TRAY (user_data), FALSE, FALSE);
}

static void
on_host_registered (GDBusConnection *connection, const char *sender, const char *path,
                    const char *iface, const char *signal, GVariant *params, gpointer user_data)
{
  RdTray *self = user_data;

  if (self->watcher_present)
    set_available (self, TRUE, TRUE);
}

gboolean
rd_tray_start (RdTray *self, GError **error)
{
  static GDBusNodeInfo *info;

  g_return_val_if_fail (RD_IS_TRAY (self), FALSE);
  g_return_val_if_fail (self->registration_id == 0, FALSE);

  if (info == NULL)
    info = g_dbus_node_info_new_for_xml (item_xml, NULL);

  if (!rd_dbusmenu_export (self->menu, self->connection, RD_TRAY_MENU_PATH, error))
    return FALSE;
  self->registration_id = g_dbus_connection_register_object (self->connection, RD_TRAY_ITEM_PATH,
                                                             info->interfaces[0], &item_vtable,
                                                             self, NULL, error);
  if (self->registration_id == 0)
    {
      rd_dbusmenu_unexport (self->menu);
      return FALSE;
    }
  self->host_signal_id =
    g_dbus_connection_signal_subscribe (self->connection, NULL, WATCHER_NAME,
                                        "StatusNotifierHostRegistered", WATCHER_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, on_host_registered, self, NULL);
  self->watch_id = g_bus_watch_name_on_connection (self->connection, WATCHER_NAME,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_watcher_appeared, on_watcher_vanished,
                                                   self, NULL);
  return TRUE;
}

gboolean
rd_tray_get_available (RdTray *self)
{
  g_return_val_if_fail (RD_IS_TRAY (self), FALSE);
  return self->watcher_present && self->host_registered;
}

void
rd_tray_set_tooltip (RdTray *self, const char *title, const char *description)
{
  g_return_if_fail (RD_IS_TRAY (self));

  if (g_strcmp0 (self->title, title) == 0 && g_strcmp0 (self->description, description) == 0)
    return;
  g_free (self->title);
  self->title = g_strdup (title);
  g_free (self->description);
  self->description = g_strdup (description);
  emit_item_signal (self, "NewTitle", NULL);
  emit_item_signal (self, "NewToolTip", NULL);
}

static void
emit_status (RdTray *self)
{
  emit_item_signal (self, "NewStatus", g_variant_new ("(s)", status_string (self)));
}

void
rd_tray_set_attention (RdTray *self, gboolean attention)
{
  g_return_if_fail (RD_IS_TRAY (self));

  if (self->attention == !!attention)
    return;
  self->attention = !!attention;
  emit_status (self);
}

void
rd_tray_set_paused (RdTray *self, gboolean paused)
{
  g_return_if_fail (RD_IS_TRAY (self));

  if (self->paused == !!paused)
    return;
  self->paused = !!paused;
  emit_item_signal (self, "NewIcon", NULL);
  emit_item_signal (self, "NewToolTip", NULL);
}

void
rd_tray_set_visible (RdTray *self, gboolean visible)
{
  g_return_if_fail (RD_IS_TRAY (self));

  if (self->visible == !!visible)
    return;
  self->visible = !!visible;
  emit_status (self);
}

char *
rd_tray_take_activation_token (RdTray *self)
{
  g_return_val_if_fail (RD_IS_TRAY (self), NULL);
  return g_steal_pointer (&self->activation_token);
}

static void
rd_tray_get_gproperty (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_AVAILABLE:
      g_value_set_boolean (value, rd_tray_get_available (RD_TRAY (object)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
rd_tray_dispose (GObject *object)
{
  RdTray *self = RD_TRAY (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  if (self->host_signal_id)
    g_dbus_connection_signal_unsubscribe (self->connection, self->host_signal_id);
  self->host_signal_id = 0;
  if (self->registration_id)
    g_dbus_connection_unregister_object (self->connection, self->registration_id);
  self->registration_id = 0;
  if (self->menu)
    rd_dbusmenu_unexport (self->menu);
  g_clear_object (&self->menu);
  g_clear_object (&self->connection);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (rd_tray_parent_class)->dispose (object);
}

static void
rd_tray_finalize (GObject *object)
{
  RdTray *self = RD_TRAY (object);

  g_free (self->title);
  g_free (self->description);
  g_free (self->activation_token);
  g_clear_pointer (&self->pixmap, g_variant_unref);
  g_clear_pointer (&self->attention_pixmap, g_variant_unref);
  g_clear_pointer (&self->paused_pixmap, g_variant_unref);
  G_OBJECT_CLASS (rd_tray_parent_class)->finalize (object);
}

static void
rd_tray_class_init (RdTrayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = rd_tray_get_gproperty;
  object_class->dispose = rd_tray_dispose;
  object_class->finalize = rd_tray_finalize;

  properties[PROP_AVAILABLE] =
    g_param_spec_boolean ("available", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_ACTIVATE] = g_signal_new ("activate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rd_tray_init (RdTray *self)
{
  static const char * const normal[] = {
    "/io/github/ringdesk/Ringdesk/icons/tray-22.png",
    "/io/github/ringdesk/Ringdesk/icons/tray-32.png",
    "/io/github/ringdesk/Ringdesk/icons/tray-48.png", NULL };
  static const char * const attention[] = {
    "/io/github/ringdesk/Ringdesk/icons/tray-attention-22.png",
    "/io/github/ringdesk/Ringdesk/icons/tray-attention-32.png",
    "/io/github/ringdesk/Ringdesk/icons/tray-attention-48.png", NULL };
  static const char * const paused[] = {
    "/io/github/ringdesk/Ringdesk/icons/tray-paused-22.png",
    "/io/github/ringdesk/Ringdesk/icons/tray-paused-32.png",
    "/io/github/ringdesk/Ringdesk/icons/tray-paused-48.png", NULL };

  self->cancellable = g_cancellable_new ();
  self->visible = TRUE;
  self->pixmap = pixmap_from_resources (normal);
  self->attention_pixmap = pixmap_from_resources (attention);
  self->paused_pixmap = pixmap_from_resources (paused);
}

RdTray *
rd_tray_new (GDBusConnection *connection, GMenuModel *menu, GActionGroup *actions)
{
  RdTray *self;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  self = g_object_new (RD_TYPE_TRAY, NULL);
  self->connection = g_object_ref (connection);
  self->menu = rd_dbusmenu_new (menu, actions);
  return self;
}
