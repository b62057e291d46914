/* ringdesk-hub — the integration hub: `serve` runs it, every other command
 * administers the running hub through its local admin socket. */
#include "config.h"

#include "core/rd-error.h"
#include "core/rd-text.h"
#include "hub/rd-admin-client.h"
#include "hub/rd-backend-list.h"
#include "hub/rd-hub-config.h"
#include "hub/rd-hub.h"
#include "hub/rd-secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <locale.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define EXIT_USAGE 2

static const char usage_text[] =
  "Usage: ringdesk-hub [--config PATH] [--socket PATH] COMMAND [ARGUMENTS]\n"
  "\n"
  "Run the hub:\n"
  "  serve                              run in the foreground (logs to stderr)\n"
  "\n"
  "Administer the running hub:\n"
  "  status [--json]                    connection states, settings, queue\n"
  "  backends [--json]                  the PBX and CRM backends this program has and their\n"
  "                                     own settings (for --kind and --set; no hub needed)\n"
  "  connect-crm --url URL --database DB --login LOGIN [--api-key-file FILE]\n"
  "              [--cert-sha256 HEX] [--log-style activity|note] [--insecure-http]\n"
  "                                     (alias connect-odoo; the key is read from the file,\n"
  "                                      else prompted for, else read from stdin)\n"
  "  connect-pbx --url URL --client-id ID [--secret-file FILE] [--cert-sha256 HEX]\n"
  "              [--time-zone ZONE] [--insecure-http]\n"
  "                                     (--insecure-http: allow plain http:// to another computer)\n"
  "  connect-crm, test-crm and connect-pbx also take [--kind KIND] [--set NAME=VALUE]…\n"
  "              [--set-file NAME=FILE]…: the backend and its own settings by name (a secret\n"
  "              one only from a file, \"-\" for stdin; a wrong name lists the backend's)\n"
  "  users [--json]                     CRM users and their extensions\n"
  "  extensions [--json]                PBX extensions and their users\n"
  "  bind --auto [--dry-run]            bind internal users whose e-mail equals an extension's\n"
  "  bind EXTENSION USER [--force]      bind by user id, login or e-mail (--force: a portal or\n"
  "                                     public user)\n"
  "  unbind EXTENSION\n"
  "  sync on|off [--kinds individual,company,lead] [--phonebook NAME|ID]\n"
  "  autocreate on|off [--calls inbound,outbound] [--as individual|lead] [--prefix TEXT]\n"
  "  region CODE|auto                   default country for numbers without one\n"
  "  enable | disable                   resume / pause all CRM work (settings are kept)\n"
  "  disconnect                         forget the CRM, its bindings and options\n"
  "  agent-key EXTENSION [--output FILE] issue a desktop sign-in key (shown once; FILE is 0600)\n"
  "  agent-keys [--json]                agent keys: extension, user, created, last used\n"
  "  revoke KEY-ID | --extension EXT    revoke an agent key and end its sessions\n"
  "  admin-link                         a one-time link to the web console (15 minutes)\n"
  "  test-crm (as connect-crm)          verify CRM credentials without saving; shows version, features\n"
  "  certificate URL                    the certificate an https:// server presents (to pin it)\n"
  "  logging activity|note              how calls are written in the CRM\n"
  "  outbox [--failed] [--json]         CRM writes waiting or failed\n"
  "  retry ID | --all-failed            send outbox items again now\n"
  "  calls [--limit N] [--json]         recent calls of every extension, CRM record, log state\n"
  "  audit [--limit N] [--json]         who changed what, when\n"
  "  (connect-crm --keep-key and connect-pbx --keep-secret keep the saved secret)\n";

static int
usage_error (const char *message)
{
  if (message != NULL)
    g_printerr ("ringdesk-hub: %s\n", message);
  g_printerr ("%s", usage_text);
  return EXIT_USAGE;
}

/* ---- option parsing ------------------------------------------------------------ */

typedef struct {
  GPtrArray  *positional;   /* char*, not owned */
  GHashTable *options;      /* name → value (not owned; "" for flags) */
  GPtrArray  *sets;         /* "NAME=VALUE" of every --set, in order (not owned) */
  GPtrArray  *set_files;    /* "NAME=FILE" of every --set-file (not owned) */
} Args;

static void
args_clear (Args *args)
{
  g_clear_pointer (&args->positional, g_ptr_array_unref);
  g_clear_pointer (&args->options, g_hash_table_unref);
  g_clear_pointer (&args->sets, g_ptr_array_unref);
  g_clear_pointer (&args->set_files, g_ptr_array_unref);
}

/* @with_value: NULL-terminated option names that take a value; others are flags. */
static gboolean
args_parse (Args *args, int argc, char **argv, const char * const *with_value, const char * const *flags,
            GError **error)
{
  args->positional = g_ptr_array_new ();
  args->options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  args->sets = g_ptr_array_new ();
  args->set_files = g_ptr_array_new ();

  for (int i = 0; i < argc; i++)
    {
      const char *arg = argv[i];
      g_autofree char *name = NULL;
      const char *value = NULL;
      const char *eq;
      gboolean known = FALSE;

      if (!g_str_has_prefix (arg, "--"))
        {
          g_ptr_array_add (args->positional, (char *) arg);
          continue;
        }
      eq = strchr (arg, '=');
      name = eq != NULL ? g_strndup (arg + 2, eq - arg - 2) : g_strdup (arg + 2);
      for (guint j = 0; with_value != NULL && with_value[j] != NULL; j++)
        if (g_str_equal (with_value[j], name))
          {
            known = TRUE;
            if (eq != NULL)
              value = eq + 1;
            else if (i + 1 < argc)
              value = argv[++i];
            else
              {
                g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "--%s needs a value", name);
                return FALSE;
              }
          }
      for (guint j = 0; !known && flags != NULL && flags[j] != NULL; j++)
        if (g_str_equal (flags[j], name) && eq == NULL)
          {
            known = TRUE;
            value = "";
          }
      if (!known)
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Unknown option --%s", name);
          return FALSE;
        }
      if (g_str_equal (name, "set") || g_str_equal (name, "set-file"))   /* repeatable */
        g_ptr_array_add (g_str_equal (name, "set") ? args->sets : args->set_files, (char *) value);
      else
        g_hash_table_replace (args->options, g_steal_pointer (&name), (char *) value);
    }
  return TRUE;
}

static const char *
opt (Args *args, const char *name)
{
  return g_hash_table_lookup (args->options, name);
}

/* ---- secrets from a file, a prompt or stdin (never argv) --------------------------- */

static void wipe_free (char *secret);

/* "ODOO_KEY=abc…", "export KEY='abc'": a shell/env file, not the bare secret. A base64
 * secret's "=" padding does not count (nothing follows it). */
static gboolean
looks_like_assignment (const char *text)
{
  const char *p = text;

  if (g_str_has_prefix (p, "export "))
    p += strlen ("export ");
  if (!g_ascii_isalpha (*p) && *p != '_')
    return FALSE;
  while (g_ascii_isalnum (*p) || *p == '_')
    p++;
  return *p == '=' && p[1] != '\0' && p[1] != '=';
}

/* ---- a backend's own settings -------------------------------------------------------- */

static char *read_secret (const char *file, const char *prompt, GError **error);

typedef struct {
  const char *flag;        /* the command's own flag ("client-id") */
  const char *option;      /* the backend setting it gives ("client-id") */
  gboolean    from_file;   /* the flag names a file holding the value (a secret) */
} OptionAlias;

static char *
settings_list (const RdOptionSpec *specs)
{
  GString *list = g_string_new (NULL);

  for (guint i = 0; specs != NULL && specs[i].name != NULL; i++)
    g_string_append_printf (list, "%s%s (%s%s)", i > 0 ? ", " : "", specs[i].name, specs[i].label,
                            (specs[i].flags & RD_OPTION_SECRET) ? ", secret" : "");
  return g_string_free (list, FALSE);
}

static void
wipe_value (gpointer value)
{
  wipe_free (value);
}

/* Puts the backend's own settings into @body as the admin API takes them (NAME with '_' for
 * '-'): the command's own flags in @aliases (the built-in backends' settings, kept as they
 * were), each --set NAME=VALUE, each --set-file NAME=FILE ("-": standard input). A secret
 * setting never comes from the command line: a required one that was not given is prompted
 * for (or read from stdin) unless @keep (the hub keeps the saved one). A wrong or missing
 * setting is a usage error (*@usage). */
static gboolean
add_backend_options (Args *args, const char *what, const char *kind, const RdOptionSpec *specs,
                     const OptionAlias *aliases, gboolean keep, JsonObject *body, gboolean *usage,
                     GError **error)
{
  g_autoptr(GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, wipe_value);
  g_autofree char *known = settings_list (specs);

  *usage = TRUE;
  for (guint i = 0; aliases != NULL && aliases[i].flag != NULL; i++)
    if (opt (args, aliases[i].flag) != NULL && !aliases[i].from_file)
      g_hash_table_replace (values, (char *) aliases[i].option, g_strdup (opt (args, aliases[i].flag)));
  for (guint i = 0; i < args->sets->len + args->set_files->len; i++)
    {
      gboolean file = i >= args->sets->len;
      const char *item = file ? args->set_files->pdata[i - args->sets->len] : args->sets->pdata[i];
      const char *eq = strchr (item, '=');
      g_autofree char *name = eq != NULL ? g_strndup (item, eq - item) : NULL;
      const RdOptionSpec *spec = name != NULL ? rd_option_spec_find (specs, name) : NULL;

      if (eq == NULL)
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "--%s takes NAME=%s, not “%s”",
                       file ? "set-file" : "set", file ? "FILE" : "VALUE", item);
          return FALSE;
        }
      if (spec == NULL)
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The %s backend “%s” has no setting “%s” (its settings: %s)",
                       what, kind, name, *known != '\0' ? known : "none");
          return FALSE;
        }
      if (!file && (spec->flags & RD_OPTION_SECRET))
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                       "“%s” is a secret: give it with --set-file %s=FILE (\"-\" reads it from standard input), "
                       "never on the command line", name, name);
          return FALSE;
        }
      if (!file)
        g_hash_table_replace (values, (char *) spec->name, g_strdup (eq + 1));
    }
  for (guint i = 0; specs != NULL && specs[i].name != NULL; i++)
    if ((specs[i].flags & RD_OPTION_REQUIRED) && !(specs[i].flags & RD_OPTION_SECRET) &&
        !g_hash_table_contains (values, specs[i].name))
      {
        g_autofree char *flag = NULL;

        for (guint j = 0; aliases != NULL && aliases[j].flag != NULL; j++)
          if (g_str_equal (aliases[j].option, specs[i].name))
            flag = g_strdup_printf ("--%s or ", aliases[j].flag);
        g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The %s is required: give %s--set %s=VALUE",
                     specs[i].label, flag != NULL ? flag : "", specs[i].name);
        return FALSE;
      }

  /* the secrets last, once the rest is known to be complete */
  *usage = FALSE;
  for (guint i = 0; i < args->set_files->len; i++)
    {
      const char *item = args->set_files->pdata[i];
      const char *eq = strchr (item, '=');
      g_autofree char *name = g_strndup (item, eq - item);
      const RdOptionSpec *spec = rd_option_spec_find (specs, name);
      char *value = read_secret (g_str_equal (eq + 1, "-") ? NULL : eq + 1, spec->label, error);

      if (value == NULL)
        return FALSE;
      g_hash_table_replace (values, (char *) spec->name, value);
    }
  for (guint i = 0; aliases != NULL && aliases[i].flag != NULL; i++)
    if (aliases[i].from_file && !g_hash_table_contains (values, aliases[i].option) &&
        rd_option_spec_find (specs, aliases[i].option) != NULL &&
        (opt (args, aliases[i].flag) != NULL || !keep))
      {
        const RdOptionSpec *spec = rd_option_spec_find (specs, aliases[i].option);
        char *value = read_secret (opt (args, aliases[i].flag), spec->label, error);

        if (value == NULL)
          return FALSE;
        g_hash_table_replace (values, (char *) spec->name, value);
      }
  for (guint i = 0; !keep && specs != NULL && specs[i].name != NULL; i++)
    if ((specs[i].flags & RD_OPTION_REQUIRED) && (specs[i].flags & RD_OPTION_SECRET) &&
        !g_hash_table_contains (values, specs[i].name))
      {
        char *value = read_secret (NULL, specs[i].label, error);

        if (value == NULL)
          return FALSE;
        g_hash_table_replace (values, (char *) specs[i].name, value);
      }

  for (guint i = 0; specs != NULL && specs[i].name != NULL; i++)
    {
      const char *value = g_hash_table_lookup (values, specs[i].name);
      g_autofree char *member = NULL;

      if (value == NULL)
        continue;
      member = g_strdelimit (g_strdup (specs[i].name), "-", '_');
      json_object_set_string_member (body, member, value);
    }
  if (kind != NULL)
    json_object_set_string_member (body, "kind", kind);
  return TRUE;
}

static char *
read_secret (const char *file, const char *prompt, GError **error)
{
  char buffer[4097];
  size_t len;

  if (file != NULL)
    {
      char *secret = rd_secrets_read_file (file, error);

      if (secret != NULL && looks_like_assignment (secret))
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                       "%s holds a “NAME=value” line: the file must hold the %s alone on its first line "
                       "(no name, no “=”, no quotes; a trailing newline is fine)", file, prompt);
          wipe_free (secret);
          return NULL;
        }
      return secret;
    }

  if (isatty (STDIN_FILENO))
    {
      struct termios old_mode, quiet;
      gboolean restore = tcgetattr (STDIN_FILENO, &old_mode) == 0;

      fprintf (stderr, "%s: ", prompt);
      fflush (stderr);
      if (restore)
        {
          quiet = old_mode;
          quiet.c_lflag &= ~(tcflag_t) ECHO;
          tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
        }
      if (fgets (buffer, sizeof buffer, stdin) == NULL)
        buffer[0] = '\0';
      if (restore)
        tcsetattr (STDIN_FILENO, TCSAFLUSH, &old_mode);
      fprintf (stderr, "\n");
    }
  else if (fgets (buffer, sizeof buffer, stdin) == NULL)
    buffer[0] = '\0';

  len = strcspn (buffer, "\r\n");
  buffer[len] = '\0';
  if (len == 0)
    {
      explicit_bzero (buffer, sizeof buffer);
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "No %s given", prompt);
      return NULL;
    }
  {
    char *secret = g_strdup (buffer);

    explicit_bzero (buffer, sizeof buffer);
    return secret;
  }
}

/* A private file for an agent key: created 0600 (or an existing regular file made 0600 and
 * emptied), never through a symbolic link. */
static int
open_key_file (const char *path, GError **error)
{
  struct stat st;
  int fd = open (path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Cannot write %s: %s", path, g_strerror (saved));
      return -1;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || fchmod (fd, 0600) != 0 || ftruncate (fd, 0) != 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "%s is not a file this user can make private", path);
      close (fd);
      return -1;
    }
  return fd;
}

static gboolean
write_key (int fd, const char *key, GError **error)
{
  g_autofree char *line = g_strconcat (key, "\n", NULL);
  gsize length = strlen (line), done = 0;

  while (done < length)
    {
      ssize_t n = write (fd, line + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = errno;

          explicit_bzero (line, length);
          g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Cannot write the key: %s", g_strerror (saved));
          return FALSE;
        }
      done += (gsize) n;
    }
  explicit_bzero (line, length);
  if (fsync (fd) != 0)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_FAILED, "Cannot write the key: %s", g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static void
protect_stdout_file (void)
{
  struct stat st;

  if (fstat (STDOUT_FILENO, &st) == 0 && S_ISREG (st.st_mode) && (st.st_mode & 0077) != 0)
    {
      if (fchmod (STDOUT_FILENO, 0600) == 0)
        g_printerr ("The output file was readable by others; it is now private (mode 0600). "
                    "Next time use --output FILE.\n");
      else
        g_printerr ("WARNING: the output file is readable by others and could not be made private: "
                    "remove it, and use --output FILE.\n");
    }
}

static void
wipe_free (char *secret)
{
  if (secret != NULL)
    {
      explicit_bzero (secret, strlen (secret));
      g_free (secret);
    }
}

/* ---- output --------------------------------------------------------------------- */

/* Names, e-mails and messages in replies come from the CRM and the PBX, where anyone who can
 * edit a contact or a user types them: printed as they are, an ESC sequence would drive the
 * administrator's terminal. Human output shows them cleaned (core/rd-text.h); --json escapes
 * control characters itself. */
static void
clean_strings (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        clean_strings (member);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        clean_strings (json_array_get_element (array, i));
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
           !rd_text_is_clean (json_node_get_string (node)))
    {
      g_autofree char *clean = rd_text_clean (json_node_get_string (node));

      json_node_set_string (node, clean);
    }
}

static void
print_json (JsonObject *object, const char *member)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  if (member != NULL && json_object_has_member (object, member))
    node = json_node_copy (json_object_get_member (object, member));
  else
    node = json_node_init_object (json_node_alloc (), object);
  text = json_to_string (node, TRUE);
  g_print ("%s\n", text);
}

static const char *
str (JsonObject *object, const char *name)
{
  const char *value = object ? json_object_get_string_member_with_default (object, name, NULL) : NULL;

  return value != NULL ? value : "-";
}

/* "  client-id abc  time-zone Europe/Berlin\n": a backend's own settings from the status (secrets
 * are never in it), by the names --set takes. */
static void
print_options (JsonObject *part)
{
  JsonObject *options = part != NULL && json_object_has_member (part, "options")
                        ? json_object_get_object_member (part, "options") : NULL;
  g_autoptr(GList) names = options != NULL ? json_object_get_members (options) : NULL;

  names = g_list_sort (names, (GCompareFunc) g_strcmp0);
  for (GList *l = names; l != NULL; l = l->next)
    {
      g_autofree char *name = g_strdelimit (g_strdup (l->data), "_", '-');

      g_print ("  %s %s", name, str (options, l->data));
    }
  g_print ("\n");
}

/* `backends`: each backend of the registry and its own settings. */
static void
print_backends (JsonObject *list)
{
  static const char * const parts[] = { "pbx", "crm" };

  for (guint p = 0; p < G_N_ELEMENTS (parts); p++)
    {
      JsonArray *backends = json_object_get_array_member (list, parts[p]);

      g_print ("%s backends:\n", p == 0 ? "PBX" : "CRM");
      for (guint i = 0; i < json_array_get_length (backends); i++)
        {
          JsonObject *backend = json_array_get_object_element (backends, i);
          JsonArray *options = json_object_get_array_member (backend, "options");

          g_print ("  %s  %s%s\n", str (backend, "kind"), str (backend, "name"),
                   json_object_get_boolean_member (backend, "default") ? "  (default)" : "");
          if (json_array_get_length (options) == 0)
            g_print ("    (no settings of its own)\n");
          for (guint j = 0; j < json_array_get_length (options); j++)
            {
              JsonObject *option = json_array_get_object_element (options, j);
              g_autoptr(GString) traits = g_string_new (str (option, "type"));
              JsonArray *choices = json_object_has_member (option, "choices")
                                   ? json_object_get_array_member (option, "choices") : NULL;
              static const char * const flags[] = { "required", "secret", "identity" };

              for (guint k = 0; choices != NULL && k < json_array_get_length (choices); k++)
                g_string_append_printf (traits, "%s%s", k == 0 ? ": " : "|", json_array_get_string_element (choices, k));
              for (guint k = 0; k < G_N_ELEMENTS (flags); k++)
                if (json_object_get_boolean_member_with_default (option, flags[k], FALSE))
                  g_string_append_printf (traits, ", %s", flags[k]);
              g_print ("    %-16s %-24s %s\n", str (option, "name"), str (option, "title"), traits->str);
            }
        }
    }
}

static void
print_status (JsonObject *status)
{
  JsonObject *pbx = json_object_get_object_member (status, "pbx");
  JsonObject *crm = json_object_get_object_member (status, "crm");
  JsonObject *sync = json_object_get_object_member (status, "sync");
  JsonObject *autocreate = json_object_get_object_member (status, "autocreate");
  JsonObject *outbox = json_object_get_object_member (status, "outbox");

  g_print ("Hub:         %s (version %s), agents on port %" G_GINT64_FORMAT "%s\n", str (status, "hub"),
           str (status, "version"), json_object_get_int_member_with_default (status, "port", 0),
           json_object_get_boolean_member_with_default (status, "tls", FALSE) ? " (TLS)" : "");
  if (json_object_has_member (status, "console_url"))
    g_print ("Web console: %s\n", str (status, "console_url"));
  g_print ("PBX:         %s  %s  %s", str (pbx, "state"), str (pbx, "kind"), str (pbx, "url"));
  print_options (pbx);
  if (pbx != NULL && json_object_get_string_member_with_default (pbx, "message", NULL) != NULL)
    g_print ("             %s\n", str (pbx, "message"));
  g_print ("CRM:         %s  %s  %s", str (crm, "state"), str (crm, "kind"), str (crm, "url"));
  print_options (crm);
  g_print ("             login %s  version %s\n", str (crm, "login"), str (crm, "version"));
  if (crm != NULL && json_object_get_string_member_with_default (crm, "message", NULL) != NULL)
    g_print ("             %s\n", str (crm, "message"));
  g_print ("Region:      %s\n", str (crm, "region"));
  if (crm != NULL && json_object_get_string_member_with_default (crm, "region_note", NULL) != NULL)
    g_print ("             %s\n", str (crm, "region_note"));
  g_print ("Bindings:    %" G_GINT64_FORMAT ", agents signed in: %" G_GINT64_FORMAT "\n",
           json_object_get_int_member_with_default (status, "bindings", 0),
           json_object_get_int_member_with_default (status, "agents", 0));
  if (sync != NULL)
    g_print ("Sync:        %s  kinds %s  phonebook %s (%" G_GINT64_FORMAT ")\n",
             json_object_get_boolean_member_with_default (sync, "enabled", FALSE) ? "on" : "off",
             str (sync, "kinds"), str (sync, "phonebook"),
             json_object_get_int_member_with_default (sync, "phonebook_id", 0));
  if (autocreate != NULL)
    {
      g_print ("Auto-create: %s  calls %s  as %s  prefix “%s”\n",
               json_object_get_boolean_member_with_default (autocreate, "enabled", FALSE) ? "on" : "off",
               str (autocreate, "calls"), str (autocreate, "as"), str (autocreate, "prefix"));
      if (json_object_get_string_member_with_default (autocreate, "note", NULL) != NULL)
        g_print ("             %s\n", str (autocreate, "note"));
    }
  if (outbox != NULL)
    g_print ("Queue:       %" G_GINT64_FORMAT " pending, %" G_GINT64_FORMAT " done, %" G_GINT64_FORMAT " failed\n",
             json_object_get_int_member_with_default (outbox, "pending", 0),
             json_object_get_int_member_with_default (outbox, "done", 0),
             json_object_get_int_member_with_default (outbox, "dead", 0));
  {
    JsonObject *index = json_object_has_member (status, "index") ? json_object_get_object_member (status, "index") : NULL;
    g_autofree char *filling = NULL;

    if (index != NULL && json_object_get_boolean_member_with_default (index, "filling", FALSE))
      {
        gint64 window = json_object_get_int_member_with_default (index, "window", 1);

        filling = g_strdup_printf (" (filling: %.0f %%, %" G_GINT64_FORMAT " request%s at a time)",
                                   100 * json_object_get_double_member_with_default (index, "fill_progress", 0),
                                   window, window == 1 ? "" : "s");
      }
    else if (!json_object_get_boolean_member_with_default (status, "index_ready", FALSE))
      filling = g_strdup (" (filling)");
    g_print ("Phone index: %" G_GINT64_FORMAT " numbers%s\n",
             json_object_get_int_member_with_default (status, "index_numbers", 0), filling ? filling : "");
    if (index != NULL)
      g_print ("             %" G_GINT64_FORMAT " records read, %" G_GINT64_FORMAT
               " deleted or archived ones dropped since the hub started\n",
               json_object_get_int_member_with_default (index, "written", 0),
               json_object_get_int_member_with_default (index, "removed", 0));
  }
  if (json_object_has_member (status, "warnings"))
    {
      JsonArray *warnings = json_object_get_array_member (status, "warnings");

      for (guint i = 0; warnings != NULL && i < json_array_get_length (warnings); i++)
        g_print ("WARNING:     %s\n", json_array_get_string_element (warnings, i));
    }
}

/* Columns of text as a terminal shows them: CJK and other wide characters take two cells,
 * combining marks none; a longer text is cut with "…". */
static guint
display_width (const char *text)
{
  guint width = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iszerowidth (c) || g_unichar_iscntrl (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

static void
append_cell (GString *line, const char *text, guint width)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "-", -1);
  guint used = 0;

  if (display_width (valid) <= width)
    {
      for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
        if (!g_unichar_iscntrl (g_utf8_get_char (p)))
          g_string_append_unichar (line, g_utf8_get_char (p));
      used = display_width (valid);
    }
  else
    {
      for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);
          guint w = g_unichar_iszerowidth (c) || g_unichar_iscntrl (c) ? 0 : g_unichar_iswide (c) ? 2 : 1;

          if (g_unichar_iscntrl (c))
            continue;
          if (used + w > width - 1)
            break;
          g_string_append_unichar (line, c);
          used += w;
        }
      g_string_append (line, "…");
      used++;
    }
  for (; used < width; used++)
    g_string_append_c (line, ' ');
  g_string_append_c (line, ' ');
}

static void
print_users (JsonArray *users)
{
  g_print ("%-8s %-30s %-32s %-9s %s\n", "ID", "NAME", "E-MAIL", "TYPE", "EXTENSION");
  for (guint i = 0; users != NULL && i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);
      g_autoptr(GString) line = g_string_new (NULL);
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member_with_default (user, "id", 0));

      append_cell (line, id, 8);
      append_cell (line, str (user, "name"), 30);
      append_cell (line, str (user, "email"), 32);
      append_cell (line, str (user, "type"), 9);
      g_string_append (line, str (user, "extension"));
      g_print ("%s\n", line->str);
    }
}

static void
print_time (gint64 unix_time, char buffer[32])
{
  g_autoptr(GDateTime) when = unix_time > 0 ? g_date_time_new_from_unix_local (unix_time) : NULL;
  g_autofree char *text = when != NULL ? g_date_time_format (when, "%Y-%m-%d %H:%M") : NULL;

  g_strlcpy (buffer, text != NULL ? text : "never", 32);
}

static void
print_agent_keys (JsonArray *keys)
{
  g_print ("%-6s %-10s %-30s %-16s %-16s %s\n", "ID", "EXTENSION", "USER", "CREATED", "LAST USED", "SESSIONS");
  for (guint i = 0; keys != NULL && i < json_array_get_length (keys); i++)
    {
      JsonObject *key = json_array_get_object_element (keys, i);
      JsonNode *user_node = json_object_get_member (key, "user");
      JsonObject *user = user_node != NULL && JSON_NODE_HOLDS_OBJECT (user_node) ? json_node_get_object (user_node) : NULL;
      JsonNode *used = json_object_get_member (key, "last_used");
      char created[32], last[32];

      print_time (json_object_get_int_member_with_default (key, "created", 0), created);
      print_time (used != NULL && JSON_NODE_HOLDS_VALUE (used) ? json_node_get_int (used) : 0, last);
      g_print ("%-6" G_GINT64_FORMAT " %-10s %-30s %-16s %-16s %" G_GINT64_FORMAT "\n",
               json_object_get_int_member_with_default (key, "id", 0), str (key, "extension"),
               user != NULL ? str (user, "name") : "(unbound extension)", created, last,
               json_object_get_int_member_with_default (key, "sessions", 0));
    }
}

static void
print_extensions (JsonArray *extensions)
{
  g_print ("%-10s %-30s %-32s %-4s %s\n", "EXTENSION", "NAME", "E-MAIL", "KEY", "BOUND USER");
  for (guint i = 0; extensions != NULL && i < json_array_get_length (extensions); i++)
    {
      JsonObject *ext = json_array_get_object_element (extensions, i);
      JsonNode *user_node = json_object_get_member (ext, "user");
      JsonObject *user = user_node != NULL && JSON_NODE_HOLDS_OBJECT (user_node) ? json_node_get_object (user_node) : NULL;
      g_autoptr(GString) line = g_string_new (NULL);

      append_cell (line, str (ext, "number"), 10);
      append_cell (line, str (ext, "name"), 30);
      append_cell (line, str (ext, "email"), 32);
      append_cell (line, json_object_get_boolean_member_with_default (ext, "agent_key", FALSE) ? "yes" : "no", 4);
      g_string_append (line, user != NULL ? str (user, "name") : "(unbound)");
      g_print ("%s\n", line->str);
    }
}

static void
print_crm_features (JsonObject *crm)
{
  g_print ("Version:      %s%s\n", str (crm, "version"),
           json_object_get_boolean_member_with_default (crm, "enterprise", FALSE) ? " (Enterprise)" : "");
  g_print ("Leads:        %s\n", json_object_get_boolean_member_with_default (crm, "leads", FALSE) ? "yes" : "no");
  g_print ("Mobile field: %s\n", json_object_get_boolean_member_with_default (crm, "mobile", FALSE) ? "yes" : "no");
  g_print ("Phone search: %s\n", json_object_get_boolean_member_with_default (crm, "phone_search", FALSE) ? "yes" : "no");
  g_print ("Country:      %s\nTime zone:    %s\n", str (crm, "country"), str (crm, "timezone"));
}

static char *
format_time (JsonObject *object, const char *member)
{
  gint64 t = json_object_get_int_member_with_default (object, member, 0);
  g_autoptr(GDateTime) time = t > 0 ? g_date_time_new_from_unix_local (t) : NULL;

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M") : g_strdup ("-");
}

/* outbox, calls, audit as text. */
static void
print_rows (const char *command, JsonArray *rows)
{
  if (g_str_equal (command, "outbox"))
    g_print ("%-8s %-16s %-17s %-8s %s\n", "ID", "KIND", "QUEUED", "STATE", "LAST ERROR");
  else if (g_str_equal (command, "calls"))
    g_print ("%-16s %-9s %-6s %-18s %-10s %-24s %s\n", "START", "DIRECTION", "EXT", "OTHER PARTY", "OUTCOME",
             "CRM RECORD", "LOG");
  else
    g_print ("%-16s %-28s %-18s %s\n", "TIME", "WHO", "WHAT", "DETAILS");
  for (guint i = 0; rows != NULL && i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);

      if (g_str_equal (command, "outbox"))
        {
          g_autofree char *created = format_time (row, "created");

          g_print ("%-8" G_GINT64_FORMAT " %-16s %-17s %-8s %s\n", json_object_get_int_member_with_default (row, "id", 0),
                   str (row, "kind"), created, str (row, "state"), str (row, "last_error"));
        }
      else if (g_str_equal (command, "calls"))
        {
          g_autofree char *start = format_time (row, "start");
          JsonNode *match = json_object_get_member (row, "match");
          JsonNode *log = json_object_get_member (row, "log");
          gboolean inbound = g_strcmp0 (str (row, "direction"), "inbound") == 0;

          g_print ("%-16s %-9s %-6s %-18s %-10s %-24s %s\n", start, str (row, "direction"), str (row, "extension"),
                   str (row, inbound ? "from" : "to"), str (row, "outcome"),
                   match != NULL && JSON_NODE_HOLDS_OBJECT (match) ? str (json_node_get_object (match), "name") : "-",
                   log != NULL && JSON_NODE_HOLDS_OBJECT (log) ? str (json_node_get_object (log), "state") : "-");
        }
      else
        {
          g_autofree char *time = format_time (row, "time");

          g_print ("%-16s %-28s %-18s %s\n", time, str (row, "actor"), str (row, "action"), str (row, "detail"));
        }
    }
}

static void
print_bind_plan (JsonObject *reply)
{
  JsonArray *plan = json_object_get_array_member (reply, "plan");
  gboolean dry_run = json_object_get_boolean_member_with_default (reply, "dry_run", FALSE);

  for (guint i = 0; plan != NULL && i < json_array_get_length (plan); i++)
    {
      JsonObject *entry = json_array_get_object_element (plan, i);
      JsonObject *user = json_object_get_object_member (entry, "user");
      const char *result = str (entry, "result");

      g_print ("%-12s %-10s %s (%s, %s)%s%s\n",
               g_str_equal (result, "would-bind") ? "would bind" : result, str (entry, "extension"),
               str (user, "name"), str (user, "login"), str (user, "type"),
               json_object_get_string_member_with_default (entry, "reason", NULL) ? ": " : "",
               json_object_get_string_member_with_default (entry, "reason", ""));
    }
  if (dry_run)
    g_print ("Dry run: %" G_GINT64_FORMAT " extension(s) would be bound by e-mail; nothing was changed.\n",
             json_object_get_int_member (reply, "bound"));
  else
    g_print ("%" G_GINT64_FORMAT " extension(s) bound by e-mail.\n", json_object_get_int_member (reply, "bound"));
}

/* ---- serve ------------------------------------------------------------------------ */

typedef struct {
  GMainLoop *loop;
  RdHub     *hub;
  gboolean   stopping;
} Serve;

static void
stopped_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Serve *serve = user_data;
  g_autoptr(GError) error = NULL;

  if (!rd_hub_stop_finish (RD_HUB (source), result, &error))
    g_warning ("Stop: %s", error->message);
  g_main_loop_quit (serve->loop);
}

static gboolean
on_signal (gpointer user_data)
{
  Serve *serve = user_data;

  if (!serve->stopping)
    {
      serve->stopping = TRUE;
      g_message ("Stopping (queued CRM work is kept and resumes at the next start)");
      rd_hub_stop_async (serve->hub, NULL, stopped_cb, serve);
    }
  return G_SOURCE_CONTINUE;
}

static int
run_serve (const char *config_path, const char *socket_path)
{
  RdHubConfig config;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(RdHub) hub = NULL;
  Serve serve = { 0 };
  guint term_id, int_id;

  if (!rd_hub_config_load (&config, config_path, &error))
    {
      g_printerr ("ringdesk-hub: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (socket_path != NULL)
    {
      g_free (config.options.admin_socket);
      config.options.admin_socket = g_strdup (socket_path);
    }
  hub = rd_hub_new (&config.options);
  rd_hub_set_retry_policy (hub, config.retry_base, config.retry_max);
  rd_hub_set_index_refresh (hub, config.index_refresh);
  rd_hub_set_index_reconcile (hub, config.index_reconcile);
  rd_hub_set_index_limits (hub, &(RdIndexSyncLimits) { .max_in_flight = config.index_concurrency });
  rd_hub_config_clear (&config);
  if (!rd_hub_start (hub, &error))
    {
      g_printerr ("ringdesk-hub: %s\n", error->message);
      return EXIT_FAILURE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  serve.loop = loop;
  serve.hub = hub;
  term_id = g_unix_signal_add (SIGTERM, on_signal, &serve);
  int_id = g_unix_signal_add (SIGINT, on_signal, &serve);
  g_main_loop_run (loop);
  g_source_remove (term_id);
  g_source_remove (int_id);
  g_message ("Stopped");
  return EXIT_SUCCESS;
}

/* ---- admin commands -------------------------------------------------------------- */

static int
call_and_report (const char *socket_path, const char *command, JsonObject *body, JsonObject **out_reply)
{
  g_autoptr(GError) error = NULL;
  JsonObject *reply = rd_admin_client_call (socket_path, command, body, &error);

  if (reply == NULL)
    {
      g_autofree char *message = rd_text_clean (error->message);

      g_printerr ("ringdesk-hub %s: %s\n", command, message);
      return EXIT_FAILURE;
    }
  if (out_reply != NULL)
    *out_reply = reply;
  else
    json_object_unref (reply);
  return EXIT_SUCCESS;
}

static gboolean
parse_on_off (Args *args, gboolean *out, GError **error)
{
  const char *word = args->positional->len == 1 ? g_ptr_array_index (args->positional, 0) : NULL;

  if (g_strcmp0 (word, "on") == 0)
    *out = TRUE;
  else if (g_strcmp0 (word, "off") == 0)
    *out = FALSE;
  else
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "Say on or off");
      return FALSE;
    }
  return TRUE;
}

static int
run_command (const char *socket_path, const char *command, int argc, char **argv)
{
  static const char * const json_flag[] = { "json", NULL };
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  Args args = { 0 };
  int status = EXIT_SUCCESS;
  const char *wire = command;

  if (g_str_equal (command, "status") || g_str_equal (command, "users") || g_str_equal (command, "extensions") ||
      g_str_equal (command, "agent-keys"))
    {
      if (!args_parse (&args, argc, argv, NULL, json_flag, &error) || args.positional->len != 0)
        goto usage;
      status = call_and_report (socket_path, command, NULL, &reply);
      if (status == EXIT_SUCCESS)
        {
          g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), reply);

          if (opt (&args, "json") == NULL)
            clean_strings (root);
          if (opt (&args, "json") != NULL)
            print_json (reply, g_str_equal (command, "status") ? NULL :
                               g_str_equal (command, "agent-keys") ? "keys" : command);
          else if (g_str_equal (command, "status"))
            print_status (reply);
          else if (g_str_equal (command, "users"))
            print_users (json_object_get_array_member (reply, "users"));
          else if (g_str_equal (command, "agent-keys"))
            print_agent_keys (json_object_get_array_member (reply, "keys"));
          else
            print_extensions (json_object_get_array_member (reply, "extensions"));
        }
    }
  else if (g_str_equal (command, "connect-crm") || g_str_equal (command, "connect-odoo") ||
           g_str_equal (command, "test-crm"))
    {
      static const char * const names[] = { "url", "database", "login", "api-key-file", "cert-sha256", "log-style",
                                            "kind", "set", "set-file", NULL };
      static const char * const flags[] = { "keep-key", "insecure-http", NULL };
      static const OptionAlias aliases[] = { { "database", "database", FALSE }, { NULL } };
      gboolean test = g_str_equal (command, "test-crm");
      const RdCrmBackend *backend;
      gboolean usage = TRUE;

      if (!args_parse (&args, argc, argv, names, flags, &error) || args.positional->len != 0)
        goto usage;
      if (opt (&args, "url") == NULL || opt (&args, "login") == NULL)
        {
          g_set_error_literal (&error, RD_ERROR, RD_ERROR_INVALID_INPUT, "--url and --login are required");
          goto usage;
        }
      backend = rd_crm_find_backend (opt (&args, "kind"), &error);
      if (backend == NULL ||
          !add_backend_options (&args, "CRM", backend->kind, backend->options, aliases, FALSE, body, &usage, &error))
        {
          if (usage)
            goto usage;
          goto fail;
        }
      if (opt (&args, "keep-key") == NULL)
        {
          char *key = read_secret (opt (&args, "api-key-file"), "CRM API key", &error);

          if (key == NULL)
            goto fail;
          json_object_set_string_member (body, "api_key", key);
          wipe_free (key);
        }
      wire = test ? "test-crm" : "connect-crm";
      json_object_set_string_member (body, "url", opt (&args, "url"));
      json_object_set_string_member (body, "login", opt (&args, "login"));
      if (opt (&args, "cert-sha256") != NULL)
        json_object_set_string_member (body, "cert_sha256", opt (&args, "cert-sha256"));
      if (opt (&args, "log-style") != NULL)
        json_object_set_string_member (body, "log_style", opt (&args, "log-style"));
      if (opt (&args, "insecure-http") != NULL)
        json_object_set_boolean_member (body, "insecure_http", TRUE);
      status = call_and_report (socket_path, wire, body, &reply);
      if (status == EXIT_SUCCESS && test)
        {
          g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), reply);

          clean_strings (root);
          print_crm_features (json_object_get_object_member (reply, "crm"));
        }
      else if (status == EXIT_SUCCESS)
        {
          g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), reply);

          clean_strings (root);     /* the note may name the CRM's company */
          g_print ("CRM connected.\n");
          if (json_object_get_string_member_with_default (reply, "region_note", NULL) != NULL)
            g_print ("Note: %s\n", json_object_get_string_member (reply, "region_note"));
        }
    }
  else if (g_str_equal (command, "connect-pbx"))
    {
      static const char * const names[] = { "url", "client-id", "secret-file", "cert-sha256", "time-zone",
                                            "kind", "set", "set-file", NULL };
      static const char * const flags[] = { "keep-secret", "insecure-http", NULL };
      static const OptionAlias aliases[] = {
        { "client-id", "client-id", FALSE }, { "time-zone", "time-zone", FALSE },
        { "secret-file", "client-secret", TRUE }, { NULL },
      };
      const RdPbxBackend *backend;
      gboolean usage = TRUE;

      if (!args_parse (&args, argc, argv, names, flags, &error) || args.positional->len != 0)
        goto usage;
      if (opt (&args, "url") == NULL)
        {
          g_set_error_literal (&error, RD_ERROR, RD_ERROR_INVALID_INPUT, "--url is required");
          goto usage;
        }
      backend = rd_pbx_find_backend (opt (&args, "kind"), &error);
      if (backend == NULL ||
          !add_backend_options (&args, "PBX", backend->kind, backend->options, aliases,
                                opt (&args, "keep-secret") != NULL, body, &usage, &error))
        {
          if (usage)
            goto usage;
          goto fail;
        }
      json_object_set_string_member (body, "url", opt (&args, "url"));
      if (opt (&args, "cert-sha256") != NULL)
        json_object_set_string_member (body, "cert_sha256", opt (&args, "cert-sha256"));
      if (opt (&args, "insecure-http") != NULL)
        json_object_set_boolean_member (body, "insecure_http", TRUE);
      status = call_and_report (socket_path, command, body, NULL);
      if (status == EXIT_SUCCESS)
        g_print ("PBX connected.\n");
    }
  else if (g_str_equal (command, "bind"))
    {
      static const char * const flags[] = { "auto", "dry-run", "force", NULL };
      gboolean automatic, dry_run;

      if (!args_parse (&args, argc, argv, NULL, flags, &error))
        goto usage;
      automatic = opt (&args, "auto") != NULL;
      dry_run = opt (&args, "dry-run") != NULL;
      if (automatic && args.positional->len == 0 && opt (&args, "force") == NULL)
        {
          json_object_set_boolean_member (body, "auto", TRUE);
          json_object_set_boolean_member (body, "dry_run", dry_run);
        }
      else if (!automatic && !dry_run && args.positional->len == 2)
        {
          json_object_set_string_member (body, "extension", g_ptr_array_index (args.positional, 0));
          json_object_set_string_member (body, "user", g_ptr_array_index (args.positional, 1));
          if (opt (&args, "force") != NULL)
            json_object_set_boolean_member (body, "force", TRUE);
        }
      else
        goto usage;
      status = call_and_report (socket_path, command, body, &reply);
      if (status == EXIT_SUCCESS && automatic)
        {
          g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), reply);

          clean_strings (root);
          print_bind_plan (reply);
        }
      else if (status == EXIT_SUCCESS)
        g_print ("Bound.%s\n", opt (&args, "force") != NULL
                 ? " (Forced: this user is not an employee; unbind it when that is no longer wanted.)" : "");
    }
  else if (g_str_equal (command, "unbind"))
    {
      if (!args_parse (&args, argc, argv, NULL, NULL, &error) || args.positional->len != 1)
        goto usage;
      json_object_set_string_member (body, "extension", g_ptr_array_index (args.positional, 0));
      status = call_and_report (socket_path, command, body, NULL);
      if (status == EXIT_SUCCESS)
        g_print ("Unbound; its agent key and sessions ended.\n");
    }
  else if (g_str_equal (command, "agent-key"))
    {
      static const char * const names[] = { "output", NULL };
      const char *output;
      int fd = -1;

      if (!args_parse (&args, argc, argv, names, NULL, &error) || args.positional->len != 1)
        goto usage;
      output = opt (&args, "output");
      /* The file first: if it cannot be written, the old key stays valid. */
      if (output != NULL && (fd = open_key_file (output, &error)) < 0)
        goto fail;
      json_object_set_string_member (body, "extension", g_ptr_array_index (args.positional, 0));
      status = call_and_report (socket_path, command, body, &reply);
      if (status == EXIT_SUCCESS)
        {
          const char *key = json_object_get_string_member_with_default (reply, "key", "");

          if (fd >= 0)
            {
              if (!write_key (fd, key, &error))
                {
                  close (fd);
                  goto fail;
                }
              g_printerr ("Key written to %s (mode 0600). ", output);
            }
          else
            {
              /* Shown once, on stdout only, so it can be piped into a password manager. A file
               * the shell created for "> key.txt" would be world-readable: make it private. */
              protect_stdout_file ();
              g_print ("%s\n", key);
            }
          g_printerr ("Give this key to the user of extension %s; it is not stored in readable form. "
                      "Hub address: %s\n", (char *) g_ptr_array_index (args.positional, 0),
                      json_object_get_string_member_with_default (reply, "url", "?"));
        }
      if (fd >= 0)
        close (fd);
    }
  else if (g_str_equal (command, "revoke"))
    {
      static const char * const names[] = { "extension", NULL };
      const char *id_text;
      gint64 id;
      char *end = NULL;

      if (!args_parse (&args, argc, argv, names, NULL, &error))
        goto usage;
      if (opt (&args, "extension") != NULL && args.positional->len == 0)
        json_object_set_string_member (body, "extension", opt (&args, "extension"));
      else if (opt (&args, "extension") == NULL && args.positional->len == 1)
        {
          id_text = g_ptr_array_index (args.positional, 0);
          id = g_ascii_strtoll (id_text, &end, 10);
          if (end == id_text || *end != '\0' || id <= 0)
            {
              g_set_error (&error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                           "“%s” is not a key id (see agent-keys); use --extension EXT for an extension", id_text);
              goto usage;
            }
          json_object_set_int_member (body, "id", id);
        }
      else
        goto usage;
      status = call_and_report (socket_path, command, body, NULL);
      if (status == EXIT_SUCCESS)
        g_print ("Revoked; its sessions were closed.\n");
    }
  else if (g_str_equal (command, "sync"))
    {
      static const char * const names[] = { "kinds", "phonebook", NULL };
      gboolean on;

      if (!args_parse (&args, argc, argv, names, NULL, &error) || !parse_on_off (&args, &on, &error))
        goto usage;
      json_object_set_boolean_member (body, "enabled", on);
      if (opt (&args, "kinds") != NULL)
        json_object_set_string_member (body, "kinds", opt (&args, "kinds"));
      if (opt (&args, "phonebook") != NULL)
        json_object_set_string_member (body, "phonebook", opt (&args, "phonebook"));
      status = call_and_report (socket_path, command, body, NULL);
      if (status == EXIT_SUCCESS)
        g_print ("Contact sync %s.\n", on ? "on" : "off");
    }
  else if (g_str_equal (command, "autocreate"))
    {
      static const char * const names[] = { "calls", "as", "prefix", NULL };
      gboolean on;

      if (!args_parse (&args, argc, argv, names, NULL, &error) || !parse_on_off (&args, &on, &error))
        goto usage;
      json_object_set_boolean_member (body, "enabled", on);
      if (opt (&args, "calls") != NULL)
        json_object_set_string_member (body, "calls", opt (&args, "calls"));
      if (opt (&args, "as") != NULL)
        json_object_set_string_member (body, "as", opt (&args, "as"));
      if (opt (&args, "prefix") != NULL)
        json_object_set_string_member (body, "prefix", opt (&args, "prefix"));
      status = call_and_report (socket_path, command, body, &reply);
      if (status == EXIT_SUCCESS)
        {
          const char *creates = json_object_get_string_member_with_default (reply, "creates", NULL);
          const char *note = json_object_get_string_member_with_default (reply, "note", NULL);

          if (on && creates != NULL)
            g_print ("Auto-create on: unknown callers become %s records.\n",
                     g_str_equal (creates, "individual") ? "contact" : creates);
          else
            g_print ("Auto-create %s.\n", on ? "on" : "off");
          if (note != NULL)
            g_print ("Note: %s\n", note);
        }
    }
  else if (g_str_equal (command, "region"))
    {
      const char *code;

      if (!args_parse (&args, argc, argv, NULL, NULL, &error) || args.positional->len != 1)
        goto usage;
      code = g_ptr_array_index (args.positional, 0);
      if (g_strcmp0 (code, "auto") != 0)
        json_object_set_string_member (body, "region", code);
      status = call_and_report (socket_path, command, body, &reply);
      if (status == EXIT_SUCCESS)
        {
          const char *now = json_object_get_string_member_with_default (reply, "region", NULL);

          if (g_strcmp0 (code, "auto") != 0)
            g_print ("Region %s: national numbers (without +country) are read as %s numbers.\n", now, now);
          else if (now != NULL)
            g_print ("Region auto: the CRM company's country, now %s.\n", now);
          else
            g_print ("Region auto: the CRM company's country, but it has none%s\n",
                     json_object_get_string_member_with_default (reply, "region_note", NULL) != NULL ? ":" : ".");
          if (now == NULL && json_object_get_string_member_with_default (reply, "region_note", NULL) != NULL)
            g_print ("%s\n", json_object_get_string_member (reply, "region_note"));
        }
    }
  else if (g_str_equal (command, "enable") || g_str_equal (command, "disable") ||
           g_str_equal (command, "disconnect"))
    {
      if (!args_parse (&args, argc, argv, NULL, NULL, &error) || args.positional->len != 0)
        goto usage;
      status = call_and_report (socket_path, command, NULL, NULL);
      if (status == EXIT_SUCCESS)
        g_print ("%s.\n", g_str_equal (command, "enable") ? "Enabled" :
                          g_str_equal (command, "disable") ? "Disabled; settings are kept" :
                          "Disconnected; the synced phonebook stays on the PBX");
    }
  else if (g_str_equal (command, "admin-link"))
    {
      if (!args_parse (&args, argc, argv, NULL, NULL, &error) || args.positional->len != 0)
        goto usage;
      status = call_and_report (socket_path, command, NULL, &reply);
      if (status == EXIT_SUCCESS)
        {
          g_print ("%s\n", json_object_get_string_member_with_default (reply, "url", ""));
          g_printerr ("Open this link in a browser within 15 minutes; it works once. It lets you choose the console "
                      "administrator's name and password.\n");
        }
    }
  else if (g_str_equal (command, "outbox") || g_str_equal (command, "calls") || g_str_equal (command, "audit"))
    {
      static const char * const names[] = { "limit", NULL };
      static const char * const flags[] = { "json", "failed", NULL };
      const char *member = g_str_equal (command, "outbox") ? "items" : g_str_equal (command, "calls") ? "calls" : "entries";

      if (!args_parse (&args, argc, argv, names, flags, &error) || args.positional->len != 0 ||
          (opt (&args, "failed") != NULL && !g_str_equal (command, "outbox")))
        goto usage;
      if (opt (&args, "limit") != NULL)
        json_object_set_int_member (body, "limit", g_ascii_strtoll (opt (&args, "limit"), NULL, 10));
      if (opt (&args, "failed") != NULL)
        json_object_set_boolean_member (body, "failed_only", TRUE);
      status = call_and_report (socket_path, command, body, &reply);
      if (status == EXIT_SUCCESS && opt (&args, "json") != NULL)
        print_json (reply, member);
      else if (status == EXIT_SUCCESS)
        {
          g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), reply);

          clean_strings (root);
          print_rows (command, json_object_get_array_member (reply, member));
        }
    }
  else if (g_str_equal (command, "retry"))
    {
      static const char * const flags[] = { "all-failed", NULL };
      const char *id;

      if (!args_parse (&args, argc, argv, NULL, flags, &error))
        goto usage;
      id = args.positional->len == 1 ? g_ptr_array_index (args.positional, 0) : NULL;
      if ((id == NULL) == (opt (&args, "all-failed") == NULL) || args.positional->len > 1 ||
          (id != NULL && g_ascii_strtoll (id, NULL, 10) <= 0))
        goto usage;
      json_object_set_int_member (body, "id", id != NULL ? g_ascii_strtoll (id, NULL, 10) : 0);
      status = call_and_report (socket_path, command, body, &reply);
      if (status == EXIT_SUCCESS)
        g_print ("%" G_GINT64_FORMAT " item(s) will be retried now.\n", json_object_get_int_member_with_default (reply, "retried", 0));
    }
  else if (g_str_equal (command, "certificate"))
    {
      JsonObject *cert;

      if (!args_parse (&args, argc, argv, NULL, NULL, &error) || args.positional->len != 1)
        goto usage;
      json_object_set_string_member (body, "url", g_ptr_array_index (args.positional, 0));
      status = call_and_report (socket_path, "probe-certificate", body, &reply);
      if (status == EXIT_SUCCESS && (cert = json_object_get_object_member (reply, "certificate")) != NULL)
        {
          g_autoptr(JsonNode) root = json_node_init_object (json_node_alloc (), reply);
          JsonArray *problems = json_object_get_array_member (cert, "problems");

          clean_strings (root);

          g_print ("SHA-256:  %s\nSubject:  %s\nIssuer:   %s\nTrusted:  %s", str (cert, "sha256"), str (cert, "subject"),
                   str (cert, "issuer"), json_object_get_boolean_member_with_default (cert, "trusted", FALSE) ? "yes" : "no");
          for (guint i = 0; problems != NULL && i < json_array_get_length (problems); i++)
            g_print ("%s%s", i == 0 ? " (" : ", ", json_array_get_string_element (problems, i));
          g_print ("%s\n", problems != NULL && json_array_get_length (problems) > 0 ? ")" : "");
        }
    }
  else if (g_str_equal (command, "logging"))
    {
      if (!args_parse (&args, argc, argv, NULL, NULL, &error) || args.positional->len != 1)
        goto usage;
      json_object_set_string_member (body, "style", g_ptr_array_index (args.positional, 0));
      status = call_and_report (socket_path, command, body, NULL);
      if (status == EXIT_SUCCESS)
        g_print ("Calls are logged as %s.\n", g_str_equal (g_ptr_array_index (args.positional, 0), "note")
                                              ? "notes" : "done activities");
    }
  else
    {
      args_clear (&args);
      return usage_error ("unknown command");
    }
  args_clear (&args);
  return status;

usage:
  args_clear (&args);
  return usage_error (error != NULL ? error->message : "wrong arguments");
fail:
  args_clear (&args);
  {
    g_autofree char *message = rd_text_clean (error->message);

    g_printerr ("ringdesk-hub %s: %s\n", command, message);
  }
  return EXIT_FAILURE;
}

/* `backends [--json]`: from this program's own registry, no hub needed. */
static int
run_backends (int argc, char **argv)
{
  static const char * const json_flag[] = { "json", NULL };
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(GError) error = NULL;
  Args args = { 0 };
  gboolean json;

  if (!args_parse (&args, argc, argv, NULL, json_flag, &error) || args.positional->len != 0 || args.sets->len > 0)
    {
      args_clear (&args);
      return usage_error (error != NULL ? error->message : "backends takes only --json");
    }
  json = opt (&args, "json") != NULL;
  args_clear (&args);
  list = rd_backend_list_to_json ();
  if (json)
    print_json (list, NULL);
  else
    print_backends (list);
  return EXIT_SUCCESS;
}

int
main (int argc, char **argv)
{
  g_autofree char *socket_path = NULL;
  const char *config_path = NULL;
  const char *socket_option = NULL;
  int i = 1;

  setlocale (LC_ALL, "");
  /* Log lines quote CRM and PBX text (names, error messages): clean them of control characters. */
  g_log_set_writer_func (rd_text_log_writer, NULL, NULL);
  /* Every log line to stderr (GLib sends info and debug to stdout): stdout is the commands' output. */
  g_log_writer_default_set_use_stderr (TRUE);

  for (; i < argc && g_str_has_prefix (argv[i], "--"); i++)
    {
      if (g_str_equal (argv[i], "--help"))
        {
          g_print ("%s", usage_text);
          return EXIT_SUCCESS;
        }
      if (g_str_equal (argv[i], "--version"))
        {
          g_print ("ringdesk-hub %s\n", PACKAGE_VERSION);
          return EXIT_SUCCESS;
        }
      if (g_str_equal (argv[i], "--config") && i + 1 < argc)
        config_path = argv[++i];
      else if (g_str_has_prefix (argv[i], "--config="))
        config_path = argv[i] + strlen ("--config=");
      else if (g_str_equal (argv[i], "--socket") && i + 1 < argc)
        socket_option = argv[++i];
      else if (g_str_has_prefix (argv[i], "--socket="))
        socket_option = argv[i] + strlen ("--socket=");
      else
        return usage_error ("unknown option");
    }
  if (i >= argc)
    return usage_error (NULL);

  if (g_str_equal (argv[i], "backends"))
    return run_backends (argc - i - 1, argv + i + 1);
  if (g_str_equal (argv[i], "serve"))
    {
      if (i + 1 != argc)
        return usage_error ("serve takes no arguments");
      return run_serve (config_path, socket_option);
    }

  if (socket_option != NULL)
    socket_path = g_strdup (socket_option);
  else
    {
      RdHubConfig config;
      g_autoptr(GError) error = NULL;

      if (!rd_hub_config_load (&config, config_path, &error))
        {
          g_printerr ("ringdesk-hub: %s\n", error->message);
          return EXIT_FAILURE;
        }
      socket_path = g_strdup (config.options.admin_socket);
      rd_hub_config_clear (&config);
    }
  return run_command (socket_path, argv[i], argc - i - 1, argv + i + 1);
}
