/* rd-status.h — connection state in words a user understands, with what to do about it.
 * Pure functions over the agent client's state and the hub's status fields. */
#pragma once

#include <glib.h>

#include "agent/rd-agent-client.h"

G_BEGIN_DECLS

typedef enum {
  RD_STATUS_OK,        /* everything works */
  RD_STATUS_BUSY,      /* connecting, nothing to do yet */
  RD_STATUS_WARNING,   /* works partly (e.g. CRM down: calls still logged later) */
  RD_STATUS_ERROR,     /* does not work; the user must act */
  RD_STATUS_SETUP,     /* not set up yet */
} RdStatusLevel;

typedef struct {
  RdStatusLevel level;
  gboolean signed_in;  /* signed in to the hub (the level may still warn about the PBX or CRM) */
  char *title;    /* one line, e.g. "Connected as Alice (extension 2001)" */
  char *advice;   /* what to do, may be NULL */
  char *summary;  /* short line for the tray menu, e.g. "Connected · Phone ✓ · CRM ✓" */
  const char *icon;  /* symbolic icon name for the state (a status page's picture) */
} RdStatusText;

/* @configured: a hub and credentials are set. @pbx, @crm: the hub's status words (may be
 * NULL). @message: the hub's status message; @last_error: the client's last error text. */
RdStatusText *rd_status_describe   (gboolean      configured,
                                    RdAgentState  state,
                                    const char   *user_name,
                                    const char   *extension,
                                    const char   *pbx,
                                    const char   *crm,
                                    const char   *message,
                                    const char   *last_error);
void          rd_status_text_free  (RdStatusText *text);

/* The hub's "pbx"/"crm" words as a short label ("Connected", "Reconnecting…", …). */
const char   *rd_status_pbx_label  (const char *pbx);
const char   *rd_status_crm_label  (const char *crm);
const char   *rd_status_level_icon (RdStatusLevel level);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdStatusText, rd_status_text_free)

G_END_DECLS
