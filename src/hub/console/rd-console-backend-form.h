/* rd-console-backend-form.h — the part of the PBX and CRM forms that belongs to the backend: the
 * Kind select (when the hub has more than one backend of that family) and the backend's own
 * settings, built from its option table as the hub's list-backends command gives it
 * (hub/rd-backend-list.h), so a new backend needs no console code.
 *
 * A page first loads the list (rd_console_backend_form_load()); the calls below then read it
 * from the request. Field names are the admin API's ("client_id"); texts are translated into the
 * request's language; a secret is never written into the page. Switching the kind is a submit
 * (do=kind) that re-renders the form: no script needed. */
#pragma once

#include "hub/console/rd-console-request.h"

G_BEGIN_DECLS

/* Runs list-backends, keeps its answer on @req, then calls @then (with the command's error, if any). */
void        rd_console_backend_form_load     (RdConsoleRequest *req, RdConsoleDone then);

/* The backend the form is for (@family "pbx" or "crm"): the submitted kind if the hub has it, else
 * @saved_kind (the status's), else the default. NULL only when the list is not loaded. */
JsonObject *rd_console_backend_form_chosen   (RdConsoleRequest *req, const char *family, const char *saved_kind);

/* The Kind select and its "Show its settings" button, or (a single backend) a hidden kind. */
void        rd_console_backend_form_kind     (RdConsoleRequest *req, RdHtml *html, const char *family,
                                              JsonObject *chosen);

/* The settings of @backend: the submitted values when @from_request, else @saved (the status's
 * "options", or NULL); @secret_kept is the text a secret field shows when it may stay empty
 * (a saved or tested secret), or NULL (a required secret is then required). */
void        rd_console_backend_form_fields   (RdConsoleRequest *req, RdHtml *html, JsonObject *backend,
                                              gboolean from_request, JsonObject *saved, const char *secret_kept);

/* The kind and the submitted settings of @backend that are not secrets, as hidden inputs. */
void        rd_console_backend_form_hidden   (RdConsoleRequest *req, RdHtml *html, JsonObject *backend);

/* The kind and the submitted settings of @backend into an admin request: trimmed, empty ones left
 * out, secrets as typed. */
void        rd_console_backend_form_to_body  (RdConsoleRequest *req, JsonObject *backend, JsonObject *body);

/* "kind\nvalue\n…" of @backend's submitted identity settings (what names the account). Free it. */
char       *rd_console_backend_form_identity (RdConsoleRequest *req, JsonObject *backend);

G_END_DECLS
