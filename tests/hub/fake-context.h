/* fake-context.h — a fake engine (RdHubContext, RdHubControl) for the unit tests of the hub's parts: a fake
 * CRM and PBX, settings the test edits, region "CN"; lookup_local answers from @local (the
 * "phone index"), lookup from the fake CRM; crm_status from ready / configured /
 * settings.enabled, else @crm_state. As RdHubControl it counts what it is asked; save_settings
 * takes the settings, set_pbx / set_crm replace @pbx / @crm. */
#pragma once

#include "fake-crm.h"
#include "fake-pbx.h"

#include "hub/rd-bindings.h"
#include "hub/rd-hub-context.h"
#include "hub/rd-hub-control.h"

G_BEGIN_DECLS

#define FAKE_TYPE_CONTEXT (fake_context_get_type ())
G_DECLARE_FINAL_TYPE (FakeContext, fake_context, FAKE, CONTEXT, GObject)

struct _FakeContext
{
  GObject        parent_instance;
  gboolean       ready;        /* crm_ready */
  gboolean       configured;   /* crm_configured */
  FakeCrm       *crm;
  FakePbx       *pbx;
  RdHubSettings  settings;
  GPtrArray     *local;        /* RdCrmMatch: what lookup_local finds */
  guint          lookups;      /* lookup_async calls */
  char          *refused;      /* the last credentials_refused message */
  const char    *crm_state;    /* crm_status when configured, enabled and not ready; NULL: "failed" */
  char          *crm_message;  /* crm_status's message */
  /* RdHubControl: what the administration asked of the engine */
  gboolean       running;      /* is_running (TRUE) */
  guint          status_changes, kicks, refreshes, saves, reloads, saved_pbx_starts;
  int            attached;     /* attach_pbx calls less detach_pbx calls */
};

FakeContext *fake_context_new       (void);
void         fake_context_add_local (FakeContext *self, const RdCrmMatch *match);

/* A store in memory and its bindings, with extension 2001 bound to Alice (user 7, login
 * @alice_login, may be NULL): what the parts' unit tests start from. */
void         fake_store_with_alice  (const char *alice_login, RdStore **store, RdBindings **bindings);

G_END_DECLS
