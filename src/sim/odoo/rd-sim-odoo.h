/* rd-sim-odoo.h — a faithful Odoo simulator on loopback (tests, --demo, benchmarks).
 *
 * Speaks JSON-RPC (`/jsonrpc`: common.version / login / authenticate,
 * object.execute_kw / execute, db.list) in every version and JSON-2
 * (`/json/2/<model>/<method>`, bearer keys, `GET /web/version`) from 19, with
 * in-memory res.partner, crm.lead, res.users, res.groups, res.company,
 * res.country, mail.activity(.type), mail.message(.subtype), ir.model and
 * ir.model.data. The version ("14.0", "15.0", "16.0", "17.0", "saas~17.2",
 * "18.0", "saas~18.2", "19.0", optionally "+e") changes fields (no `mobile` from
 * saas~18.2, `group_ids` on 19, `keep_done`/archived activities from 17),
 * URLs (`/odoo/…` from saas~17.2), transports, method signatures and the
 * `phone_mobile_search` rules of spec §2.3. Errors are Odoo-shaped.
 *
 * Pages for --demo (no login, JS-free, everything HTML-escaped): `/web` lists
 * records, `/mail/view?model=…&res_id=…` shows one with its chatter (from
 * saas~17.2 it redirects to `/odoo/<model>/<id>` like Odoo does), `/odoo/<model>/<id>`.
 *
 * Seed file (rd_sim_odoo_load_seed), JSON:
 *   { "company_country": "CN",
 *     "users":    [ { "login", "name", "email", "api_key", "type": "internal|portal|public", "admin": bool } ],
 *     "partners": [ { "ref", "name", "is_company", "parent": "<ref>", "phone", "mobile", "email", "country" } ],
 *     "leads":    [ { "name", "contact_name", "partner_name", "phone" } ] }
 * `ref` names a partner for later `parent` references; unknown members are errors.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "crm/rd-crm.h"

G_BEGIN_DECLS

#define RD_TYPE_SIM_ODOO (rd_sim_odoo_get_type ())
G_DECLARE_FINAL_TYPE (RdSimOdoo, rd_sim_odoo, RD, SIM_ODOO, GObject)

RdSimOdoo  *rd_sim_odoo_new (const char *version);          /* NULL if the version is not understood */
gboolean    rd_sim_odoo_start (RdSimOdoo *self, GError **error);   /* 127.0.0.1, port 0 */
/* The same over https:// with @certificate (certificate + key). */
gboolean    rd_sim_odoo_start_tls (RdSimOdoo *self, GTlsCertificate *certificate, GError **error);
const char *rd_sim_odoo_get_url (RdSimOdoo *self);
const char *rd_sim_odoo_get_database (RdSimOdoo *self);
gint64      rd_sim_odoo_add_user (RdSimOdoo *self, const char *login, const char *name, const char *email,
                                  const char *api_key, RdCrmUserType type, gboolean admin);
gint64      rd_sim_odoo_add_partner (RdSimOdoo *self, const char *name, const char *phone, const char *mobile,
                                     gboolean is_company, gint64 parent_id, const char *country_code);
gint64      rd_sim_odoo_add_lead (RdSimOdoo *self, const char *name, const char *contact_name,
                                  const char *partner_name, const char *phone);
void        rd_sim_odoo_set_company_country (RdSimOdoo *self, const char *country_code);
/* The CRM setting "Leads" (crm.group_use_lead; on by default here): off, crm.lead records
 * created without a type are opportunities, as Odoo makes them. */
void        rd_sim_odoo_set_leads_enabled (RdSimOdoo *self, gboolean enabled);
gboolean    rd_sim_odoo_load_seed (RdSimOdoo *self, const char *json_path, GError **error);
void        rd_sim_odoo_bulk_add_partners (RdSimOdoo *self, guint count, guint seed);
void        rd_sim_odoo_archive (RdSimOdoo *self, const char *model, gint64 id);
void        rd_sim_odoo_set_phone (RdSimOdoo *self, const char *model, gint64 id, const char *phone);
/* inspection for tests */
GPtrArray  *rd_sim_odoo_messages_for (RdSimOdoo *self, const char *model, gint64 id);   /* bodies, char* */
guint       rd_sim_odoo_count_records (RdSimOdoo *self, const char *model);             /* active+archived */
guint       rd_sim_odoo_count_open_activities (RdSimOdoo *self, const char *model, gint64 id);
/* The outgoing e-mail queue (mail.mail): how many, and their subjects. */
guint       rd_sim_odoo_count_mails (RdSimOdoo *self);
/* Ids of the chatter messages of a record, oldest first (read them with rd_sim_odoo_read). */
GArray     *rd_sim_odoo_message_ids_for (RdSimOdoo *self, const char *model, gint64 id);
/* misbehaviour */
void        rd_sim_odoo_set_delay (RdSimOdoo *self, guint ms);
void        rd_sim_odoo_set_down (RdSimOdoo *self, gboolean down);         /* connections are closed unanswered */
/* Queued per request: "500", "503", "malformed", "access-denied", "access-error", "user-error",
 * "timeout" (never answers), "none" (answers normally: lets a later request fail). */
void        rd_sim_odoo_fail_next (RdSimOdoo *self, const char *kind, guint count);
void        rd_sim_odoo_revoke_key (RdSimOdoo *self, const char *api_key);

/* Extras (additive). */
/* Modules "crm" and "phone_validation" (both installed by default); before any record is added. */
void        rd_sim_odoo_set_installed (RdSimOdoo *self, const char *module, gboolean installed);
/* Fixed clock for create/write dates (unix seconds); 0 = real time. */
void        rd_sim_odoo_set_clock (RdSimOdoo *self, gint64 unix_time);
void        rd_sim_odoo_set_user_tz (RdSimOdoo *self, gint64 user_id, const char *tz);
void        rd_sim_odoo_delete (RdSimOdoo *self, const char *model, gint64 id);
/* One stored text field of a record (NULL when empty or the record does not exist): cheaper
 * than rd_sim_odoo_read(), which computes every field, one2many ones included. */
char       *rd_sim_odoo_get_string (RdSimOdoo *self, const char *model, gint64 id, const char *field);
/* One record as `read` returns it (all fields), or NULL. */
JsonObject *rd_sim_odoo_read (RdSimOdoo *self, const char *model, gint64 id);
/* Ids of the open (active) activities on a record. */
GArray     *rd_sim_odoo_open_activities (RdSimOdoo *self, const char *model, gint64 id);
/* Marks an activity done as its assignee would (action_feedback): the "… done"
 * message is posted and the activity deleted or archived, per version and type. */
gboolean    rd_sim_odoo_activity_done (RdSimOdoo *self, gint64 activity_id, const char *feedback);
/* Requests served: "jsonrpc", "json2" or "all". */
guint       rd_sim_odoo_count_requests (RdSimOdoo *self, const char *transport);
/* A login password, accepted by RPC wherever a key is (common.authenticate, execute_kw), as Odoo
 * does for users without 2FA; JSON-2 (bearer) takes keys only. */
void        rd_sim_odoo_set_password (RdSimOdoo *self, const char *login, const char *password);
/* res.users' login cooldown: after @after failed logins from one address, every login from it is
 * refused (authenticate gives false) until @seconds after the last failure; a success clears the
 * count. On by default with Odoo's defaults (10, 60 s); @after 0 turns it off. */
void        rd_sim_odoo_set_login_cooldown (RdSimOdoo *self, guint after, guint seconds);
guint       rd_sim_odoo_count_login_failures (RdSimOdoo *self);
gboolean    rd_sim_odoo_login_on_cooldown (RdSimOdoo *self, const char *source);   /* NULL = 127.0.0.1 */
/* The body of the last API request (secrets included: tests only). */
const char *rd_sim_odoo_last_request (RdSimOdoo *self);
/* Model method calls served (execute_kw and JSON-2), e.g. ("res.partner", "search_read"). */
guint       rd_sim_odoo_count_calls (RdSimOdoo *self, const char *model, const char *method);
/* Zeroes the request and call counters and the in-flight high-water mark. */
void        rd_sim_odoo_reset_counts (RdSimOdoo *self);
/* With rd_sim_odoo_set_delay(): @workers requests are served at a time, the others wait
 * their turn (first come, first served), as an Odoo with that many workers (1: one Python
 * thread at a time). 0 (the default): every request waits the delay on its own. */
void        rd_sim_odoo_set_workers (RdSimOdoo *self, guint workers);
/* The most requests held by the delay at once (requests in flight), since the last reset. */
guint       rd_sim_odoo_max_in_flight (RdSimOdoo *self);

G_END_DECLS
