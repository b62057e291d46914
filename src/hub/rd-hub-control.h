/* rd-hub-control.h — what the administration (rd-hub-admin.h, rd-hub-activity.h) may ask of
 * the engine beyond reading it (RdHubContext): that its status changed, that the outbox or the
 * phone index has work, to save or reload the integration's settings, to take a new PBX or CRM
 * (and wire a PBX being verified to the engine's call handling), to start the saved PBX
 * again. RdHub implements it (rd-hub-parts.c); tests use a fake (tests/hub/fake-context.c).
 */
#pragma once

#include <gio/gio.h>

#include "crm/rd-crm.h"
#include "hub/rd-hub-settings.h"
#include "pbx/rd-pbx.h"

G_BEGIN_DECLS

#define RD_TYPE_HUB_CONTROL (rd_hub_control_get_type ())
G_DECLARE_INTERFACE (RdHubControl, rd_hub_control, RD, HUB_CONTROL, GObject)

struct _RdHubControlInterface
{
  GTypeInterface parent_iface;

  /* Started and not stopping. */
  gboolean (*is_running)      (RdHubControl *self);
  /* Something agents or administrators see changed (status frames, the status signal). */
  void     (*status_changed)  (RdHubControl *self);
  /* Outbox items became due. */
  void     (*kick_outbox)     (RdHubControl *self);
  /* The phone index should be refreshed from the CRM now. */
  void     (*refresh_index)   (RdHubControl *self);
  /* Stores @settings, reloads them, reports the change. */
  gboolean (*save_settings)   (RdHubControl *self, const RdHubSettings *settings, GError **error);
  /* Reads the settings again (the store was written directly). */
  void     (*reload_settings) (RdHubControl *self);
  /* Wires (or unwires) @pbx to the engine's handling of calls, records and dial failures,
   * before it becomes the PBX: records that arrive while it is verified are kept. */
  void     (*attach_pbx)      (RdHubControl *self, RdPbx *pbx);
  void     (*detach_pbx)      (RdHubControl *self, RdPbx *pbx);
  /* @pbx (attached) becomes the PBX; NULL: none. */
  void     (*set_pbx)         (RdHubControl *self, RdPbx *pbx);
  /* Starts the PBX from the saved settings again. */
  void     (*start_saved_pbx) (RdHubControl *self);
  /* @crm becomes the CRM (NULL: none). */
  void     (*set_crm)         (RdHubControl *self, RdCrm *crm);
};

gboolean rd_hub_control_is_running      (RdHubControl *self);
void     rd_hub_control_status_changed  (RdHubControl *self);
void     rd_hub_control_kick_outbox     (RdHubControl *self);
void     rd_hub_control_refresh_index   (RdHubControl *self);
gboolean rd_hub_control_save_settings   (RdHubControl *self, const RdHubSettings *settings, GError **error);
void     rd_hub_control_reload_settings (RdHubControl *self);
void     rd_hub_control_attach_pbx      (RdHubControl *self, RdPbx *pbx);
void     rd_hub_control_detach_pbx      (RdHubControl *self, RdPbx *pbx);
void     rd_hub_control_set_pbx         (RdHubControl *self, RdPbx *pbx);
void     rd_hub_control_start_saved_pbx (RdHubControl *self);
void     rd_hub_control_set_crm         (RdHubControl *self, RdCrm *crm);

G_END_DECLS
