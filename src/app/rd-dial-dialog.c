/* rd-dial-dialog.c — see rd-dial-dialog.h. */
#include "config.h"

#include <glib/gi18n.h>

#include "rd-dial-dialog.h"
#include "rd-format.h"
#include "rd-uri.h"

struct _RdDialDialog {
  AdwMessageDialog parent_instance;

  char *number;
};

G_DEFINE_FINAL_TYPE (RdDialDialog, rd_dial_dialog, ADW_TYPE_MESSAGE_DIALOG)

const char *
rd_dial_dialog_get_number (RdDialDialog *self)
{
  g_return_val_if_fail (RD_IS_DIAL_DIALOG (self), NULL);
  return self->number;
}

static void
rd_dial_dialog_finalize (GObject *object)
{
  g_free (RD_DIAL_DIALOG (object)->number);
  G_OBJECT_CLASS (rd_dial_dialog_parent_class)->finalize (object);
}

static void
rd_dial_dialog_class_init (RdDialDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_dial_dialog_finalize;
  gtk_widget_class_set_template_from_resource (GTK_WIDGET_CLASS (klass),
                                               "/io/github/ringdesk/Ringdesk/ui/rd-dial-dialog.ui");
}

static void
rd_dial_dialog_init (RdDialDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

RdDialDialog *
rd_dial_dialog_new (GtkWindow *parent, const char *number, const char *display, const char *name)
{
  RdDialDialog *self;
  g_autofree char *shown = rd_format_number_nowrap (display && *display ? display : number);
  g_autofree char *who = name && *name ? rd_format_middle (name, 60) : NULL;
  g_autofree char *heading = NULL, *body = NULL;

  g_return_val_if_fail (number != NULL, NULL);

  self = g_object_new (RD_TYPE_DIAL_DIALOG, "transient-for", parent, NULL);
  self->number = g_strdup (number);
  if (who)
    {
      heading = g_strdup_printf (_("Call %s?"), who);
      /* TRANSLATORS: "+86 186 2100 3344 belongs to Li Wei in Odoo. A link asked Ringdesk to dial it." */
      body = g_strdup_printf (_("%s belongs to %s in Odoo. A link asked Ringdesk to dial it."), shown, who);
    }
  else
    {
      heading = g_strdup_printf (_("Call %s?"), shown);
      body = g_strdup (_("This number is not an Odoo contact. A link on a web page or in a document asked Ringdesk to dial it."));
    }
  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self), heading);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);
  return self;
}
