/* rd-test-gui.h — shared set-up and checks for the tests that show windows (header-only).
 *
 * A GUI test program without a display reports itself skipped as a whole ("1..0 # SKIP"), so
 * that meson and tools/test-summary.py count it as skipped rather than passed. */
#pragma once

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "rd-app-resources.h"
#include "rd-application.h"
#include "rd-paths.h"
#include "rd-test-util.h"

/* Call after g_test_init: the display, libadwaita, the app's resources, and the catalogues
 * built in this build folder (LANGUAGE picks one). */
static inline void
rd_test_gui_init (void)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, rd_paths_get_locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  if (!gtk_init_check ())
    {
      g_print ("1..0 # SKIP no display\n");
      exit (0);
    }
  rd_app_register_resource ();
  rd_application_init_style ();   /* as the app does before its first window */
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/io/github/ringdesk/Ringdesk/icons");
}

/* The window's primary menu, from the app's gtk/menus.ui. */
static inline GMenuModel *
rd_test_primary_menu (void)
{
  g_autoptr(GtkBuilder) b = gtk_builder_new_from_resource ("/io/github/ringdesk/Ringdesk/gtk/menus.ui");
  return g_object_ref (G_MENU_MODEL (gtk_builder_get_object (b, "primary-menu")));
}

static inline void
rd_test_gui_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static inline GtkWidget *
rd_test_child (gpointer widget, GType type, const char *name)
{
  GObject *o = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);
  g_assert_nonnull (o);
  return GTK_WIDGET (o);
}

/* Presents @window with its content at @width × @height (the frame that client-side
 * decorations add around it under Xvfb comes on top) and waits until it is drawn. */
static inline void
rd_test_show_at (gpointer window, int width, int height)
{
  GtkWidget *w = GTK_WIDGET (window);
  GdkSurface *surface;

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  rd_test_gui_spin (300);
  surface = gtk_native_get_surface (GTK_NATIVE (window));
  if (gdk_surface_get_width (surface) > gtk_widget_get_width (w))
    {
      gtk_window_set_default_size (GTK_WINDOW (window),
                                   width + gdk_surface_get_width (surface) - gtk_widget_get_width (w),
                                   height + gdk_surface_get_height (surface) - gtk_widget_get_height (w));
      rd_test_gui_spin (300);
    }
}

/* Renders @widget (a window) to @path as PNG. */
static inline void
rd_test_screenshot (gpointer widget, const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (widget));
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  int w, h;

  rd_test_gui_spin (400);
  w = gtk_widget_get_width (GTK_WIDGET (widget));
  h = gtk_widget_get_height (GTK_WIDGET (widget));
  g_assert_cmpint (w, >, 100);
  g_assert_cmpint (h, >, 100);
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node, NULL);
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static inline void rd_test_dump_widths (GtkWidget *w, int depth, int threshold);

static inline gboolean
rd_test_label_is_ellipsized (GtkLabel *label)
{
  return pango_layout_is_ellipsized (gtk_label_get_layout (label));
}

/* Nothing in @window is cut: its content fits @width across (so the window is as narrow as
 * asked), and every label and button that is drawn lies inside the window across. Text that
 * may be shortened (ellipsized names) is allowed to be; the caller checks numbers separately. */
static inline void
rd_test_assert_fits (gpointer window, int width)
{
  GtkWidget *root = GTK_WIDGET (window);
  GtkWidget *content = gtk_widget_get_first_child (root);
  GPtrArray *stack = g_ptr_array_new ();
  int min_width = 0;
  guint checked = 0;

  gtk_widget_measure (content, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  if (min_width > width)
    {
      rd_test_dump_widths (root, 0, width - 40);
      g_error ("%s needs %d px across, more than %d", G_OBJECT_TYPE_NAME (root), min_width, width);
    }
  g_assert_cmpint (gtk_widget_get_width (root), ==, width);

  g_ptr_array_add (stack, root);
  while (stack->len > 0)
    {
      GtkWidget *w = g_ptr_array_steal_index (stack, stack->len - 1);
      graphene_rect_t r;

      if (!gtk_widget_is_drawable (w))
        continue;
      if ((GTK_IS_LABEL (w) && *gtk_label_get_text (GTK_LABEL (w))) || GTK_IS_BUTTON (w))
        {
          g_assert_true (gtk_widget_compute_bounds (w, root, &r));
          if (r.origin.x < -0.5 || r.origin.x + r.size.width > width + 0.5)
            g_error ("%s “%s” is cut: x %.0f … %.0f in a window %d px across", G_OBJECT_TYPE_NAME (w),
                     GTK_IS_LABEL (w) ? gtk_label_get_text (GTK_LABEL (w)) : "", r.origin.x,
                     r.origin.x + r.size.width, width);
          checked++;
        }
      for (GtkWidget *c = gtk_widget_get_last_child (w); c; c = gtk_widget_get_prev_sibling (c))
        g_ptr_array_add (stack, c);
    }
  g_assert_cmpuint (checked, >, 0);
  g_ptr_array_unref (stack);
}

static inline void
rd_test_dump_widths (GtkWidget *w, int depth, int threshold)
{
  int min = 0;
  gtk_widget_measure (w, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
  if (min >= threshold && gtk_widget_get_visible (w))
    g_printerr ("%*s%s %s min=%d %s\n", depth * 2, "", G_OBJECT_TYPE_NAME (w), gtk_widget_get_name (w), min,
                GTK_IS_LABEL (w) ? gtk_label_get_text (GTK_LABEL (w)) : "");
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    rd_test_dump_widths (c, depth + 1, threshold);
}
